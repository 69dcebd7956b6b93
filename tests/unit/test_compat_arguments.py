"""How Pyctuator's constructor arguments become settings, SBA URLs and TLS choices."""

from __future__ import annotations

import ssl
from typing import Any

import pytest

from otel_actuator.compat import Endpoints
from otel_actuator.compat.arguments import (
    Arguments,
    actuator_settings,
    base_path,
    instance_urls,
    registration_target,
)
from otel_actuator.compat.auth import Auth
from otel_actuator.compat.endpoints import EXPOSED_IDS, endpoint_ids
from otel_actuator.compat.registration import NO_CERT_VARIABLE, verification


def arguments(**overrides: Any) -> Arguments:
    values: dict[str, Any] = {
        "app_name": "Example FastAPI",
        "app_url": "http://host.docker.internal:8000",
        "pyctuator_endpoint_url": "http://host.docker.internal:8000/pyctuator",
        "registration_url": "http://localhost:8080/instances",
    }
    values.update(overrides)
    return Arguments(**values)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("http://h:8000/pyctuator", "/pyctuator"),
        ("http://h:8000/pyctuator/", "/pyctuator"),
        ("https://h/api/v1/pyctuator", "/api/v1/pyctuator"),
    ],
)
def test_base_path_is_the_path_of_the_endpoint_url(url: str, path: str) -> None:
    assert base_path(url) == path
    assert actuator_settings(arguments(pyctuator_endpoint_url=url), {}).base_path == path


@pytest.mark.parametrize("url", ["http://h:8000", "http://h:8000/"])
def test_an_endpoint_url_without_a_path_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="has no path"):
        base_path(url)


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8080/instances", "http://gateway.example.com/sba/register", "https://ops.example.com/admin/"],
)
def test_any_registration_url_is_posted_to_as_given(url: str) -> None:
    assert registration_target(arguments(registration_url=url)) == url


@pytest.mark.parametrize("url", ["localhost:8080/instances", "ftp://sba/instances", "http:///instances"])
def test_a_registration_url_that_is_no_http_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        registration_target(arguments(registration_url=url))


def test_pyctuator_defaults_expose_everything_it_had_with_details_and_values() -> None:
    settings = actuator_settings(arguments(), {})
    assert set(settings.exposure_include) == {
        "env",
        "info",
        "health",
        "metrics",
        "loggers",
        "logfile",
        "threaddump",
        "httptrace",
        "httpexchanges",
        "mappings",
        "prometheus",
    }
    assert "shutdown" not in settings.exposure_include
    assert settings.exposure_exclude == ()
    assert settings.health_show_details == "always"
    assert settings.env_show_values == "always"
    assert settings.health_disk_threshold == 100 * 1024 * 1024
    assert settings.logfile_max_bytes == 10000
    assert "%(module)s" in settings.logfile_pattern


def test_arguments_map_onto_settings() -> None:
    settings = actuator_settings(
        arguments(
            app_description="Demonstrate Spring Boot Admin Integration",
            free_disk_space_down_threshold_bytes=5,
            logfile_max_size=2048,
            logfile_formatter="%(message)s",
            disabled_endpoints=Endpoints.ENV | Endpoints.HTTP_TRACE,
        ),
        {},
    )
    assert settings.app_name == "Example FastAPI"
    assert settings.service_name == "Example FastAPI"
    assert settings.app_description == "Demonstrate Spring Boot Admin Integration"
    assert settings.health_disk_threshold == 5
    assert settings.logfile_max_bytes == 2048
    assert settings.logfile_pattern == "%(message)s"
    assert set(settings.exposure_exclude) == {"env", "httptrace", "httpexchanges"}


def test_environment_can_harden_the_pyctuator_defaults() -> None:
    environ = {
        "OTEL_ACTUATOR_ENV_SHOW_VALUES": "never",
        "OTEL_ACTUATOR_HEALTH_SHOW_DETAILS": "when-authorized",
        "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "health,info",
        "OTEL_ACTUATOR_EXPOSURE_EXCLUDE": "info",
        "OTEL_ACTUATOR_USERNAME": "ops",
        "OTEL_ACTUATOR_PASSWORD": "secret",
    }
    settings = actuator_settings(arguments(disabled_endpoints=Endpoints.LOGGERS), environ)
    assert settings.env_show_values == "never"
    assert settings.health_show_details == "when-authorized"
    assert settings.exposure_include == ("health", "info")
    assert settings.exposure_exclude == ("info", "loggers")
    assert (settings.username, settings.password) == ("ops", "secret")


def test_arguments_win_over_the_environment() -> None:
    environ = {
        "OTEL_ACTUATOR_BASE_PATH": "/actuator",
        "OTEL_ACTUATOR_APP_NAME": "from-env",
        "OTEL_ACTUATOR_ADMIN_URL": "http://elsewhere:8080",
        "OTEL_ACTUATOR_PORT": "9001",
    }
    settings = actuator_settings(arguments(), environ)
    assert settings.base_path == "/pyctuator"
    assert settings.app_name == "Example FastAPI"
    # The actuator never registers or serves a port of its own: the registration arguments decide.
    assert settings.admin_url == ()
    assert settings.port is None


def test_no_registration_url_means_no_registration() -> None:
    assert registration_target(arguments(registration_url=None)) is None


def test_an_unknown_auth_kind_is_refused() -> None:
    with pytest.raises(TypeError, match="BasicAuth"):
        registration_target(arguments(registration_auth=Auth()))


def test_instance_urls_are_the_ones_pyctuator_sent() -> None:
    urls = instance_urls(arguments(pyctuator_endpoint_url="http://h:8000/pyctuator/"))
    assert urls.service_url == "http://host.docker.internal:8000/"
    assert urls.management_url == "http://h:8000/pyctuator"
    assert urls.health_url == "http://h:8000/pyctuator/health"


def test_endpoint_flags_keep_pyctuator_values() -> None:
    pyctuator = ["NONE", "ENV", "INFO", "HEALTH", "METRICS", "LOGGERS", "THREAD_DUMP", "LOGFILE", "HTTP_TRACE"]
    assert [Endpoints[name].value for name in pyctuator] == [0, 1, 2, 4, 8, 16, 32, 64, 128]


@pytest.mark.parametrize(
    ("flags", "ids"),
    [
        (Endpoints.NONE, ()),
        (Endpoints.ENV, ("env",)),
        (Endpoints.METRICS, ("metrics", "prometheus")),
        (Endpoints.HTTP_TRACE | Endpoints.THREAD_DUMP, ("threaddump", "httptrace", "httpexchanges")),
        (Endpoints.PROMETHEUS, ("prometheus",)),
    ],
)
def test_endpoint_flags_name_every_endpoint_with_the_same_data(flags: Endpoints, ids: tuple[str, ...]) -> None:
    assert endpoint_ids(flags) == ids


def test_every_flag_together_disables_everything_exposed() -> None:
    everything = Endpoints.NONE
    for member in Endpoints:
        everything |= member
    assert set(endpoint_ids(everything)) == set(EXPOSED_IDS)


def test_tls_verification_towards_admin() -> None:
    context = ssl.create_default_context()
    assert verification(context, {NO_CERT_VARIABLE: "1"}) is context
    assert verification(None, {}) is True
    assert verification(None, {NO_CERT_VARIABLE: ""}) is False
