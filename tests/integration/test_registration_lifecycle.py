"""Registration follows the tracer provider: shutting the provider down deregisters, in code and zero-code.

The child process stays alive after the provider's shutdown, so the DELETE seen by the fake admin can only
come from the provider (not from atexit or a signal handler).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_admin import FakeAdmin
from tests.support.launch import VENV_BIN, launch
from tests.support.polling import eventually

PROGRAM = """
import os, time
from opentelemetry import trace
if os.environ.get("OWN_PROVIDER"):
    from opentelemetry.sdk.trace import TracerProvider
    trace.set_tracer_provider(TracerProvider())
from otel_actuator import serve_management
serve_management(host="127.0.0.1", port=int(os.environ["PORT"]))
while not os.path.exists(os.environ["SHUTDOWN_FLAG"]):
    time.sleep(0.05)
trace.get_tracer_provider().shutdown()
print("provider shut down", flush=True)
time.sleep(60)
"""


@pytest.fixture
def admin() -> Iterator[FakeAdmin]:
    fake = FakeAdmin()
    yield fake
    fake.close()


@pytest.mark.parametrize("mode", ["in-code", "zero-code"])
def test_tracer_provider_shutdown_deregisters(mode: str, admin: FakeAdmin, tmp_path: Path) -> None:
    flag = tmp_path / "shutdown"
    env = {
        "OTEL_ACTUATOR_ADMIN_URL": admin.url,
        "OTEL_ACTUATOR_ADMIN_INTERVAL": "0.5",
        "OTEL_SERVICE_NAME": "lifecycle-check",
        "SHUTDOWN_FLAG": str(flag),
    }
    if mode == "in-code":
        argv = [sys.executable, "-c", PROGRAM]
        env["OWN_PROVIDER"] = "1"
    else:
        argv = [f"{VENV_BIN}/opentelemetry-instrument", sys.executable, "-c", PROGRAM]
        env.update({"OTEL_TRACES_EXPORTER": "actuator", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"})
    with launch(argv, env) as child:
        eventually(lambda: admin.registrations(), what="the first registration", process=child.process)
        assert admin.deregistrations() == []
        flag.touch()
        eventually(
            lambda: "provider shut down" in child.stdout(), what="the provider's shutdown", process=child.process
        )
        eventually(lambda: len(admin.deregistrations()) == 1, what="the deregistration", process=child.process)
        assert child.process.poll() is None, "deregistered by the provider's shutdown, not by the exit"
