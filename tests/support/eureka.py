"""Fleet harness: a real Eureka server, a real SBA that discovers through it, SBA 4.x servers, and the
example user-service registering with Eureka.

Fixtures (registered in tests/conftest.py):
  * ``eureka_server`` — one Eureka server (Spring Cloud 2025.1) per session on a free loopback port.
  * ``sba_eureka`` — one SBA 4.0 per session that lists what it finds in ``eureka_server``.
  * ``sba41`` / ``sba40`` — one self-registration SBA 4.1 / 4.0 per session.
  * ``launch_eureka_service`` — the user-service registering with Eureka (no self-registration with SBA).

All are built once by scripts/build-sba.sh (cached in target/) and logged under test-artifacts/e2e/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Callable, Optional

import httpx
import pytest

from tests.support.sba import (
    ARTIFACTS,
    AdminServer,
    ManagedProcess,
    UserService,
    built_jar,
    running_admin,
    session_admin,
    start_spring_boot,
    user_service_env,
)
from tests.support.servers import free_port

# -- Eureka ----------------------------------------------------------------------------------------


class EurekaServer:
    """A Eureka server on a fixed loopback port, and a JSON client for its REST API (``/eureka/apps/...``).

    Its registry lives in memory: :meth:`kill` then :meth:`start` is a Eureka that restarted and forgot.
    """

    def __init__(self, port: int, name: str = "eureka", timeout: float = 90.0) -> None:
        self.port = port
        self.name = name
        self.timeout = timeout
        self.root = f"http://127.0.0.1:{port}"
        self.url = f"{self.root}/eureka"
        self.client = httpx.Client(base_url=self.url, headers={"Accept": "application/json"}, timeout=10.0)
        self.process: Optional[ManagedProcess] = None
        self._starts = 0

    def start(self) -> None:
        name = self.name if not self._starts else f"{self.name}-{self._starts + 1}"
        self._starts += 1
        self.process = start_spring_boot(
            name,
            built_jar("eureka"),
            url=self.root,
            env={**os.environ, "EUREKA_PORT": str(self.port), "EUREKA_ADDRESS": "127.0.0.1"},
            what="the Eureka server to answer",
            timeout=self.timeout,
        )

    def kill(self) -> None:
        """SIGKILL: gone at once, with its registry."""
        if self.process is not None:
            self.process.popen.kill()
            self.process.terminate()
            self.process.forget()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.forget()
            self.process = None

    def instances(self, app: str) -> list[dict[str, Any]]:
        """The instances Eureka lists for ``app`` (none when it does not know the app)."""
        response = self.client.get(f"/apps/{app.upper()}")
        if response.status_code == 404:
            return []
        response.raise_for_status()
        instances = response.json()["application"]["instance"]
        return list(instances) if isinstance(instances, list) else [instances]

    def instance(self, app: str, instance_id: str) -> Optional[dict[str, Any]]:
        return next((i for i in self.instances(app) if i["instanceId"] == instance_id), None)

    def close(self) -> None:
        self.stop()
        self.client.close()


@contextmanager
def running_eureka(port: Optional[int] = None, name: str = "eureka") -> Iterator[EurekaServer]:
    """Start a Eureka server (on ``port`` if given), wait until it answers, stop it afterwards."""
    server = EurekaServer(port or free_port(), name)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def eureka_server() -> Iterator[EurekaServer]:
    with running_eureka() as server:
        yield server


# -- Spring Boot Admin -----------------------------------------------------------------------------


def running_discovering_admin(eureka: EurekaServer) -> AbstractContextManager[AdminServer]:
    """An SBA 4.0 that takes no registrations but lists what Eureka lists (DOWN instances included)."""
    return running_admin(40, name="sba40-eureka", variant="40-eureka", env={"EUREKA_URL": eureka.url + "/"})


@pytest.fixture(scope="session")
def sba_eureka(eureka_server: EurekaServer) -> Iterator[AdminServer]:
    with running_discovering_admin(eureka_server) as server:
        yield server


sba41 = session_admin(41)
sba40 = session_admin(40)


# -- the user-service registering with Eureka --------------------------------------------------------


class EurekaUserService(UserService):
    """The example user-service launched zero-code, registering with Eureka through ``OTEL_ACTUATOR_EUREKA_URL``."""

    def __init__(self, port: int, env: Mapping[str, str], log_path: Path) -> None:
        super().__init__(port, env, log_path)
        #: The id Eureka lists it under (host:app:port, the port SBA polls).
        self.instance_id = f"127.0.0.1:user-service:{port}"


LaunchEurekaService = Callable[..., EurekaUserService]


@pytest.fixture(scope="session")
def launch_eureka_service() -> Iterator[LaunchEurekaService]:
    """``launch(eureka_urls, redis_url=None, log_name=..., **extra_env)`` -> a serving :class:`EurekaUserService`."""
    started: list[EurekaUserService] = []

    def launch(
        eureka_urls: str, redis_url: Optional[str] = None, log_name: str = "user-service-eureka", **extra: str
    ) -> EurekaUserService:
        port = free_port()
        env = user_service_env(port, "", redis_url, {"OTEL_ACTUATOR_EUREKA_URL": eureka_urls, **extra})
        env.setdefault("OTEL_ACTUATOR_EUREKA_INTERVAL", "1")
        service = EurekaUserService(port, env, ARTIFACTS / f"{log_name}.log")
        started.append(service)
        service.wait_until_serving()
        return service

    yield launch
    for service in started:
        service.terminate()
        service.forget()
