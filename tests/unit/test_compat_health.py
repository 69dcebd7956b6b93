"""Pyctuator health providers, built-in and hand-written, as components of the health endpoint."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest

from otel_actuator.compat import (
    DbHealthProvider,
    HealthDetails,
    HealthProvider,
    HealthStatus,
    Pyctuator,
    RedisHealthProvider,
    Status,
)
from otel_actuator.compat.health import db_health_provider, health_provider, redis_health_provider
from otel_actuator.core.http import Request
from otel_actuator.core.negotiation import V2_JSON


@pytest.fixture
def pyctuator() -> Pyctuator:
    from flask import Flask

    return Pyctuator(Flask("health"), "health-app", "http://h:5000", "http://h:5000/pyctuator", None)


def health(pyctuator: Pyctuator, accept: str = V2_JSON) -> tuple[int, dict[str, Any]]:
    request = Request("GET", "/health", "http://h:5000/pyctuator", headers={"accept": accept})
    response = pyctuator.actuator.dispatcher.handle(request)
    return response.status, json.loads(response.body)


@dataclass
class BackendDetails(HealthDetails):
    backend_connectivity: str
    available_resources: int
    checked: Optional[dt.datetime] = None


class Fixed(HealthProvider):
    def __init__(self, name: str, status: HealthStatus, supported: bool = True) -> None:
        self.name, self.status, self.supported = name, status, supported

    def is_supported(self) -> bool:
        return self.supported

    def get_name(self) -> str:
        return self.name

    def get_health(self) -> HealthStatus:
        return self.status


class Broken(HealthProvider):
    def is_supported(self) -> bool:
        return True

    def get_name(self) -> str:
        return "broken"

    def get_health(self) -> HealthStatus:
        raise ConnectionError("backend unreachable")


def test_the_advanced_example_provider_shows_its_dataclass_details(pyctuator: Pyctuator) -> None:
    details = BackendDetails("Connected", 35, dt.datetime(2024, 1, 2, 3, 4, 5))
    pyctuator.register_health_provider(Fixed("app-specific-health", HealthStatus(Status.UP, details)))
    status, body = health(pyctuator)
    assert status == 200
    assert body["details"]["app-specific-health"] == {
        "status": "UP",
        "details": {
            "backend_connectivity": "Connected",
            "available_resources": 35,
            "checked": "2024-01-02T03:04:05",
        },
    }


def test_a_down_provider_makes_the_application_down(pyctuator: Pyctuator) -> None:
    pyctuator.register_health_provider(Fixed("queue", HealthStatus(Status.DOWN, {"depth": 10_000})))
    status, body = health(pyctuator)
    assert status == 503
    assert body["status"] == "DOWN"
    assert body["details"]["queue"] == {"status": "DOWN", "details": {"depth": 10_000}}


def test_status_may_be_any_code_and_details_nest_statuses(pyctuator: Pyctuator) -> None:
    nested = {"us1": HealthStatus(Status.UP, {"version": "1.0"}), "us2": HealthStatus("UNKNOWN", None)}
    pyctuator.register_health_provider(Fixed("broker", HealthStatus("OUT_OF_SERVICE", nested)))
    status, body = health(pyctuator)
    assert status == 503
    assert body["details"]["broker"] == {
        "status": "OUT_OF_SERVICE",
        "details": {
            "us1": {"status": "UP", "details": {"version": "1.0"}},
            "us2": {"status": "UNKNOWN", "details": None},
        },
    }


def test_a_raising_provider_is_down_and_health_still_answers(pyctuator: Pyctuator) -> None:
    pyctuator.register_health_provider(Broken())
    status, body = health(pyctuator)
    assert status == 503
    broken = body["details"]["broken"]
    assert broken["status"] == "DOWN"
    assert "ConnectionError: backend unreachable" in broken["details"]["error"]
    assert body["details"]["ping"]["status"] == "UP"


def test_details_that_are_neither_dataclass_nor_mapping_make_the_component_down(pyctuator: Pyctuator) -> None:
    pyctuator.register_health_provider(Fixed("odd", HealthStatus(Status.UP, "fine")))
    _, body = health(pyctuator)
    assert body["details"]["odd"]["status"] == "DOWN"
    assert "dataclass or a mapping" in body["details"]["odd"]["details"]["error"]


def test_an_unsupported_provider_is_left_out(pyctuator: Pyctuator) -> None:
    pyctuator.register_health_provider(Fixed("absent", HealthStatus(Status.DOWN, {}), supported=False))
    status, body = health(pyctuator)
    assert status == 200
    assert "absent" not in body["details"]


def test_registering_a_name_again_replaces_the_component(pyctuator: Pyctuator) -> None:
    pyctuator.register_health_provider(Fixed("cache", HealthStatus(Status.DOWN, {})))
    pyctuator.register_health_provider(Fixed("cache", HealthStatus(Status.UP, {"hits": 3})))
    status, body = health(pyctuator)
    assert status == 200
    assert body["details"]["cache"] == {"status": "UP", "details": {"hits": 3}}


def test_spring_boot_3_clients_get_components(pyctuator: Pyctuator) -> None:
    pyctuator.register_health_provider(Fixed("cache", HealthStatus(Status.UP, {"hits": 3})))
    _, body = health(pyctuator, accept="application/vnd.spring-boot.actuator.v3+json")
    assert body["components"]["cache"] == {"status": "UP", "details": {"hits": 3}}


def test_db_provider_checks_a_real_sqlite_engine(pyctuator: Pyctuator, tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    provider = DbHealthProvider(create_engine(f"sqlite:///{tmp_path / 'app.db'}"))
    assert provider.get_name() == "db"
    assert provider.get_health() == HealthStatus(Status.UP, {"database": "SQLite", "validationQuery": "SELECT 1"})
    pyctuator.register_health_provider(provider)
    _, body = health(pyctuator)
    assert body["details"]["db"] == {"status": "UP", "details": {"database": "SQLite", "validationQuery": "SELECT 1"}}


def test_db_provider_reports_an_unreachable_database_down(pyctuator: Pyctuator, tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    provider = DbHealthProvider(create_engine(f"sqlite:///{tmp_path / 'missing' / 'app.db'}"), name="orders")
    direct = provider.get_health()
    assert direct.status is Status.DOWN
    assert "OperationalError" in direct.details["error"]
    pyctuator.register_health_provider(provider)
    status, body = health(pyctuator)
    assert status == 503
    assert body["details"]["orders"]["status"] == "DOWN"


def test_redis_provider_is_named_redis_and_keeps_its_client() -> None:
    import redis

    client = redis.Redis(port=1)
    provider = RedisHealthProvider(client)
    assert (provider.get_name(), provider.redis, provider.is_supported()) == ("redis", client, True)


def test_pyctuator_module_paths_import() -> None:
    assert redis_health_provider.RedisHealthProvider is RedisHealthProvider
    assert db_health_provider.DbHealthProvider is DbHealthProvider
    assert health_provider.HealthProvider is HealthProvider
    assert health_provider.Status.UP == "UP"
