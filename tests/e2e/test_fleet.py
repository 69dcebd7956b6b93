"""A fleet: 20 instances of the example user-service (one name, 20 ports) registered with two real SBA 4.1
servers at once (register-all). Both list one application with 20 instances, all UP; one SBA killed and
restarted on its port has every instance back UP with no action on the services' side; SIGTERM to all
deregisters all.

The services keep their users in memory (no Redis) and are started all at once, then awaited; each is
a zero-code OpenTelemetry process of about 90 MiB. One test, one run: it is not parametrized.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from functools import partial

import psutil
import pytest

from tests.support.polling import eventually
from tests.support.sba import ARTIFACTS, NOT_YET, AdminServer, UserService, running_admin, user_service_env
from tests.support.servers import free_port
from tests.support.summary import table

pytestmark = pytest.mark.e2e

FLEET_SIZE = 20
#: Seconds between registrations: SBA restarted, every instance is back within two of them.
INTERVAL = 2
NAME = "user-service"

FLEET = table("fleet of user-services on SBA 4.1", "{:>8.1f}")


@pytest.fixture(scope="module")
def second_sba() -> Iterator[AdminServer]:
    with running_admin(41, name="sba41-fleet-second") as server:
        yield server


@pytest.fixture(scope="module")
def fleet_port() -> int:
    return free_port()


def start_fleet(admin_urls: str) -> list[UserService]:
    services = []
    for index in range(FLEET_SIZE):
        port = free_port()
        env = user_service_env(
            port,
            admin_urls,
            None,
            {"OTEL_ACTUATOR_ADMIN_INTERVAL": str(INTERVAL), "OTEL_ACTUATOR_ADMIN_REGISTER_ONCE": "false"},
        )
        services.append(UserService(port, env, ARTIFACTS / "fleet" / f"user-service-{index}.log"))
    for service in services:
        service.wait_until_serving(timeout=120)
    return services


def all_up(sba: AdminServer, services: list[UserService]) -> bool:
    response = sba.client.get("/applications")
    response.raise_for_status()
    applications = [a for a in response.json() if a["name"] == NAME]
    assert len(applications) == 1, f"{len(applications)} applications named {NAME}"
    instances = applications[0]["instances"]
    health_urls = {i["registration"]["healthUrl"] for i in instances}
    missing = {s.health_url for s in services} - health_urls
    assert not missing, f"{len(missing)} of {len(services)} instances missing"
    down = [i["registration"]["healthUrl"] for i in instances if i["statusInfo"]["status"] != "UP"]
    assert not down, f"not UP yet: {down}"
    assert len(instances) == len(services)
    return True


def none_listed(sba: AdminServer) -> bool:
    response = sba.client.get("/applications")
    response.raise_for_status()
    listed = [a for a in response.json() if a["name"] == NAME]
    assert not listed, f"{len(listed[0]['instances'])} instances still listed"
    return True


def test_a_fleet_on_two_sbas_survives_an_sba_restart_and_leaves_on_sigterm(
    second_sba: AdminServer, fleet_port: int
) -> None:
    services: list[UserService] = []
    with running_admin(41, port=fleet_port, name="sba41-fleet") as sba:
        try:
            started = time.monotonic()
            services = start_fleet(f"{sba.url},{second_sba.url}")
            for server in (sba, second_sba):
                eventually(partial(all_up, server, services), timeout=90, what="the fleet UP", retrying=NOT_YET)
            FLEET.set("s until all UP on both SBAs", time.monotonic() - started)
            rss = [psutil.Process(s.pid).memory_info().rss / 2**20 for s in services]
            FLEET.set("MiB RSS, largest instance", max(rss))
            # SBA keeps its registry in memory: killed, it forgets every instance.
            sba.process.popen.kill()
        except BaseException:
            for service in services:
                service.terminate()
            raise

    try:
        with running_admin(41, port=fleet_port, name="sba41-fleet-restarted") as sba:
            back = time.monotonic()
            eventually(lambda: all_up(sba, services), timeout=60, what="the fleet back UP", retrying=NOT_YET)
            FLEET.set("s until all back UP after the restart", time.monotonic() - back)
            assert all_up(second_sba, services), "the other SBA kept listing every instance"

            # One SIGTERM each, all at once, as an orchestrator scaling the service to zero sends it.
            for service in services:
                service.popen.send_signal(signal.SIGTERM)
            eventually(lambda: not any(s.alive for s in services), timeout=60, what="every instance exited")
            exit_codes = [service.terminate() for service in services]
            assert exit_codes == [0] * FLEET_SIZE, exit_codes
            for server in (sba, second_sba):
                eventually(partial(none_listed, server), timeout=30, what="every instance deregistered")
    finally:
        for service in services:
            service.terminate()
            service.forget()
