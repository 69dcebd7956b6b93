"""Each framework's example user-service against a real Spring Boot Admin 4.1: registered, UP, its endpoints
detected, and a metric drilled into through SBA's proxy (what the Metrics view asks)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.flows import find_event
from tests.support.launch import ZERO_CODE, launch
from tests.support.polling import eventually
from tests.support.sba import NOT_YET, AdminServer

pytestmark = pytest.mark.e2e

DJANGO = str(Path("examples/django").resolve())
DJANGO_ENV = {"DJANGO_SETTINGS_MODULE": "user_service.settings", "PYTHONPATH": DJANGO}
ENDPOINTS = {"health", "info", "env", "loggers", "logfile", "threaddump", "mappings", "metrics", "httpexchanges"}
READS = 3

#: name -> (command, environment, uri template of GET /users/{id})
SERVICES: dict[str, tuple[Sequence[str], Mapping[str, str], str]] = {
    "django-gunicorn": (
        ("gunicorn", "--no-control-socket", "--chdir", DJANGO, "-b", "127.0.0.1:$PORT", "user_service.wsgi"),
        DJANGO_ENV,
        "/users/{user_id}",
    ),
    "django-runserver-zero-code": (
        ("opentelemetry-instrument", "python", f"{DJANGO}/manage.py", "runserver", "--noreload", "127.0.0.1:$PORT"),
        {**DJANGO_ENV, **ZERO_CODE},
        "/users/{user_id}",
    ),
    "starlette": (
        ("uvicorn", "--app-dir", "examples/starlette", "--port", "$PORT", "app:app"),
        {},
        "/users/{user_id}",
    ),
    "litestar": (
        ("uvicorn", "--app-dir", "examples/litestar", "--port", "$PORT", "app:app"),
        {},
        "/users/{user_id}",
    ),
}


@pytest.mark.parametrize("service", SERVICES)
def test_registered_up_detected_and_drilled_into(service: str, sba41: AdminServer) -> None:
    argv, extra, template = SERVICES[service]
    name = f"user-service-{service}"
    env = {
        **extra,
        "OTEL_SERVICE_NAME": name,
        "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*",
        "OTEL_ACTUATOR_ADMIN_URL": sba41.url,
    }
    with launch(argv, env) as app, app.client() as http:
        health_url = f"{app.url}/actuator/health"
        instance = eventually(
            lambda: sba41.instance_with_health_url(health_url), what=f"registration of {name}", retrying=NOT_YET
        )
        instance_id = str(instance["id"])
        assert instance["registration"]["name"] == name
        assert instance["registration"]["managementUrl"] == f"{app.url}/actuator"
        assert find_event(sba41, instance_id, "REGISTERED") is not None

        eventually(lambda: _status(sba41, instance_id) == "UP", what="status UP", retrying=NOT_YET)
        eventually(lambda: _endpoints(sba41, instance_id) >= ENDPOINTS, what="endpoint detection", retrying=NOT_YET)

        created = http.post("/users", json={"name": "ada", "email": "ada@example.org"})
        assert created.status_code == 201, created.text
        for _ in range(READS):
            assert http.get(f"/users/{created.json()['id']}").status_code == 200

        def drilled() -> dict[str, Any]:
            response = sba41.proxy(instance_id, "metrics/http.server.requests", params={"tag": f"uri:{template}"})
            assert response.status_code == 200, response.text
            measurements = {m["statistic"]: m["value"] for m in response.json()["measurements"]}
            assert measurements["COUNT"] == READS, measurements
            return measurements

        # Old-mode Django records whole milliseconds: a quick request's time may round to 0.
        assert {"COUNT", "TOTAL_TIME", "MAX"} <= set(eventually(drilled, what="the drill-down", retrying=NOT_YET))


def _status(sba: AdminServer, instance_id: str) -> str:
    instance = sba.instance(instance_id)
    assert instance is not None
    status = instance["statusInfo"]
    assert status["status"] == "UP", status
    return str(status["status"])


def _endpoints(sba: AdminServer, instance_id: str) -> set[str]:
    instance = sba.instance(instance_id)
    return {endpoint["id"] for endpoint in instance["endpoints"]} if instance else set()
