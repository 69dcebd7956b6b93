"""The aiohttp and Tornado user-services, which run their own server (``python app.py``): in code
(``mount_aiohttp``, ``mount_tornado``) and zero-code, over real sockets."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from tests.support.launch import ZERO_CODE, launch
from tests.support.servers import free_port
from tests.support.user_service import IN_CODE, QUICK_SPANS, check_user_service

#: framework -> (the example, the patterns its mappings list for the user routes)
EXAMPLES = {
    "aiohttp": ("examples/aiohttp/app.py", {"/users", "/users/{id}"}),
    "tornado": ("examples/tornado/app.py", {"/users", "/users/([0-9]+)"}),
}
#: Both name the uri tag by template, whatever the framework's own pattern syntax.
TEMPLATE = "/users/{id}"
EVERYTHING = {"OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*"}


def _launch_of(way: str, example: str) -> tuple[tuple[str, ...], dict[str, str]]:
    if way == "in-code":
        return (sys.executable, example), IN_CODE
    return ("opentelemetry-instrument", "python", example), {**ZERO_CODE, **QUICK_SPANS}


@pytest.mark.parametrize("way", ["in-code", "zero-code"])
@pytest.mark.parametrize("framework", EXAMPLES)
def test_the_user_service_feeds_its_actuator(framework: str, way: str) -> None:
    example, user_routes = EXAMPLES[framework]
    argv, env = _launch_of(way, example)
    with launch(argv, env) as app:
        check_user_service(app, TEMPLATE, user_routes)
        assert app.stop() == 0
        assert "Traceback" not in app.output()


@pytest.mark.parametrize("framework", EXAMPLES)
def test_a_log_file_is_streamed(framework: str, tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    log.write_text("".join(f"line {n} of the service's own log file\n" for n in range(20000)))
    env = {**EVERYTHING, "OTEL_ACTUATOR_LOGFILE_PATH": str(log)}
    with launch((sys.executable, EXAMPLES[framework][0]), env) as app, app.client() as http:
        whole = http.get("/actuator/logfile")
        assert whole.status_code == 200
        assert whole.content == log.read_bytes()
        assert int(whole.headers["content-length"]) == log.stat().st_size
        tail = http.get("/actuator/logfile", headers={"Range": "bytes=-100"})
        assert tail.status_code == 206
        assert tail.content == log.read_bytes()[-100:]
        head = http.head("/actuator/logfile")
        assert (head.status_code, head.content) == (200, b"")


@pytest.mark.parametrize("framework", EXAMPLES)
def test_a_management_port_of_its_own_leaves_the_app_port_alone(framework: str) -> None:
    management = free_port()
    env = {**EVERYTHING, "OTEL_ACTUATOR_PORT": str(management)}
    with launch((sys.executable, EXAMPLES[framework][0]), env) as app, app.client() as http:
        assert http.get("/actuator/health").status_code == 404
        health = httpx.get(f"http://127.0.0.1:{management}/actuator/health", timeout=10)
        assert health.json()["status"] == "UP"
