"""configprops: pydantic-settings models as Spring's configuration properties beans, under env's value rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict

from otel_actuator.actuator import Actuator
from otel_actuator.core.http import Request, Response
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from otel_actuator.settings import Settings
from otel_actuator.sources.configprops import default_prefix, discovered_settings

BASE = "http://127.0.0.1:8000/actuator"


class Database(BaseModel):
    host: str = "localhost"
    port: int = 5432


class ShopSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_", env_nested_delimiter="__")

    redis_url: str = "redis://localhost:6379/0"
    workers: int = 2
    api_token: str = "dev-token"
    tags: list[str] = ["a"]
    database: Database = Database()


#: Module-level, as applications keep their settings: discovery finds it.
discovered = ShopSettings()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("SHOP_REDIS_URL", "redis://app:s3cret@cache:6379/1")
    monkeypatch.setenv("SHOP_DATABASE__HOST", "db.internal")
    monkeypatch.setenv("SHOP_API_TOKEN", "tok-123")
    yield monkeypatch


def _actuator(show_values: str = "always") -> Actuator:
    actuator = Actuator(Settings(exposure_include=("*",), env_show_values=show_values, app_name="shop"))
    actuator.sources.configuration.clear()  # only what each test registers
    return actuator


def _get(actuator: Actuator, path: str, accept: str = V3_JSON) -> Response:
    return actuator.dispatcher.handle(Request("GET", path, BASE, headers={"accept": accept}))


def _bean(actuator: Actuator, key: str = "shop-tests.unit.test_configprops.ShopSettings") -> dict[str, Any]:
    body = json.loads(_get(actuator, "/configprops").body)
    beans: dict[str, Any] = body["contexts"]["shop"]["beans"]
    return dict(beans[key])


def test_a_settings_model_is_a_bean_with_prefix_properties_and_inputs(environment: pytest.MonkeyPatch) -> None:
    actuator = _actuator()
    actuator.add_settings_model(ShopSettings(workers=8))
    response = _get(actuator, "/configprops")
    assert response.status == 200
    assert response.header("content-type") == V3_JSON
    bean = _bean(actuator)
    assert bean["prefix"] == "shop"
    assert bean["properties"] == {
        "redis_url": "redis://app:******@cache:6379/1",
        "workers": 8,
        "api_token": "******",
        "tags": ["a"],
        "database": {"host": "db.internal", "port": 5432},
    }
    inputs = bean["inputs"]
    assert inputs["redis_url"] == {
        "value": "redis://app:******@cache:6379/1",
        "origin": 'System Environment Property "SHOP_REDIS_URL"',
    }
    assert inputs["workers"] == {"value": 8, "origin": "constructor argument"}
    assert inputs["api_token"] == {"value": "******", "origin": 'System Environment Property "SHOP_API_TOKEN"'}
    assert inputs["tags"] == [{}], "a default has no input, as in Spring"
    assert inputs["database"] == {
        "host": {"value": "db.internal", "origin": 'System Environment Property "SHOP_DATABASE__HOST"'},
        "port": {},
    }


def test_values_are_masked_unless_the_caller_may_see_them(environment: pytest.MonkeyPatch) -> None:
    actuator = _actuator(show_values="never")
    actuator.add_settings_model(ShopSettings())
    bean = _bean(actuator)
    assert bean["properties"]["workers"] == "******"
    assert bean["properties"]["database"] == {"host": "******", "port": "******"}
    assert bean["inputs"]["redis_url"]["value"] == "******"
    assert "s3cret" not in json.dumps(bean) and "tok-123" not in json.dumps(bean)


def test_dotenv_values_name_their_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SHOP_WORKERS=5\n")

    class FileSettings(ShopSettings):
        model_config = SettingsConfigDict(env_prefix="SHOP_", env_file=str(env_file))

    actuator = _actuator()
    actuator.add_settings_model(FileSettings())
    bean = _bean(actuator, "shop-tests.unit.test_configprops.test_dotenv_values_name_their_file.FileSettings")
    assert bean["properties"]["workers"] == 5
    assert bean["inputs"]["workers"] == {"value": "5", "origin": f'"SHOP_WORKERS" from dotenv file "{env_file}"'}


def test_prefix_selects_beans_and_an_unknown_prefix_is_404() -> None:
    actuator = _actuator()
    actuator.add_settings_model(ShopSettings())
    actuator.add_settings_model({"DEBUG": False, "SECRET_KEY": "x"}, prefix="flask")
    body = json.loads(_get(actuator, "/configprops/sh").body)
    assert list(body["contexts"]["shop"]["beans"]) == ["shop-tests.unit.test_configprops.ShopSettings"]
    flask = json.loads(_get(actuator, "/configprops/flask").body)["contexts"]["shop"]["beans"]
    assert flask["flask-builtins.dict"]["properties"] == {"DEBUG": False, "SECRET_KEY": "******"}
    assert flask["flask-builtins.dict"]["inputs"] == {"DEBUG": {}, "SECRET_KEY": {}}
    missing = _get(actuator, "/configprops/nothing")
    assert missing.status == 404
    assert "nothing" in json.loads(missing.body)["message"]


def test_spring_boot_2_clients_get_the_same_shape_with_null_parent() -> None:
    actuator = _actuator()
    actuator.add_settings_model(ShopSettings())
    body = json.loads(_get(actuator, "/configprops", accept=V2_JSON).body)
    context = body["contexts"]["shop"]
    assert context["parentId"] is None
    assert set(context["beans"]["shop-tests.unit.test_configprops.ShopSettings"]) == {"prefix", "properties", "inputs"}


def test_module_level_settings_are_found_and_listed_once() -> None:
    assert any(bean.name.endswith("test_configprops.ShopSettings") for bean in discovered_settings())
    actuator = Actuator(Settings(exposure_include=("*",), app_name="shop"))
    actuator.add_settings_model(discovered)
    beans = json.loads(_get(actuator, "/configprops").body)["contexts"]["shop"]["beans"]
    assert list(beans).count("shop-tests.unit.test_configprops.ShopSettings") == 1


def test_registration_rejects_what_is_not_a_model() -> None:
    actuator = _actuator()
    with pytest.raises(ValueError, match="prefix"):
        actuator.add_settings_model({"a": 1})
    with pytest.raises(TypeError, match="pydantic model or a mapping"):
        actuator.add_settings_model(42)


def test_a_failing_provider_leaves_only_its_beans_out() -> None:
    actuator = _actuator()

    def broken() -> list[Any]:
        raise RuntimeError("boom")

    actuator.sources.configuration.append(broken)
    actuator.add_settings_model(ShopSettings())
    response = _get(actuator, "/configprops")
    assert response.status == 200
    assert len(json.loads(response.body)["contexts"]["shop"]["beans"]) == 1


@pytest.mark.parametrize(
    ("prefix", "name", "expected"),
    [
        ("USER_SERVICE_", "X", "user-service"),
        ("", "PaymentSettings", "payment"),
        ("", "HTTPClientConfig", "httpclient"),
        ("", "Settings", "settings"),
        ("app.", "X", "app"),
    ],
)
def test_default_prefix(prefix: str, name: str, expected: str) -> None:
    assert default_prefix(type(name, (), {}), {"env_prefix": prefix}) == expected
