"""The example user-service registered with a real Eureka server, listed by a real SBA 4.0 that discovers
through Eureka (Spring Cloud's Eureka client): no self-registration anywhere.

One service is started for the module; the tests run in file order: listed in Eureka, listed in SBA with
its endpoints and metrics, Eureka down and back (the app unaffected, registered again), SIGTERM. The
DOWN test runs a service of its own, whose Redis it stops.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable, Optional

import pytest

from tests.e2e.flows import V3, actuator_json, detected_endpoints, redis_database
from tests.support.eureka import EurekaServer, EurekaUserService, LaunchEurekaService
from tests.support.latency import assert_unaffected, median_latency
from tests.support.polling import eventually
from tests.support.sba import NOT_YET, AdminServer
from tests.support.services import RedisServer

pytestmark = pytest.mark.e2e

APP = "USER-SERVICE"
UI = {"Accept": f"{V3},application/json"}


@pytest.fixture(scope="module")
def app(
    eureka_server: EurekaServer, launch_eureka_service: LaunchEurekaService, redis_server: RedisServer
) -> Iterator[EurekaUserService]:
    app = launch_eureka_service(eureka_server.url, redis_url=redis_database(redis_server, 6))
    yield app
    app.terminate()


def in_eureka(eureka: EurekaServer, app: EurekaUserService, status: str = "UP") -> dict[str, Any]:
    def check() -> dict[str, Any]:
        instance = eureka.instance(APP, app.instance_id)
        assert instance is not None, f"{app.instance_id} not in Eureka"
        assert instance["status"] == status, instance["status"]
        return instance

    return eventually(check, what=f"{app.instance_id} {status} in Eureka", retrying=NOT_YET, process=app.popen)


def in_sba(sba: AdminServer, app: EurekaUserService, status: str = "UP") -> dict[str, Any]:
    def check() -> dict[str, Any]:
        instance = sba.instance_with_health_url(app.health_url)
        assert instance is not None, "not listed by SBA"
        assert instance["statusInfo"]["status"] == status, instance["statusInfo"]
        return instance

    return eventually(check, what=f"the service {status} in SBA", retrying=NOT_YET, process=app.popen)


def gone(lookup: Callable[[], Optional[dict[str, Any]]], what: str) -> None:
    eventually(lambda: lookup() is None, timeout=15, what=what, retrying=NOT_YET)


def test_listed_in_eureka_up_with_the_management_metadata(eureka_server: EurekaServer, app: EurekaUserService) -> None:
    instance = in_eureka(eureka_server, app)
    assert instance["vipAddress"] == "user-service"
    assert instance["healthCheckUrl"] == app.health_url
    assert instance["homePageUrl"] == app.url + "/"
    metadata = instance["metadata"]
    assert metadata["management.port"] == str(app.port)
    assert metadata["management.context-path"] == "/actuator"
    assert metadata["health.path"] == "health"
    assert metadata["startup"]


def test_sba_lists_it_from_discovery_with_its_endpoints_and_metrics(
    sba_eureka: AdminServer, app: EurekaUserService
) -> None:
    instance = in_sba(sba_eureka, app)
    registration = instance["registration"]
    assert registration["name"] == APP, "SBA lists what it finds in Eureka upper-cased"
    assert registration["source"] == "discovery"
    assert registration["managementUrl"] == app.url + "/actuator"
    assert registration["metadata"]["management.port"] == str(app.port)
    detected_endpoints(sba_eureka, instance["id"], {"health", "info", "metrics", "env", "loggers", "prometheus"})
    assert app.client.get("/users").status_code == 200
    names = actuator_json(sba_eureka.proxy(instance["id"], "metrics", headers=UI), V3)["names"]
    assert {"http.server.requests", "process.uptime"} <= set(names)


def test_eureka_down_leaves_the_app_unaffected_and_it_registers_again_when_back(
    eureka_server: EurekaServer, sba_eureka: AdminServer, app: EurekaUserService
) -> None:
    in_eureka(eureka_server, app)
    baseline = median_latency(app.client, "/users")
    eureka_server.kill()
    try:
        assert_unaffected("Eureka down", baseline, median_latency(app.client, "/users"))
    finally:
        eureka_server.start()  # on the same port, with an empty registry: the next heartbeat gets 404
    in_eureka(eureka_server, app)
    in_sba(sba_eureka, app)


def test_sigterm_removes_it_from_eureka_and_sba(
    eureka_server: EurekaServer, sba_eureka: AdminServer, app: EurekaUserService
) -> None:
    in_sba(sba_eureka, app)
    assert app.terminate() == 0, app.tail()
    gone(lambda: eureka_server.instance(APP, app.instance_id), "the instance gone from Eureka")
    gone(lambda: sba_eureka.instance_with_health_url(app.health_url), "the instance gone from SBA")


def test_health_down_shows_down_in_eureka_and_in_sba(
    eureka_server: EurekaServer,
    sba_eureka: AdminServer,
    launch_eureka_service: LaunchEurekaService,
    redis_factory: Callable[[], RedisServer],
) -> None:
    redis = redis_factory()
    app = launch_eureka_service(eureka_server.url, redis_url=redis.url, log_name="user-service-eureka-down")
    try:
        in_eureka(eureka_server, app, "UP")
        in_sba(sba_eureka, app, "UP")
        redis.stop()
        in_eureka(eureka_server, app, "DOWN")
        # The example SBA keeps DOWN instances (eureka.client.filter-only-up-instances=false).
        in_sba(sba_eureka, app, "DOWN")
    finally:
        app.terminate()
    gone(lambda: eureka_server.instance(APP, app.instance_id), "the DOWN instance gone from Eureka")
