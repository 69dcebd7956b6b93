"""Django's route patterns as the ``uri`` tag's templates, and the per-instrumentation route readers."""

from __future__ import annotations

import pytest

from otel_actuator.bridge import http_attributes as http
from otel_actuator.bridge.django_routes import template

DJANGO = "opentelemetry.instrumentation.django"
STARLETTE = "opentelemetry.instrumentation.starlette"


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ("users/<int:id>", "/users/{id}"),
        ("users/<id>/posts/<slug:post>", "/users/{id}/posts/{post}"),
        ("users", "/users"),
        ("^users/(?P<pk>[0-9]+)/$", "/users/{pk}/"),
        ("^api/^v1/(\\d+)/export\\.json$", "/api/v1/{arg1}/export.json"),
        ("^u(?:/(?P<id>\\d+))?/$", "/u/{id}/"),
        ("actuator/metrics/{requiredMetricName}", "/actuator/metrics/{requiredMetricName}"),
    ],
)
def test_django_routes_become_templates(route: str, expected: str) -> None:
    assert template(route) == expected


def test_a_request_path_is_no_route() -> None:
    assert template("/users/7") is None


def test_old_mode_django_metrics_carry_the_route_in_http_target() -> None:
    assert http.route({"http.target": "users/<int:user_id>"}, DJANGO) == "/users/{user_id}"
    assert http.route({"http.route": "users/<int:user_id>"}, DJANGO) == "/users/{user_id}"


def test_an_unmatched_django_request_has_no_route() -> None:
    assert http.route({"http.target": "/no/such/page"}, DJANGO) is None
    assert http.route({}, DJANGO) is None


def test_starlette_converters_leave_the_template() -> None:
    assert http.route({"http.route": "/users/{user_id:int}"}, STARLETTE) == "/users/{user_id}"
    assert http.route({"http.target": "/users/{user_id}"}, STARLETTE) == "/users/{user_id}"
