"""The Tornado user-service, in code (``mount_tornado``) and zero-code, over real sockets."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from tests.support.launch import ZERO_CODE, launch
from tests.support.user_service import QUICK_SPANS, check_user_service

APP = "examples/tornado/app.py"
TEMPLATE = "/users/{id}"
USER_ROUTES = {"/users", "/users/([0-9]+)"}

LAUNCHES = {
    "in-code": ((sys.executable, APP), {"OTEL_SERVICE_NAME": "user-service", "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*"}),
    "zero-code": (("opentelemetry-instrument", "python", APP), {**ZERO_CODE, **QUICK_SPANS}),
}


@pytest.mark.parametrize("way", LAUNCHES)
def test_the_user_service_feeds_its_actuator(way: str) -> None:
    argv, env = LAUNCHES[way]
    with launch(argv, env) as app:
        check_user_service(app, TEMPLATE, USER_ROUTES)
        assert app.stop() == 0
        assert "Traceback" not in app.output()


def test_a_log_file_is_streamed(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    log.write_text("".join(f"line {n} of the service's own log file\n" for n in range(20000)))
    env = {"OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*", "OTEL_ACTUATOR_LOGFILE_PATH": str(log)}
    with launch((sys.executable, APP), env) as app, app.client() as http:
        whole = http.get("/actuator/logfile")
        assert whole.status_code == 200
        assert whole.content == log.read_bytes()
        assert int(whole.headers["content-length"]) == log.stat().st_size
        tail = http.get("/actuator/logfile", headers={"Range": "bytes=-100"})
        assert tail.status_code == 206
        assert tail.content == log.read_bytes()[-100:]
        head = http.head("/actuator/logfile")
        assert (head.status_code, head.content) == (200, b"")


def test_a_management_port_of_its_own_leaves_the_app_port_alone() -> None:
    from tests.support.servers import free_port

    management = free_port()
    env = {"OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*", "OTEL_ACTUATOR_PORT": str(management)}
    with launch((sys.executable, APP), env) as app, app.client() as http:
        assert http.get("/actuator/health").status_code == 404
        health = httpx.get(f"http://127.0.0.1:{management}/actuator/health", timeout=10)
        assert health.json()["status"] == "UP"
