from __future__ import annotations

import dataclasses

import pytest

from otel_actuator.settings import Settings, SettingsError


def test_defaults_are_spring_boot_3_safe() -> None:
    settings = Settings.from_env({})
    assert settings.exposure_include == ("health",)
    assert settings.health_show_details == "never"
    assert settings.env_show_values == "never"
    assert settings.shutdown_enabled is False
    assert settings.cors_allowed_origins == ()
    assert settings.base_path == "/actuator"


def test_every_field_reads_its_variable() -> None:
    env = {
        "OTEL_ACTUATOR_BASE_PATH": "/manage/",
        "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "health, info,metrics",
        "OTEL_ACTUATOR_HEALTH_TIMEOUT": "0.5",
        "OTEL_ACTUATOR_EXCHANGES_CAPACITY": "7",
        "OTEL_ACTUATOR_SHUTDOWN_ENABLED": "true",
        "OTEL_ACTUATOR_PORT": "9001",
        "OTEL_ACTUATOR_USERNAME": "u",
        "OTEL_ACTUATOR_PASSWORD": "p",
    }
    settings = Settings.from_env(env)
    assert settings.base_path == "/manage"
    assert settings.exposure_include == ("health", "info", "metrics")
    assert settings.health_timeout == 0.5
    assert settings.exchanges_capacity == 7
    assert settings.shutdown_enabled is True
    assert settings.port == 9001
    assert settings.auth_enabled


def test_env_names_cover_every_field() -> None:
    names = Settings.env_names()
    assert len(names) == len(dataclasses.fields(Settings))
    assert all(v.startswith("OTEL_ACTUATOR_") for v in names.values())
    assert all(f.metadata.get("doc") for f in dataclasses.fields(Settings))


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"OTEL_ACTUATOR_HEALTH_TIMEOUT": "soon"}, "OTEL_ACTUATOR_HEALTH_TIMEOUT"),
        ({"OTEL_ACTUATOR_SHUTDOWN_ENABLED": "maybe"}, "OTEL_ACTUATOR_SHUTDOWN_ENABLED"),
        ({"OTEL_ACTUATOR_HEALTH_SHOW_DETAILS": "sometimes"}, "OTEL_ACTUATOR_HEALTH_SHOW_DETAILS"),
        ({"OTEL_ACTUATOR_BASE_PATH": "actuator"}, "OTEL_ACTUATOR_BASE_PATH"),
        ({"OTEL_ACTUATOR_USERNAME": "only-user"}, "OTEL_ACTUATOR_PASSWORD"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(SettingsError, match=fragment):
        Settings.from_env(env)


def test_keyword_overrides_win() -> None:
    settings = Settings.from_env({"OTEL_ACTUATOR_EXPOSURE_INCLUDE": "info"}, exposure_include=("env",))
    assert settings.exposure_include == ("env",)


def test_environment_variables_module_lists_every_setting() -> None:
    from otel_actuator import environment_variables

    declared = {v for k, v in vars(environment_variables).items() if k.startswith("OTEL_ACTUATOR_")}
    assert declared == set(Settings.env_names().values())
