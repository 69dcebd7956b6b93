"""One log line format in both modes: zero code (exported from the SDK's batch thread) and one mount call.

Both name the thread that logged and write Spring's level names, so the same call gives the same line.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import httpx
import pytest

from tests.support.launch import VENV_BIN, ZERO_CODE, launch
from tests.support.polling import eventually

APP = """
import logging, threading
from fastapi import FastAPI
from otel_actuator import mount_fastapi

logging.basicConfig(level=logging.INFO)
app = FastAPI()

@app.post("/orders")
def order() -> dict:
    worker = threading.Thread(target=lambda: logging.getLogger("shop.orders").warning("low stock"), name="order-worker")
    worker.start()
    worker.join()
    return {}

mount_fastapi(app)
"""

UVICORN = ["uvicorn", "--app-dir", "{dir}", "--port", "$PORT", "app:app"]
MODES = {
    "zero-code": (["opentelemetry-instrument", *UVICORN], {**ZERO_CODE, "OTEL_BLRP_SCHEDULE_DELAY": "50"}),
    "in-code": (UVICORN, {"OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*", "OTEL_SERVICE_NAME": "user-service"}),
}
#: Spring Boot's layout after the timestamp: level, pid, thread, logger, message.
LINE = re.compile(r"^\S+ \S+ (?P<rest> ?\w+ \d+ --- \[[^\]]+\] shop\.orders : low stock)$")


def _line(mode: str, directory: Path) -> str:
    argv, env = MODES[mode]
    command = [part.replace("{dir}", str(directory)) for part in argv]
    command[0] = f"{VENV_BIN}/{command[0]}"
    with launch(command, env) as app, app.client() as client:
        assert client.post("/orders").status_code == 200

        def logged() -> str:
            lines = [line for line in client.get("/actuator/logfile").text.splitlines() if "low stock" in line]
            assert len(lines) == 1, lines
            return lines[0]

        return eventually(logged, what="the warning in the log file", retrying=(AssertionError, httpx.HTTPError))


@pytest.mark.parametrize("mode", MODES)
def test_a_warning_names_its_thread_and_springs_level(mode: str, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    line = _line(mode, tmp_path)
    match = LINE.match(line)
    assert match, line
    rest = re.sub(r" \d+ --- ", " <pid> --- ", match["rest"])
    assert rest == " WARN <pid> --- [order-worker] shop.orders : low stock", line
