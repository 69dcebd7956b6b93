"""``redis``: a redis-py client answers INFO (``version`` detail) or, for a cluster, CLUSTER INFO.

Works with ``redis.Redis`` and ``redis.RedisCluster`` (``RedisHealthIndicator``, run on a worker thread)
and with their ``redis.asyncio`` twins (``AsyncRedisHealthIndicator``, run on the event loop);
``redis_indicator(client)`` picks the right one. The clients are used through their methods only, so
redis-py is needed by the application, not imported here.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Union

from otel_actuator.health.result import Health
from otel_actuator.health.status import Status


def redis_indicator(client: Any) -> Union[RedisHealthIndicator, AsyncRedisHealthIndicator]:
    return AsyncRedisHealthIndicator(client) if _is_async(client) else RedisHealthIndicator(client)


class RedisHealthIndicator:
    """UP with the server's ``version`` (or the cluster's state) when a blocking Redis client answers INFO."""

    def __init__(self, client: Any) -> None:
        if _is_async(client):
            raise TypeError("an asyncio Redis client needs AsyncRedisHealthIndicator (or redis_indicator)")
        self.client = client
        self._cluster = _is_cluster(client)

    def health(self) -> Health:
        """Ask the server (or cluster); an error or timeout makes the component DOWN."""
        if self._cluster:
            return _cluster_health(self.client.cluster_info())
        return _server_health(self.client.info("server"))


class AsyncRedisHealthIndicator:
    """The same check for a ``redis.asyncio`` client, awaited on the event loop."""

    def __init__(self, client: Any) -> None:
        if not _is_async(client):
            raise TypeError("a blocking Redis client needs RedisHealthIndicator (or redis_indicator)")
        self.client = client
        self._cluster = _is_cluster(client)

    async def health(self) -> Health:
        """Ask the server (or cluster); an error or timeout makes the component DOWN."""
        if self._cluster:
            return _cluster_health(await self.client.cluster_info())
        return _server_health(await self.client.info("server"))


def _is_async(client: Any) -> bool:
    # redis.asyncio clients share the command mixins with the blocking ones; only execute_command differs.
    return inspect.iscoroutinefunction(getattr(client, "execute_command", None))


def _is_cluster(client: Any) -> bool:
    return callable(getattr(client, "get_nodes", None))


def _server_health(info: Mapping[str, Any]) -> Health:
    return Health.up(version=str(info.get("redis_version", "unknown")))


def _cluster_health(info: Mapping[str, Any]) -> Health:
    """UP when the cluster state is ``ok``, with Spring's ``cluster_size``/``slots_up``/``slots_fail``."""
    details = {
        "cluster_size": int(info.get("cluster_size", 0)),
        "slots_up": int(info.get("cluster_slots_ok", 0)),
        "slots_fail": int(info.get("cluster_slots_fail", 0)),
    }
    return Health(Status.UP if info.get("cluster_state") == "ok" else Status.DOWN, details)
