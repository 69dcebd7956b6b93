"""caches: aiocache caches counted by their plugin, evicted on the loop they are used on or in a private one."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiocache import RedisCache, SimpleMemoryCache, cached
from aiocache.plugins import BasePlugin
from opentelemetry.sdk.metrics import MeterProvider

from otel_actuator.actuator import Actuator
from otel_actuator.bridge import Bridge
from otel_actuator.core.http import Request, Response
from otel_actuator.core.negotiation import V3_JSON
from otel_actuator.settings import Settings

BASE = "http://127.0.0.1:8000/actuator"
SETTINGS = Settings(exposure_include=("*",), metrics_cache_ttl=0)


class ClearWatcher(BasePlugin):  # type: ignore[misc]  # aiocache is untyped
    """Notes the thread each clear() runs on."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    async def pre_clear(self, client: Any, *args: Any, **kwargs: Any) -> None:
        self.threads.append(threading.get_ident())


class Served:
    """An actuator whose metrics come from its own meter provider, and the registration going through it."""

    def __init__(self) -> None:
        bridge = Bridge(SETTINGS)
        self.provider = MeterProvider(metric_readers=[bridge.metric_reader], shutdown_on_exit=False)
        self.actuator = Actuator(SETTINGS)
        bridge.fill(self.actuator.sources)

    def register(self, name: str, cache: Any) -> Any:
        return self.actuator.register_cache(name, cache, meter_provider=self.provider)


@pytest.fixture
def served() -> Iterator[Served]:
    served = Served()
    yield served
    served.provider.shutdown()


def _call(actuator: Actuator, method: str, path: str, query: tuple[tuple[str, str], ...] = ()) -> Response:
    return actuator.dispatcher.handle(Request(method, path, BASE, headers={"accept": V3_JSON}, query=query))


def _value(actuator: Actuator, name: str, *tags: str) -> Any:
    response = _call(actuator, "GET", f"/metrics/{name}", tuple(("tag", tag) for tag in tags))
    if response.status == 404:
        return None
    return json.loads(response.body)["measurements"][0]["value"]


def test_hits_misses_and_puts_are_exact_after_repeated_lookups(served: Served) -> None:
    actuator = served.actuator
    users = SimpleMemoryCache(namespace="users:")
    assert served.register("users", users) is users

    async def use() -> None:
        await users.set("ada", 1)
        await users.set("ada", 2)  # a second put of the same key
        for _ in range(3):
            await users.get("ada")
        await users.get("bob")
        await users.get("bob", default="nobody")  # the default coming back is still a miss
        await users.multi_get(["ada", "bob", "eve"])
        await users.multi_set([("bob", 3), ("eve", 4)])
        await users.add("zoe", 5)

    asyncio.run(use())
    assert _value(actuator, "cache.gets", "name:users", "result:hit") == 4
    assert _value(actuator, "cache.gets", "name:users", "result:miss") == 4
    assert _value(actuator, "cache.puts", "name:users") == 5
    assert _value(actuator, "cache.size", "name:users") == 4
    assert _value(actuator, "cache.evictions", "name:users") == 0


def test_expired_entries_are_evictions_and_deletions_are_not(served: Served) -> None:
    actuator = served.actuator
    sessions = SimpleMemoryCache()
    served.register("sessions", sessions)

    async def use() -> None:
        await sessions.set("short", 1, ttl=0.01)
        await sessions.set("kept", 2)
        await sessions.set("dropped", 3)
        await sessions.delete("dropped")
        while await sessions.exists("short"):
            await asyncio.sleep(0.01)

    asyncio.run(use())
    assert _value(actuator, "cache.size", "name:sessions") == 1
    assert _value(actuator, "cache.evictions", "name:sessions") == 1


def test_an_aiocache_cached_function_is_counted_through_its_cache(served: Served) -> None:
    actuator = served.actuator

    @cached()  # type: ignore[untyped-decorator]  # aiocache is untyped
    async def price(item: str) -> int:
        return len(item)

    assert served.register("prices", price) is price

    async def use() -> None:
        for item in ("lamp", "lamp", "desk", "lamp"):
            await price(item)

    asyncio.run(use())
    assert _value(actuator, "cache.gets", "name:prices", "result:hit") == 2
    assert _value(actuator, "cache.gets", "name:prices", "result:miss") == 2
    assert json.loads(_call(actuator, "GET", "/caches/prices").body)["target"] == (
        "aiocache.backends.memory.SimpleMemoryCache"
    )


def test_eviction_without_a_known_loop_runs_in_a_private_one(served: Served) -> None:
    actuator = served.actuator
    watcher = ClearWatcher()
    cache = SimpleMemoryCache(plugins=[watcher])
    served.register("idle", cache)
    asyncio.run(cache.set("a", 1))  # that loop is closed now
    assert _call(actuator, "DELETE", "/caches/idle").status == 204
    assert _value(actuator, "cache.size", "name:idle") == 0
    assert watcher.threads == [threading.get_ident()]


def test_eviction_runs_on_the_loop_the_cache_is_used_on(served: Served) -> None:
    actuator = served.actuator
    watcher = ClearWatcher()
    cache = SimpleMemoryCache(plugins=[watcher])
    served.register("served", cache)
    loop = asyncio.new_event_loop()
    serving = threading.Thread(target=loop.run_forever, daemon=True)
    serving.start()
    try:
        asyncio.run_coroutine_threadsafe(cache.multi_set([("a", 1), ("b", 2)]), loop).result(timeout=30)
        assert _value(actuator, "cache.size", "name:served") == 2
        assert _call(actuator, "DELETE", "/caches").status == 204
        assert _value(actuator, "cache.size", "name:served") == 0
        assert watcher.threads == [serving.ident]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        serving.join(timeout=30)
        loop.close()


async def test_eviction_refuses_to_block_a_running_loop(served: Served) -> None:
    actuator = served.actuator
    cache = SimpleMemoryCache()
    served.register("mine", cache)
    registry: Any = actuator.sources.caches
    with pytest.raises(RuntimeError, match="off the event loop"):
        registry.clear("cacheManager", "mine")


def test_a_server_backed_cache_reports_gets_but_no_size(served: Served) -> None:
    actuator = served.actuator
    # No Redis server is contacted: the cache connects on its first command, and none is sent here.
    remote = RedisCache(endpoint="127.0.0.1", port=6379)
    served.register("remote", remote)
    served.register("local", SimpleMemoryCache())
    assert _value(actuator, "cache.gets", "name:remote", "result:miss") == 0
    assert _value(actuator, "cache.size", "name:remote") is None
    assert _value(actuator, "cache.size", "name:local") == 0
    assert _value(actuator, "cache.evictions", "name:remote") is None
