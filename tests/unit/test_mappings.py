from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pytest

from otel_actuator.actuator import Actuator
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.endpoint import Endpoint
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from otel_actuator.endpoints import mappings
from otel_actuator.settings import Settings
from otel_actuator.sources import RouteMapping
from tests.support.requests import call, json_of, operate, payload

ROUTES = [
    RouteMapping(
        patterns=("/users/{id}",),
        methods=("GET",),
        handler="app.users.get_user",
        handler_class="app.users",
        handler_name="get_user",
    ),
    RouteMapping(
        patterns=("/users/<int:id>", "/people/<int:id>"),
        methods=("DELETE", "PUT"),
        handler="app.views.UserView",
        handler_class="app.views",
        handler_name="UserView",
        produces=("application/json", "!text/xml"),
        consumes=("application/json",),
    ),
    RouteMapping(patterns=("/static/{path:path}",), methods=(), handler="StaticFiles"),
]


def _actuator() -> Actuator:
    return Actuator(Settings(app_name="orders", exposure_include=("*",)))


def _endpoints(actuator: Actuator) -> list[Endpoint]:
    return mappings.create(actuator.sources, actuator.settings.service_name)


def _read(actuator: Actuator) -> dict[str, Any]:
    (endpoint,) = _endpoints(actuator)
    return payload(operate(endpoint))


def _dispatcher_servlet(body: dict[str, Any], group: str = "routes") -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = body["contexts"]["orders"]["mappings"]["dispatcherServlets"][group]
    return entries


def test_no_provider_gives_the_empty_shape_sba_expects() -> None:
    body = _read(_actuator())
    assert body == {
        "contexts": {
            "orders": {
                "mappings": {"dispatcherServlets": {"routes": []}, "servletFilters": [], "servlets": []},
                "parentId": None,
            }
        }
    }


def test_entries_from_the_provider() -> None:
    actuator = _actuator()
    actuator.mappings_provider = lambda: ROUTES
    first, second, third = _dispatcher_servlet(_read(actuator))
    assert first == {
        "handler": "app.users.get_user",
        "predicate": "{GET [/users/{id}]}",
        "details": {
            "handlerMethod": {"className": "app.users", "name": "get_user", "descriptor": ""},
            "requestMappingConditions": {
                "consumes": [],
                "headers": [],
                "methods": ["GET"],
                "params": [],
                "patterns": ["/users/{id}"],
                "produces": [],
            },
        },
    }
    assert second["predicate"] == (
        "{[DELETE, PUT] [/users/<int:id> || /people/<int:id>], consumes [application/json], "
        "produces [application/json || !text/xml]}"
    )
    conditions = second["details"]["requestMappingConditions"]
    assert conditions["patterns"] == ["/users/<int:id>", "/people/<int:id>"]
    assert conditions["methods"] == ["DELETE", "PUT"]
    assert conditions["produces"] == [
        {"mediaType": "application/json", "negated": False},
        {"mediaType": "text/xml", "negated": True},
    ]
    assert conditions["consumes"] == [{"mediaType": "application/json", "negated": False}]
    assert third["predicate"] == "{[/static/{path:path}]}"
    assert "handlerMethod" not in third["details"]
    assert third["details"]["requestMappingConditions"]["methods"] == []


def test_provider_is_asked_on_every_request() -> None:
    routes: list[RouteMapping] = []
    actuator = _actuator()
    actuator.mappings_provider = lambda: routes
    assert _dispatcher_servlet(_read(actuator)) == []
    routes.append(ROUTES[0])
    assert len(_dispatcher_servlet(_read(actuator))) == 1


def test_failing_provider_gives_an_empty_list(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> Sequence[RouteMapping]:
        raise RuntimeError("router exploded")

    actuator = _actuator()
    actuator.mappings_provider = broken
    with caplog.at_level(logging.WARNING, logger="otel_actuator"):
        assert _dispatcher_servlet(_read(actuator)) == []
    assert "router exploded" in caplog.text


def test_context_is_named_after_the_service() -> None:
    body = _read(Actuator(Settings(app_name="billing")))
    assert list(body["contexts"]) == ["billing"]


@pytest.mark.parametrize(("accept", "parent_kept"), [(V3_JSON, False), (V2_JSON, True)])
def test_served_through_the_dispatcher(accept: str, parent_kept: bool) -> None:
    actuator = _actuator()
    actuator.mappings_provider = lambda: ROUTES
    response = call(
        Dispatcher(actuator.settings.http_policy(), _endpoints(actuator)), "GET", "/mappings", accept=accept
    )
    assert response.header("content-type") == accept  # SBA's Mappings view checks for the vendor type
    context = json_of(response)["contexts"]["orders"]
    assert ("parentId" in context) is parent_kept
    assert len(context["mappings"]["dispatcherServlets"]["routes"]) == 3


def test_flask_rules_keep_their_own_pattern_text() -> None:
    from flask import Flask

    from otel_actuator.web.flask import flask_mappings

    app = Flask("shop")

    @app.get("/users/<int:user_id>")
    def get_user(user_id: int) -> str:
        return str(user_id)

    actuator = _actuator()
    actuator.mappings_provider = lambda: flask_mappings(app)
    entries = _dispatcher_servlet(_read(actuator), "Flask")
    user = next(e for e in entries if e["details"]["requestMappingConditions"]["patterns"] == ["/users/<int:user_id>"])
    assert user["predicate"] == "{GET [/users/<int:user_id>]}"
    assert user["details"]["handlerMethod"]["name"].endswith("get_user")


def test_fastapi_routes_keep_their_own_pattern_text() -> None:
    from fastapi import FastAPI

    from otel_actuator.web.fastapi import fastapi_mappings

    app = FastAPI()

    @app.get("/users/{user_id}")
    def get_user(user_id: int) -> int:
        return user_id

    actuator = _actuator()
    actuator.mappings_provider = lambda: fastapi_mappings(app.routes)
    entries = _dispatcher_servlet(_read(actuator), "FastAPI")
    user = next(e for e in entries if e["details"]["requestMappingConditions"]["patterns"] == ["/users/{user_id}"])
    assert user["predicate"] == "{GET [/users/{user_id}]}"
