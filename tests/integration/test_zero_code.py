"""The examples started the way users start them, as real processes: zero-code under ``opentelemetry-instrument``
(python, uvicorn, gunicorn, flask run), a hand-built OpenTelemetry setup, and the misconfiguration message."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import httpx
import pytest

from tests.support.launch import ZERO_CODE, Launched, launch
from tests.support.polling import eventually
from tests.support.requests import json_of

REQUESTS = 3
# Spans reach a SpanExporter through a BatchSpanProcessor, every 5 s by default.
QUICK_SPANS = {"OTEL_BSP_SCHEDULE_DELAY": "50"}

FASTAPI_APP = "examples/user_service/app.py"
FLASK_APP = "examples/user_service_flask/app.py"
FASTAPI_TEMPLATE = "/users/{id}"
FLASK_TEMPLATE = "/users/<int:user_id>"
# One catch-all route in FastAPI; in Flask one rule for the index and one for everything below it.
FASTAPI_ACTUATOR_ROUTES = 1
FLASK_ACTUATOR_ROUTES = 2

LOG_LINE = re.compile(r"created user (?P<name>\S+) \[(?P<trace>[0-9a-f]{32}),[0-9a-f]{16}\]")


@dataclass(frozen=True)
class Case:
    argv: Sequence[str]
    template: str
    actuator_routes: int
    env: Mapping[str, str] = field(default_factory=lambda: QUICK_SPANS)
    #: how long the first spans may take to arrive (the default batch delay is 5 s)
    span_wait: float = 20.0


CASES = {
    "python-fastapi": Case(
        ("opentelemetry-instrument", "python", FASTAPI_APP), FASTAPI_TEMPLATE, FASTAPI_ACTUATOR_ROUTES
    ),
    # The default batch delay: exchanges show up on their own, without a flush at shutdown.
    "uvicorn-default-batch-delay": Case(
        ("opentelemetry-instrument", "uvicorn", "--app-dir", "examples/user_service", "app:app", "--port", "$PORT"),
        FASTAPI_TEMPLATE,
        FASTAPI_ACTUATOR_ROUTES,
        env={},
        span_wait=30.0,
    ),
    "python-flask": Case(("opentelemetry-instrument", "python", FLASK_APP), FLASK_TEMPLATE, FLASK_ACTUATOR_ROUTES),
    "gunicorn": Case(
        (
            "opentelemetry-instrument",
            "gunicorn",
            "--no-control-socket",
            "--chdir",
            "examples/user_service_flask",
            "-b",
            "127.0.0.1:$PORT",
            "app:app",
        ),
        FLASK_TEMPLATE,
        FLASK_ACTUATOR_ROUTES,
    ),
    "flask-run": Case(
        ("opentelemetry-instrument", "flask", "--app", FLASK_APP, "run", "-p", "$PORT"),
        FLASK_TEMPLATE,
        FLASK_ACTUATOR_ROUTES,
    ),
}


# -- what every launched user service must show ----------------------------------------------------


def request_count(http: httpx.Client, template: str) -> float:
    response = http.get("/actuator/metrics/http.server.requests", params={"tag": f"uri:{template}"})
    if response.status_code == 404:
        return 0.0
    assert response.status_code == 200, response.text
    measurements = {m["statistic"]: m["value"] for m in response.json()["measurements"]}
    return float(measurements["COUNT"])


def user_exchanges(http: httpx.Client, user_id: int) -> list[dict[str, Any]]:
    exchanges = json_of(http.get("/actuator/httpexchanges"))["exchanges"]
    return [e for e in exchanges if e["request"]["uri"].split("?")[0].endswith(f"/users/{user_id}")]


def created_exchange(http: httpx.Client) -> Optional[dict[str, Any]]:
    exchanges = json_of(http.get("/actuator/httpexchanges"))["exchanges"]
    posts = [e for e in exchanges if e["request"]["method"] == "POST" and e["request"]["uri"].endswith("/users")]
    return posts[0] if posts else None


def log_trace_id(http: httpx.Client, name: str) -> Optional[str]:
    response = http.get("/actuator/logfile")
    assert response.status_code == 200, response.text
    for match in LOG_LINE.finditer(response.text):
        if match["name"] == name:
            return match["trace"]
    return None


def actuator_routes(http: httpx.Client) -> list[str]:
    contexts = json_of(http.get("/actuator/mappings"))["contexts"]
    patterns = [
        pattern
        for context in contexts.values()
        for group in context["mappings"]["dispatcherServlets"].values()
        for entry in group
        for pattern in entry["details"]["requestMappingConditions"]["patterns"]
    ]
    return sorted(p for p in patterns if p.startswith("/actuator"))


def exercise(app: Launched, template: str, routes: int, *, span_wait: float = 20.0) -> None:
    """Create a user, read it ``REQUESTS`` times, then check every actuator view of that traffic."""
    with app.client() as http:
        created = http.post("/users", json={"name": "alice", "email": "alice@example.org"})
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        for _ in range(REQUESTS):
            assert http.get(f"/users/{user_id}").status_code == 200

        # Mounted once, whether the instrumentor or the app's own mount_* call came first.
        assert len(actuator_routes(http)) == routes, actuator_routes(http)
        assert len(json_of(http.get("/actuator"))["_links"]) > 5

        eventually(lambda: request_count(http, template) >= REQUESTS, what=f"COUNT of uri {template}")
        eventually(lambda: len(user_exchanges(http, user_id)) >= REQUESTS, timeout=span_wait, what="every read")
        create = eventually(lambda: created_exchange(http), timeout=span_wait, what="the exchange of the POST")
        trace_id = eventually(lambda: log_trace_id(http, "alice"), timeout=span_wait, what="the INFO log line")

        # Exactly once each: FastAPI's native telemetry and the contrib instrumentation must not both count.
        assert request_count(http, template) == REQUESTS
        reads = user_exchanges(http, user_id)
        assert len(reads) == REQUESTS, reads
        assert all(e["response"]["status"] == 200 for e in reads)
        assert trace_id == create["traceId"], "the log line carries the trace of the request that logged it"

        threads = json_of(http.get("/actuator/metrics/jvm.threads.live"))
        assert threads["measurements"][0]["value"] >= 1
        uptime = json_of(http.get("/actuator/metrics/process.uptime"))
        assert uptime["measurements"][0]["value"] > 0


def assert_clean_exit(app: Launched) -> None:
    assert app.stop() == 0
    assert "Traceback" not in app.output()


# -- zero-code -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_zero_code_feeds_the_actuator(case: Case) -> None:
    with launch(case.argv, {**ZERO_CODE, **case.env}) as app:
        exercise(app, case.template, case.actuator_routes, span_wait=case.span_wait)
        assert_clean_exit(app)


def test_unset_exporters_print_the_fix() -> None:
    """The distro defaults every exporter to otlp; with no OTLP exporter installed OpenTelemetry never starts."""
    with launch(("opentelemetry-instrument", "python", FASTAPI_APP), {"OTEL_SERVICE_NAME": "user-service"}) as app:
        with app.client() as http:
            assert http.get("/actuator/health").status_code == 200  # the app's own mount still serves
        app.stop()
        stderr = app.stderr()
    assert "OTEL_TRACES_EXPORTER=otlp" in stderr
    assert "OTEL_TRACES_EXPORTER=actuator OTEL_METRICS_EXPORTER=actuator OTEL_LOGS_EXPORTER=actuator" in stderr


def test_actuator_exporters_sit_next_to_other_exporters() -> None:
    """``console,actuator`` stands in for ``otlp,actuator``: both exporters get every span and log record."""
    env = {
        **ZERO_CODE,
        **QUICK_SPANS,
        "OTEL_TRACES_EXPORTER": "console,actuator",
        "OTEL_LOGS_EXPORTER": "console,actuator",
    }
    with launch(("opentelemetry-instrument", "python", FASTAPI_APP), env) as app:
        exercise(app, FASTAPI_TEMPLATE, FASTAPI_ACTUATOR_ROUTES)
        eventually(lambda: '"http.route": "/users/{id}"' in app.stdout(), what="the console exporter's spans")
        eventually(lambda: '"body": "created user alice"' in app.stdout(), what="the console exporter's log record")
        assert_clean_exit(app)


def test_existing_opentelemetry_setup_feeds_the_actuator() -> None:
    """No opentelemetry-instrument: the app builds its own providers and adds the bridge next to its exporters."""
    env = {
        "OTEL_SERVICE_NAME": "user-service",
        "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*",
        "EXPORT_TELEMETRY": "console",
        **QUICK_SPANS,
    }
    with launch(("python", "examples/existing_setup/app.py"), env) as app:
        exercise(app, FASTAPI_TEMPLATE, FASTAPI_ACTUATOR_ROUTES)
        eventually(lambda: '"http.route": "/users/{id}"' in app.stdout(), what="the app's own span exporter")
        assert_clean_exit(app)
