"""The Eureka registrar against a real Eureka server (Spring Cloud 2025.1): register, renew, report the
health status, fail over between URLs, register again when forgotten, deregister within its deadline."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any, Optional

import pytest

from otel_actuator.admin.eureka import EurekaRegistrar
from otel_actuator.admin.payload import InstanceUrls
from otel_actuator.admin.protocol import InstanceRegistrar
from otel_actuator.admin.registrar import Registrar
from otel_actuator.settings import Settings
from tests.support.eureka import EurekaServer
from tests.support.polling import eventually
from tests.support.servers import free_port

URLS = InstanceUrls(
    service_url="http://127.0.0.1:8123/",
    management_url="http://127.0.0.1:8124/manage",
    health_url="http://127.0.0.1:8124/manage/health",
)


class Health:
    """A health status the test sets, read by the registrar every round."""

    def __init__(self) -> None:
        self.status = "UP"

    def __call__(self) -> str:
        return self.status


@pytest.fixture
def health() -> Health:
    return Health()


def _registrar(eureka_urls: tuple[str, ...], name: str, health: Health, **settings: Any) -> EurekaRegistrar:
    options: dict[str, Any] = {"eureka_interval": 0.3, "eureka_timeout": 2.0, **settings}
    config = Settings(app_name=name, eureka_url=eureka_urls, admin_tags={"region": "eu"}, **options)
    return EurekaRegistrar(config, lambda: URLS, health_status=health)


@pytest.fixture
def registrar(eureka_server: EurekaServer, health: Health, request: pytest.FixtureRequest) -> Iterator[EurekaRegistrar]:
    registrar = _registrar((eureka_server.url,), f"it-{request.node.name[5:30]}", health)
    yield registrar
    registrar.stop()


def _listed(eureka: EurekaServer, registrar: EurekaRegistrar, status: Optional[str] = None) -> dict[str, Any]:
    def check() -> Optional[dict[str, Any]]:
        assert registrar.registered is not None, "not registered yet"
        app, instance_id = registrar.registered
        instance = eureka.instance(app, instance_id)
        assert instance is not None, f"{app}/{instance_id} not listed"
        assert status is None or instance["status"] == status, instance["status"]
        return instance

    return eventually(check, what=f"the instance listed in Eureka{f' as {status}' if status else ''}")


def test_registers_with_what_spring_cloud_and_sba_read(eureka_server: EurekaServer, registrar: EurekaRegistrar) -> None:
    registrar.start()
    instance = _listed(eureka_server, registrar, "UP")
    name = registrar.settings.app_name
    assert name is not None
    assert instance["app"] == name.upper()
    assert instance["vipAddress"] == name.lower(), "Spring Cloud looks instances up by VIP address"
    assert instance["instanceId"] == f"127.0.0.1:{name.lower()}:8124"
    assert instance["hostName"] == "127.0.0.1" and instance["ipAddr"] == "127.0.0.1"
    assert instance["port"] == {"$": 8123, "@enabled": "true"}
    assert instance["healthCheckUrl"] == URLS.health_url
    assert instance["homePageUrl"] == URLS.service_url
    metadata = instance["metadata"]
    assert metadata["management.port"] == "8124"
    assert metadata["management.context-path"] == "/manage"
    assert metadata["health.path"] == "health"
    assert metadata["tags.region"] == "eu"
    assert metadata["startup"]
    assert instance["leaseInfo"]["renewalIntervalInSecs"] == 1


def test_heartbeats_renew_the_lease(eureka_server: EurekaServer, registrar: EurekaRegistrar) -> None:
    registrar.start()
    first = _listed(eureka_server, registrar)["leaseInfo"]["lastRenewalTimestamp"]
    eventually(
        lambda: _listed(eureka_server, registrar)["leaseInfo"]["lastRenewalTimestamp"] > first,
        what="a renewed lease",
    )


def test_health_status_changes_reach_eureka(
    eureka_server: EurekaServer, registrar: EurekaRegistrar, health: Health
) -> None:
    registrar.start()
    _listed(eureka_server, registrar, "UP")
    for status in ("DOWN", "OUT_OF_SERVICE", "UP"):
        health.status = status
        _listed(eureka_server, registrar, status)


def test_stop_deregisters(eureka_server: EurekaServer, registrar: EurekaRegistrar) -> None:
    registrar.start()
    instance = _listed(eureka_server, registrar)
    registrar.stop()
    assert registrar.registered is None
    assert eureka_server.instance(instance["app"], instance["instanceId"]) is None


def test_registers_again_when_eureka_forgets_the_instance(
    eureka_server: EurekaServer, registrar: EurekaRegistrar
) -> None:
    registrar.start()
    instance = _listed(eureka_server, registrar)
    # What a restarted Eureka does: it knows nothing of the instance, so the next heartbeat gets 404.
    assert eureka_server.client.delete(f"/apps/{instance['app']}/{instance['instanceId']}").status_code == 200
    again = _listed(eureka_server, registrar)
    assert again["instanceId"] == instance["instanceId"]


def test_a_dead_first_url_fails_over_to_the_next(eureka_server: EurekaServer, health: Health) -> None:
    dead = f"http://127.0.0.1:{free_port()}/eureka"
    registrar = _registrar((dead, eureka_server.url), "it-failover", health).start()
    try:
        _listed(eureka_server, registrar, "UP")
    finally:
        registrar.stop()
    assert registrar.registered is None, "deregistered through the URL that answers"


def test_start_and_stop_are_bounded_when_eureka_hangs(eureka_server: EurekaServer, health: Health) -> None:
    """A frozen Eureka accepts connections and never answers: neither start nor stop may wait for it."""
    registrar = _registrar((eureka_server.url,), "it-frozen", health, eureka_timeout=30.0).start()
    _listed(eureka_server, registrar)
    assert eureka_server.process is not None
    os.kill(eureka_server.process.pid, signal.SIGSTOP)
    try:
        stopping = time.monotonic()
        registrar.stop()
        took = time.monotonic() - stopping
    finally:
        os.kill(eureka_server.process.pid, signal.SIGCONT)
    # The stop waits at most 2 s for a call in flight, then 2 s for the DELETE: far below the 30 s timeout.
    assert took < 30.0 / 5, f"stop took {took:.1f}s against a frozen Eureka"


def test_both_registrars_satisfy_the_registry_protocol(health: Health) -> None:
    settings = Settings(admin_url=("http://127.0.0.1:9",), eureka_url=("http://127.0.0.1:9/eureka",))
    registrars: list[InstanceRegistrar] = [
        Registrar(settings, lambda: URLS),
        EurekaRegistrar(settings, lambda: URLS, health_status=health),
    ]
    for registrar in registrars:
        registrar.stop(deregister=False)
