"""The redis indicator against a real redis-server: up, stopped, killed and frozen mid-test."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from typing import Any, Callable

import pytest
import redis
import redis.asyncio

from otel_actuator.health import Health, HealthRegistry, Status, redis_indicator
from otel_actuator.settings import Settings
from tests.support.apps import FRAMEWORKS, served
from tests.support.polling import eventually
from tests.support.servers import client as http_client
from tests.support.services import REDIS_SERVER, RedisServer, redis_version

StartRedis = Callable[[], RedisServer]
MakeClient = Callable[[str], Any]  # redis-py's own annotations and the types-redis stubs disagree; stay neutral


def registry(timeout: float = 2.0) -> HealthRegistry:
    return HealthRegistry(Settings(health_timeout=timeout), defaults=False)


@pytest.fixture
def sync_clients() -> Iterator[MakeClient]:
    made: list[Any] = []

    def make(url: str) -> Any:
        made.append(redis.Redis.from_url(url))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
async def async_clients() -> AsyncIterator[MakeClient]:
    made: list[Any] = []

    def make(url: str) -> Any:
        made.append(redis.asyncio.Redis.from_url(url))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


async def test_sync_client_is_up_with_the_server_version(
    redis_server: RedisServer,
    sync_clients: MakeClient,
) -> None:
    health = registry()
    health.register("redis", redis_indicator(sync_clients(redis_server.url)))
    assert await health.evaluate_path(["redis"]) == Health.up(version=redis_version())


async def test_asyncio_client_is_up_with_the_server_version(
    redis_server: RedisServer,
    async_clients: MakeClient,
) -> None:
    health = registry()
    health.register("redis", redis_indicator(async_clients(redis_server.url)))
    assert await health.evaluate_path(["redis"]) == Health.up(version=redis_version())


@pytest.mark.parametrize("how", ["stop", "kill"])
async def test_sync_client_goes_down_when_the_server_goes_away(
    redis_factory: StartRedis,
    sync_clients: MakeClient,
    how: str,
) -> None:
    server = redis_factory()
    health = registry()
    health.register("redis", redis_indicator(sync_clients(server.url)))
    assert (await health.evaluate()).status == Status.UP

    getattr(server, how)()

    result = await health.evaluate_path(["redis"])
    assert result is not None and result.status == Status.DOWN
    assert result.details["error"].startswith("redis.exceptions.ConnectionError: ")  # type: ignore[union-attr]


@pytest.mark.parametrize("how", ["stop", "kill"])
async def test_asyncio_client_goes_down_when_the_server_goes_away(
    redis_factory: StartRedis,
    async_clients: MakeClient,
    how: str,
) -> None:
    server = redis_factory()
    health = registry()
    health.register("redis", redis_indicator(async_clients(server.url)))
    assert (await health.evaluate()).status == Status.UP

    getattr(server, how)()

    result = await health.evaluate_path(["redis"])
    assert result is not None and result.status == Status.DOWN
    assert result.details["error"].startswith("redis.exceptions.ConnectionError: ")  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["sync", "asyncio"])
async def test_a_frozen_server_is_down_within_the_timeout(
    redis_factory: StartRedis,
    sync_clients: MakeClient,
    async_clients: MakeClient,
    kind: str,
) -> None:
    server = redis_factory()
    client: Any = sync_clients(server.url) if kind == "sync" else async_clients(server.url)
    health = registry(timeout=0.3)
    health.register("redis", redis_indicator(client))
    assert (await health.evaluate()).status == Status.UP

    server.freeze()  # connections are accepted by the kernel, but no reply ever comes (no client socket timeout)

    assert await health.evaluate_path(["redis"]) == Health.down("TimeoutError: Health check timed out after 0.3s")
    assert await health.evaluate_path(["redis"]) == Health.down("TimeoutError: Health check timed out after 0.3s")


def _port_with_free_cluster_bus(free_port: Any) -> int:
    """A cluster node also listens on port + 10000 (its bus): both must be free."""
    import socket

    for _ in range(50):
        port = int(free_port())
        if port + 10000 > 65535:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no port pair for a cluster node")


async def test_a_redis_cluster_reports_its_slots(tmp_path: Any) -> None:
    """A one-node cluster holding every slot: a real CLUSTER INFO, no fakes."""
    from tests.support.requirements import require
    from tests.support.servers import free_port, wait_for_port

    require(REDIS_SERVER is not None, "redis-server is not installed")
    assert REDIS_SERVER is not None
    port = _port_with_free_cluster_bus(free_port)
    args = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--cluster-enabled", "yes"]
    args += ["--cluster-config-file", str(tmp_path / "nodes.conf"), "--dir", str(tmp_path)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        node: Any = redis.Redis(port=port)
        node.execute_command("CLUSTER ADDSLOTSRANGE", 0, 16383)
        eventually(  # the node settles its cluster state on its own timer
            lambda: node.execute_command("CLUSTER INFO").get("cluster_state") == "ok",
            what="cluster_state:ok of the one-node cluster",
        )
        node.close()
        for kind in ("sync", "asyncio"):
            cluster: Any = (
                redis.RedisCluster(host="127.0.0.1", port=port)
                if kind == "sync"
                else redis.asyncio.RedisCluster(host="127.0.0.1", port=port)
            )
            health = registry(timeout=5)
            health.register("redis", redis_indicator(cluster))
            assert await health.evaluate_path(["redis"]) == Health.up(cluster_size=1, slots_up=16384, slots_fail=0)
            await cluster.aclose() if kind == "asyncio" else cluster.close()
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_health_over_http_follows_a_real_redis(
    redis_factory: StartRedis,
    framework: str,
) -> None:
    server = redis_factory()
    settings = Settings(health_show_details="always", health_disk_threshold=0, health_timeout=2.0)
    client = redis.Redis.from_url(server.url)
    with served(framework, settings) as (url, actuator), http_client(url) as http:
        actuator.health.register("redis", redis_indicator(client))

        up = http.get("/actuator/health")
        assert up.status_code == 200
        assert up.json()["components"]["redis"] == {"status": "UP", "details": {"version": redis_version()}}

        server.kill()

        down = http.get("/actuator/health")
        assert down.status_code == 503
        assert down.json()["status"] == "DOWN"
        assert down.json()["components"]["redis"]["status"] == "DOWN"
        assert http.get("/actuator/health/redis").status_code == 503
        assert http.get("/actuator/health/liveness").status_code == 200  # liveness ignores external dependencies
    client.close()
