"""What every framework's example user-service must show through its actuator, launched as a real process.

The example (GET/POST /users, GET /users/{id}) is started in code (``python app.py``, its own mount call)
or zero-code (``opentelemetry-instrument``); the checks are the same for both and for every framework.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from tests.integration.test_bad_input import CASES as BAD_INPUT
from tests.support.launch import ZERO_CODE, Launched, launch
from tests.support.polling import eventually
from tests.support.requests import json_of

REQUESTS = 3
NOT_FOUND_REQUESTS = 3
#: Spans reach a SpanExporter through a BatchSpanProcessor, every 5 s by default.
QUICK_SPANS = {"OTEL_BSP_SCHEDULE_DELAY": "50"}
#: The environment of an in-code launch: the example mounts the actuator itself.
IN_CODE = {"OTEL_SERVICE_NAME": "user-service", "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*"}
LOGGER = "user_service"

_CREATED = re.compile(r"created user (?P<name>\S+) \[(?P<trace>[0-9a-f]{32}),[0-9a-f]{16}\]")


def statistics(http: httpx.Client, metric: str, *tags: str) -> dict[str, float]:
    """The metric's measurements by statistic; empty while the metric (or the tagged series) does not exist."""
    response = http.get(f"/actuator/metrics/{metric}", params=[("tag", tag) for tag in tags])
    if response.status_code == 404:
        return {}
    return {m["statistic"]: float(m["value"]) for m in json_of(response)["measurements"]}


def count(http: httpx.Client, *tags: str) -> float:
    return statistics(http, "http.server.requests", *tags).get("COUNT", 0.0)


def exchanges(http: httpx.Client) -> list[dict[str, Any]]:
    return list(json_of(http.get("/actuator/httpexchanges"))["exchanges"])


def patterns(http: httpx.Client) -> list[str]:
    contexts = json_of(http.get("/actuator/mappings"))["contexts"]
    return sorted(
        pattern
        for context in contexts.values()
        for group in context["mappings"]["dispatcherServlets"].values()
        for entry in group
        for pattern in entry["details"]["requestMappingConditions"]["patterns"]
    )


def _reads(http: httpx.Client, user_id: int, at_least: int) -> list[dict[str, Any]]:
    found = [e for e in exchanges(http) if e["request"]["uri"].endswith(f"/users/{user_id}")]
    return found if len(found) >= at_least else []


def created_trace_id(http: httpx.Client, name: str) -> str | None:
    text = http.get("/actuator/logfile").text
    return next((m["trace"] for m in _CREATED.finditer(text) if m["name"] == name), None)


def check_user_service(app: Launched, template: str, user_patterns: set[str]) -> None:
    """Exact counts, exchanges, mappings, loggers, trace ids in the log file and 4xx for bad input."""
    with app.client() as http:
        # The launcher's probes of "/" are unmatched requests too.
        unmatched_before = count(http, "uri:NOT_FOUND")
        created = http.post("/users", json={"name": "alice", "email": "alice@example.org"})
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        for _ in range(REQUESTS):
            assert http.get(f"/users/{user_id}").status_code == 200
        for _ in range(NOT_FOUND_REQUESTS):
            assert http.get("/no/such/page").status_code == 404
        assert http.post("/users", json={"name": "", "email": "nobody"}).status_code == 422

        # Exactly once each (the Tornado instrumentation would count every failed request twice).
        eventually(lambda: count(http, f"uri:{template}") >= REQUESTS, what=f"COUNT of uri {template}")
        assert count(http, f"uri:{template}") == REQUESTS
        assert count(http, "uri:NOT_FOUND") == unmatched_before + NOT_FOUND_REQUESTS
        assert count(http, "uri:/users", "method:POST") == 2
        assert count(http, "uri:/actuator/metrics/{requiredMetricName}") >= 1
        # The only request in flight is the one reading it.
        assert statistics(http, "http.server.requests.active")["ACTIVE_TASKS"] == 1

        reads = eventually(lambda: _reads(http, user_id, REQUESTS), what="every read's exchange")
        assert len(reads) == REQUESTS
        assert all(e["response"]["status"] == 200 for e in reads)
        assert all(e["request"]["uri"] == f"{app.url}/users/{user_id}" for e in reads), reads[0]
        post = next(e for e in exchanges(http) if e["request"]["method"] == "POST" and e["response"]["status"] == 201)

        trace_id = eventually(lambda: created_trace_id(http, "alice"), what="the log line of the POST")
        assert trace_id == post["traceId"]

        routes = patterns(http)
        assert user_patterns <= set(routes), routes
        assert len([p for p in routes if p.startswith("/actuator")]) == 1, routes

        _check_loggers(http, user_id)
        _check_bad_input(http)


def _check_loggers(http: httpx.Client, user_id: int) -> None:
    path = f"/actuator/loggers/{LOGGER}"
    assert http.post(path, json={"configuredLevel": "DEBUG"}).status_code == 204
    assert json_of(http.get(path))["configuredLevel"] == "DEBUG"
    assert http.get(f"/users/{user_id}").status_code == 200
    eventually(lambda: f"looking up user {user_id}" in http.get("/actuator/logfile").text, what="the DEBUG line")
    assert http.post(path, json={"configuredLevel": None}).status_code == 204
    reset = json_of(http.get(path))
    assert reset.get("configuredLevel") is None
    assert reset["effectiveLevel"] == "INFO"


def _check_bad_input(http: httpx.Client) -> None:
    for method, path, kwargs, status in BAD_INPUT:
        response = http.request(method, path, **kwargs)
        assert response.status_code == status, (method, path, response.status_code, response.text[:200])


# -- ASGI examples served by uvicorn ----------------------------------------------------------------


def uvicorn(directory: Path) -> tuple[str, ...]:
    """uvicorn serving ``app:app`` of ``directory`` on the launcher's port."""
    return ("uvicorn", "--app-dir", str(directory), "--port", "$PORT", "app:app")


def edited_copy(example: Path, directory: Path, replacements: Mapping[str, str]) -> Path:
    """``directory``, now holding the example as ``app.py`` with each key (which must be there) replaced."""
    source = example.read_text()
    for old, new in replacements.items():
        assert old in source, old
        source = source.replace(old, new)
    (directory / "app.py").write_text(source)
    return directory


def check_served_by_uvicorn(directory: Path, *, zero_code: bool, template: str, user_patterns: set[str]) -> None:
    """``app.py`` of ``directory`` under uvicorn, in code or zero-code: :func:`check_user_service`, a clean stop."""
    argv, env = uvicorn(directory), IN_CODE
    if zero_code:
        argv, env = ("opentelemetry-instrument", *argv), {**ZERO_CODE, **QUICK_SPANS}
    with launch(argv, env) as app:
        check_user_service(app, template, user_patterns)
        # uvicorn raises SIGTERM again once it has shut down.
        assert app.stop() in (0, -signal.SIGTERM)
        assert "Traceback" not in app.output()
