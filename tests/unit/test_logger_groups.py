"""Logger groups: web, sql, http and otel by default, user groups from settings, a group's level set on its members."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Request
from otel_actuator.core.negotiation import V3_JSON
from otel_actuator.endpoints import loggers
from otel_actuator.settings import Settings

BASE = "http://127.0.0.1:8000/actuator"


@pytest.fixture
def restore_levels() -> Iterator[None]:
    names = [m for members in loggers.DEFAULT_GROUPS.values() for m in members]
    before = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


def _dispatcher(environ: dict[str, str]) -> Dispatcher:
    settings = Settings.from_env({"OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*", **environ})
    return Dispatcher(settings.http_policy(), loggers.create(settings.logger_groups))


def test_default_groups_are_listed_and_user_groups_join_or_replace_them() -> None:
    dispatcher = _dispatcher({"OTEL_ACTUATOR_LOGGER_GROUPS": "shop=shop.orders+shop.billing,sql=app.db"})
    response = dispatcher.handle(Request("GET", "/loggers", BASE, headers={"accept": V3_JSON}))
    groups = json.loads(response.body)["groups"]
    assert set(groups) == {"web", "sql", "http", "otel", "shop"}
    assert groups["shop"] == {"members": ["shop.orders", "shop.billing"]}
    assert groups["sql"] == {"members": ["app.db"]}, "a user group replaces the default of its name"
    assert "uvicorn.access" in groups["web"]["members"] and "werkzeug" in groups["web"]["members"]
    assert groups["otel"]["members"] == ["opentelemetry", "otel_actuator"]
    assert "httpx" in groups["http"]["members"]


def test_setting_a_default_group_sets_its_members(restore_levels: None) -> None:
    dispatcher = _dispatcher({})
    post = Request(
        "POST",
        "/loggers/http",
        BASE,
        headers={"accept": V3_JSON, "content-type": "application/json"},
        body=b'{"configuredLevel": "DEBUG"}',
    )
    assert dispatcher.handle(post).status == 204
    assert all(logging.getLogger(m).level == logging.DEBUG for m in loggers.DEFAULT_GROUPS["http"])
    one = dispatcher.handle(Request("GET", "/loggers/http", BASE, headers={"accept": V3_JSON}))
    assert json.loads(one.body)["configuredLevel"] == "DEBUG"
