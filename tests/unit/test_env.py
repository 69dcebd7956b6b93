from __future__ import annotations

import base64
import json
import logging
import os
from typing import Any, Optional

import pytest

from otel_actuator.actuator import Actuator
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.endpoint import Endpoint
from otel_actuator.core.errors import ActuatorError
from otel_actuator.core.negotiation import V2_JSON, V3_JSON, ApiVersion
from otel_actuator.endpoints import env
from otel_actuator.sanitize import MASK
from otel_actuator.settings import SHOW_ALWAYS, SHOW_CHOICES, SHOW_NEVER, SHOW_WHEN_AUTHORIZED, Settings
from tests.support.requests import call, json_of, operate, payload

#: Secrets planted in the environment; none may ever appear in a response.
SECRETS = {
    "DB_PASSWORD": "planted-db-password",
    "STRIPE_API_KEY": "planted-stripe-key",
    "GITHUB_TOKEN": "planted-github-token",
    "AWS_SECRET_ACCESS_KEY": "planted-aws-secret",
    "DATABASE_URL": "postgres://orders:planted-url-password@db:5432/orders",
    "SENTRY_DSN": "https://planted-sentry-key@o1.ingest.sentry.io/42",
    "OTEL_EXPORTER_OTLP_HEADERS": "x-honeycomb-team=planted-otlp-header",
    "WEBHOOK": "https://hooks.example.com/in?token=planted-query-token&x=1",
}
PLANTED = [
    "planted-db-password",
    "planted-stripe-key",
    "planted-github-token",
    "planted-aws-secret",
    "planted-url-password",
    "planted-sentry-key",
    "planted-otlp-header",
    "planted-query-token",
    "planted-settings-password",
    "planted-admin-password",
    "planted-admin-url-password",
]


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("APP_GREETING", "hello")


def _settings(show: str = SHOW_ALWAYS, **overrides: Any) -> Settings:
    return Settings(app_name="orders", exposure_include=("*",), env_show_values=show, **overrides)


def _endpoint(actuator: Actuator) -> Endpoint:
    (endpoint,) = env.create(actuator.settings, actuator.sources, actuator.sanitizer)
    return endpoint


def _dispatcher(actuator: Actuator) -> Dispatcher:
    return Dispatcher(actuator.settings.http_policy(), [_endpoint(actuator)])


def _call(
    actuator: Actuator,
    selector: Optional[str] = None,
    *,
    query: tuple[tuple[str, str], ...] = (),
    version: ApiVersion = ApiVersion.V3,
    authorized: bool = False,
) -> dict[str, Any]:
    result = operate(_endpoint(actuator), "GET", selector, query=query, version=version, authorized=authorized)
    return payload(result)


def _source(body: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in body["propertySources"] if s["name"] == name)
    return found


def _values(body: dict[str, Any]) -> list[Any]:
    return [p["value"] for s in body["propertySources"] for p in s["properties"].values()]


def test_v3_shape_and_source_order() -> None:
    actuator = Actuator(_settings(), resource_attributes={"service.name": "orders"})
    actuator.add_property_source("appConfig", lambda: {"feature.x": True})
    body = _call(actuator)
    assert body["activeProfiles"] == []
    assert body["defaultProfiles"] == ["default"]
    assert [s["name"] for s in body["propertySources"]] == [
        "systemProperties",
        "systemEnvironment",
        "otelActuatorSettings",
        "otelResource",
        "appConfig",
    ]


def test_v2_has_no_default_profiles() -> None:
    body = _call(Actuator(_settings()), version=ApiVersion.V2)
    assert body["activeProfiles"] == []
    assert "defaultProfiles" not in body
    single = _call(Actuator(_settings()), "PID", version=ApiVersion.V2)
    assert "defaultProfiles" not in single


def test_system_environment_with_origin_when_values_are_shown() -> None:
    body = _call(Actuator(_settings(SHOW_ALWAYS)))
    greeting = _source(body, "systemEnvironment")["properties"]["APP_GREETING"]
    assert greeting == {"value": "hello", "origin": 'System Environment Property "APP_GREETING"'}


def test_shown_values_still_lose_secrets() -> None:
    properties = _source(_call(Actuator(_settings(SHOW_ALWAYS))), "systemEnvironment")["properties"]
    assert properties["DB_PASSWORD"]["value"] == MASK
    assert properties["STRIPE_API_KEY"]["value"] == MASK
    assert properties["OTEL_EXPORTER_OTLP_HEADERS"]["value"] == MASK
    assert properties["DATABASE_URL"]["value"] == "postgres://orders:******@db:5432/orders"
    assert properties["SENTRY_DSN"]["value"] == "https://******@o1.ingest.sentry.io/42"
    assert properties["WEBHOOK"]["value"] == "https://hooks.example.com/in?token=******&x=1"


def test_never_masks_every_value_but_pid() -> None:
    body = _call(Actuator(_settings(SHOW_NEVER)), authorized=True)
    for source in body["propertySources"]:
        for key, prop in source["properties"].items():
            if source["name"] == "systemProperties" and key == "PID":
                assert prop["value"] == str(os.getpid())
            else:
                assert prop["value"] == MASK, (source["name"], key)


@pytest.mark.parametrize(("authorized", "shown"), [(True, True), (False, False)])
def test_when_authorized(authorized: bool, shown: bool) -> None:
    body = _call(Actuator(_settings(SHOW_WHEN_AUTHORIZED)), authorized=authorized)
    value = _source(body, "systemEnvironment")["properties"]["APP_GREETING"]["value"]
    assert value == ("hello" if shown else MASK)


@pytest.mark.parametrize("show", SHOW_CHOICES)
@pytest.mark.parametrize("authorized", [True, False])
@pytest.mark.parametrize("selector", [None, *SECRETS, "OTEL_ACTUATOR_PASSWORD", "OTEL_ACTUATOR_ADMIN_URL"])
def test_planted_secrets_never_appear(show: str, authorized: bool, selector: Optional[str]) -> None:
    settings = _settings(
        show,
        username="ops",
        password="planted-settings-password",
        admin_password="planted-admin-password",
        admin_url=("http://sba:planted-admin-url-password@admin:8080",),
    )
    actuator = Actuator(settings, resource_attributes={"auth.token": "planted-github-token"})
    actuator.add_property_source("vault", lambda: {"db": {"password": "planted-db-password"}, "k": SECRETS["WEBHOOK"]})
    text = json.dumps(_call(actuator, selector, authorized=authorized))
    for secret in PLANTED:
        assert secret not in text


def test_planted_secrets_never_appear_through_the_dispatcher() -> None:
    settings = _settings(SHOW_WHEN_AUTHORIZED, username="ops", password="planted-settings-password")
    dispatcher = _dispatcher(Actuator(settings))
    auth = "Basic " + base64.b64encode(b"ops:planted-settings-password").decode()
    for path in ("/env", "/env/DB_PASSWORD", "/env/DATABASE_URL", "/env/OTEL_ACTUATOR_PASSWORD"):
        response = call(dispatcher, "GET", path, {"authorization": auth})
        assert response.status == 200, path
        for secret in PLANTED:
            assert secret.encode() not in response.body


def test_settings_source_uses_variable_names_and_skips_unset() -> None:
    settings = _settings(exposure_exclude=("shutdown", "heapdump"), cors_allowed_origins=())
    properties = _source(_call(Actuator(settings)), "otelActuatorSettings")["properties"]
    assert properties["OTEL_ACTUATOR_BASE_PATH"] == {"value": "/actuator"}
    assert properties["OTEL_ACTUATOR_EXPOSURE_EXCLUDE"] == {"value": "shutdown,heapdump"}
    assert properties["OTEL_ACTUATOR_CORS_ALLOWED_ORIGINS"] == {"value": ""}
    assert properties["OTEL_ACTUATOR_SHUTDOWN_ENABLED"] == {"value": False}
    assert properties["OTEL_ACTUATOR_HEALTH_TIMEOUT"] == {"value": 2.0}
    assert "OTEL_ACTUATOR_USERNAME" not in properties


def test_resource_attributes_source() -> None:
    actuator = Actuator(_settings(), resource_attributes={"service.name": "orders", "process.command_args": ["a", "b"]})
    properties = _source(_call(actuator), "otelResource")["properties"]
    assert properties["service.name"] == {"value": "orders"}
    assert properties["process.command_args"] == {"value": '["a", "b"]'}


def test_user_sources_and_failing_ones(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("config server unreachable")

    actuator = Actuator(_settings())
    actuator.add_property_source("broken", broken)
    actuator.add_property_source("notAMapping", lambda: 42)  # type: ignore[arg-type,return-value]
    actuator.add_property_source("appConfig", lambda: {"pool.size": 5, "flags": {"beta": True}})
    with caplog.at_level(logging.WARNING, logger="otel_actuator"):
        body = _call(actuator)
    names = [s["name"] for s in body["propertySources"]]
    assert "broken" not in names and "notAMapping" not in names
    assert _source(body, "appConfig")["properties"] == {
        "pool.size": {"value": 5},
        "flags": {"value": '{"beta": true}'},
    }
    assert "config server unreachable" in caplog.text
    assert "'notAMapping' failed" in caplog.text


def test_pattern_filters_names_and_keeps_every_source() -> None:
    body = _call(Actuator(_settings()), query=(("pattern", "^APP_|PID"),))
    assert len(body["propertySources"]) == 4
    assert _source(body, "systemEnvironment")["properties"] == {
        "APP_GREETING": {"value": "hello", "origin": 'System Environment Property "APP_GREETING"'}
    }
    assert list(_source(body, "systemProperties")["properties"]) == ["PID"]
    assert _source(body, "otelActuatorSettings")["properties"] == {}


@pytest.mark.parametrize("pattern", ["([unclosed", "*", "x" * 300])
def test_bad_pattern_is_a_400(pattern: str) -> None:
    with pytest.raises(ActuatorError) as raised:
        _call(Actuator(_settings()), query=(("pattern", pattern),))
    assert raised.value.status == 400
    assert "pattern" in raised.value.message


def test_bad_pattern_through_the_dispatcher() -> None:
    response = call(_dispatcher(Actuator(_settings())), "GET", "/env", query=(("pattern", "(["),))
    assert "regular expression" in json_of(response, 400)["message"]


def test_single_property_shape() -> None:
    actuator = Actuator(_settings())
    actuator.add_property_source("appConfig", lambda: {"APP_GREETING": "hi from config"})
    body = _call(actuator, "APP_GREETING")
    assert body["property"] == {"source": "systemEnvironment", "value": "hello"}
    assert body["activeProfiles"] == [] and body["defaultProfiles"] == ["default"]
    assert body["propertySources"] == [
        {"name": "systemProperties"},
        {
            "name": "systemEnvironment",
            "property": {"value": "hello", "origin": 'System Environment Property "APP_GREETING"'},
        },
        {"name": "otelActuatorSettings"},
        {"name": "otelResource"},
        {"name": "appConfig", "property": {"value": "hi from config"}},
    ]


def test_single_property_is_masked_unless_visible() -> None:
    body = _call(Actuator(_settings(SHOW_NEVER)), "APP_GREETING")
    assert body["property"] == {"source": "systemEnvironment", "value": MASK}


@pytest.mark.parametrize("show", SHOW_CHOICES)
def test_pid_resolves_for_sbas_process_panel(show: str) -> None:
    body = _call(Actuator(_settings(show)), "PID")
    assert body["property"] == {"source": "systemProperties", "value": str(os.getpid())}


def test_missing_property_is_a_404() -> None:
    with pytest.raises(ActuatorError) as raised:
        _call(Actuator(_settings()), "NO_SUCH_PROPERTY_ANYWHERE")
    assert raised.value.status == 404
    response = call(_dispatcher(Actuator(_settings())), "GET", "/env/NO_SUCH_PROPERTY_ANYWHERE")
    assert "NO_SUCH_PROPERTY_ANYWHERE" in json_of(response, 404)["message"]


@pytest.mark.parametrize(("accept", "has_default_profiles"), [(V3_JSON, True), (V2_JSON, False), ("", True)])
def test_versions_through_the_dispatcher(accept: str, has_default_profiles: bool) -> None:
    response = call(_dispatcher(Actuator(_settings())), "GET", "/env/PID", accept=accept or None)
    body = json_of(response)
    assert body["property"]["value"] == str(os.getpid())
    assert ("defaultProfiles" in body) is has_default_profiles
