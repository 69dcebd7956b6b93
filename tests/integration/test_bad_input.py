"""Bad input on every endpoint gets a 4xx with a message, never a 5xx, over real servers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from otel_actuator import Settings
from tests.support.apps import FRAMEWORKS, served

JSON = {"Content-Type": "application/json"}

# (method, path, request keyword arguments, expected status)
CASES: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/actuator/unknown", {}, 404),
    ("GET", "/actuator/health/nope", {}, 404),
    ("GET", "/actuator/health/ping/deeper/still", {}, 404),
    ("GET", "/actuator/env/NO_SUCH_VARIABLE_EVER", {}, 404),
    ("GET", "/actuator/env", {"params": {"pattern": "(unclosed"}}, 400),
    ("GET", "/actuator/loggers/no.such.logger.anywhere", {}, 404),
    ("POST", "/actuator/loggers/ROOT", {"content": b"{not json", "headers": JSON}, 400),
    ("POST", "/actuator/loggers/ROOT", {"content": b"[1, 2]", "headers": JSON}, 400),
    ("POST", "/actuator/loggers/ROOT", {"json": {"configuredLevel": "LOUD"}}, 400),
    ("POST", "/actuator/loggers/ROOT", {"json": {"configuredLevel": 5}}, 400),
    (
        "POST",
        "/actuator/loggers/ROOT",
        {"content": b"configuredLevel=DEBUG", "headers": {"Content-Type": "text/plain"}},
        415,
    ),
    (
        "POST",
        "/actuator/loggers/ROOT",
        {"content": b'{"configuredLevel":"' + b"D" * 70000 + b'"}', "headers": JSON},
        413,
    ),
    ("POST", "/actuator/loggers/%20bad%09name", {"json": {"configuredLevel": "DEBUG"}}, 400),
    ("DELETE", "/actuator/loggers/ROOT", {}, 405),
    ("PUT", "/actuator/health", {}, 405),
    ("POST", "/actuator/metrics", {}, 405),
    ("POST", "/actuator/shutdown", {}, 404),
    ("GET", "/actuator/metrics/no.such.meter", {}, 404),
    ("GET", "/actuator/metrics/http.server.requests", {"params": {"tag": "no-colon"}}, 400),
    ("GET", "/actuator/metrics/process.uptime", {"params": {"tag": "nosuchtag:value"}}, 404),
    ("GET", "/actuator/logfile", {"headers": {"Range": "bytes=999999999999-"}}, 416),
    ("GET", "/actuator/logfile", {"headers": {"Range": "bytes=5-2"}}, 416),
    ("GET", "/actuator/logfile", {"headers": {"Range": "lines=1-2"}}, 416),
    ("GET", "/actuator/logfile", {"headers": {"Range": "bytes=" + ",".join(["1-2"] * 200)}}, 416),
    ("GET", "/actuator/info", {"headers": {"Accept": "image/png"}}, 406),
    ("GET", "/actuator/logfile", {"headers": {"Accept": "application/json"}}, 406),
    ("GET", "/actuator/threaddump", {"headers": {"Accept": "text/html"}}, 406),
]


@pytest.fixture(scope="module", params=FRAMEWORKS)
def client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    import logging

    logging.getLogger("bad_input_test").warning("a line so the log is not empty")
    settings = Settings(exposure_include=("*",), health_show_details="always")
    with served(str(request.param), settings) as (url, _), httpx.Client(base_url=url, timeout=10) as http:
        yield http


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"), CASES, ids=[f"{c[0]} {c[1][:40]} {c[3]}" for c in CASES]
)
def test_bad_input_is_a_clear_4xx(
    client: httpx.Client, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    response = client.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    if status == 416:
        assert response.headers["content-range"].startswith("bytes */")
        return
    body = response.json()
    assert body["status"] == status
    assert body["message"]
    assert client.get("/actuator/health").status_code == 200
