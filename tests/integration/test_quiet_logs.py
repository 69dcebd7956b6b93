"""Quiet by default: registering with SBA again and again leaves the application's log alone.

The registrar logs its first success, a failure streak's first failure and the recovery; httpx's own
``HTTP Request`` lines for its calls stay out of the log file and the console, while the application's
own httpx calls keep theirs.
"""

from __future__ import annotations

import logging
import re
import textwrap
from pathlib import Path

import httpx
import pytest

from otel_actuator.admin.payload import InstanceUrls
from otel_actuator.admin.registrar import Registrar
from otel_actuator.settings import Settings
from tests.support.fake_admin import FakeAdmin
from tests.support.launch import VENV_BIN, launch
from tests.support.polling import eventually

URLS = InstanceUrls("http://127.0.0.1:8000/", "http://127.0.0.1:8000/actuator", "http://127.0.0.1:8000/actuator/health")

APP = """
import logging, os
import httpx
from fastapi import FastAPI
from otel_actuator import mount_fastapi

logging.basicConfig(level=logging.INFO)
app = FastAPI()

@app.get("/call-out")
def call_out() -> dict:
    # The application's own httpx call: its "HTTP Request" line is the user's and stays.
    return {"status": httpx.get(f"http://127.0.0.1:{os.environ['PORT']}/actuator/health").status_code}

mount_fastapi(app)
"""


def _registrar_lines(text: str) -> list[str]:
    """The registrar's own lines and any line about its calls to SBA (``/instances``)."""
    return [line for line in text.splitlines() if " otel_actuator.admin : " in line or "/instances" in line]


def test_ten_re_registrations_leave_at_most_one_registrar_line(fake_admin: FakeAdmin, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    argv = [f"{VENV_BIN}/uvicorn", "--app-dir", str(tmp_path), "--port", "$PORT", "app:app"]
    env = {
        "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*",
        "OTEL_ACTUATOR_ADMIN_URL": fake_admin.url,
        "OTEL_ACTUATOR_ADMIN_INTERVAL": "0.05",
        "OTEL_SERVICE_NAME": "quiet-service",
    }
    with launch(argv, env) as app, app.client() as client:
        eventually(lambda: len(fake_admin.registrations()) >= 11, what="ten re-registrations", process=app.process)
        assert client.get("/call-out").json() == {"status": 200}

        def log_with_own_call() -> str:
            text = client.get("/actuator/logfile").text
            return text if "HTTP Request: GET" in text else ""

        log = eventually(log_with_own_call, what="the application's own httpx line in the log file")
        lines = _registrar_lines(log)
        assert len(lines) == 1, lines  # the first registration, nothing for the ten after it
        assert "registered with Spring Boot Admin" in lines[0]
        assert "HTTP Request: POST" not in log
        # The application's own request line is kept: the filter drops only the registrar's.
        assert sum("HTTP Request: GET" in line for line in log.splitlines()) == 1

        console = app.stderr() + app.stdout()
        assert "/instances" not in console, console


def test_state_changes_are_logged_once_each(fake_admin: FakeAdmin, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="httpx")
    caplog.set_level(logging.INFO, logger="otel_actuator.admin")
    registrar = Registrar(Settings(admin_url=(fake_admin.url,)), lambda: URLS)
    try:
        phases = [("ok", True), ("error", False), ("ok", True)]
        for mode, expected in phases:
            fake_admin.mode = mode
            for _ in range(4):
                assert registrar.register_once(URLS) is expected
    finally:
        registrar.stop(deregister=False)

    assert len(fake_admin.registrations()) == 12
    assert [r.name for r in caplog.records if r.name == "httpx"] == []
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "otel_actuator.admin"]
    assert [level for level, _ in messages] == ["INFO", "WARNING", "INFO"], messages
    assert messages[0][1].startswith("registered with Spring Boot Admin")
    assert "failed: RuntimeError: HTTP 500" in messages[1][1]
    assert messages[2][1] == "Spring Boot Admin answers again after 4 failed attempt(s)"


def test_users_own_httpx_lines_are_kept(caplog: pytest.LogCaptureFixture, fake_admin: FakeAdmin) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    # Importing the registrar installs its filter on the httpx logger; a request outside it still logs.
    assert Registrar is not None
    httpx.delete(fake_admin.url + "/instances/anything")
    assert [r.getMessage() for r in caplog.records if r.name == "httpx"] == [
        f'HTTP Request: DELETE {fake_admin.url}/instances/anything "HTTP/1.0 204 No Content"'
    ]


#: example -> how its server's access log writes a request line (Tornado's: ``200 GET /users (127.0.0.1) 1.2ms``)
ACCESS_LINES = {
    "examples/user_service/app.py": '"GET {path} HTTP/1.1"',
    "examples/user_service_flask/app.py": '"GET {path} HTTP/1.1"',
    "examples/tornado/app.py": " GET {path} (",
}


@pytest.mark.parametrize("example", ACCESS_LINES)
def test_examples_keep_actuator_polling_out_of_the_access_log(example: str) -> None:
    # uvicorn writes its access log to the console only; werkzeug's and Tornado's reach the log file (the
    # root's handlers).
    with (
        launch([f"{VENV_BIN}/python", example], {"OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*"}) as app,
        app.client() as client,
    ):
        for path in ("/actuator", "/actuator/health", "/actuator/metrics?tag=a:b", "/actuator/threaddump"):
            client.get(path)
        assert client.get("/users").status_code == 200

        def access_log() -> str:
            text = app.stdout() + app.stderr() + client.get("/actuator/logfile").text
            return text if ACCESS_LINES[example].format(path="/users") in text else ""

        logged = eventually(access_log, what="the access-log line of GET /users", process=app.process)
        before_the_path = re.escape(ACCESS_LINES[example].split("{path}")[0])
        assert not re.search(before_the_path + "/actuator[/? ]", logged), logged
