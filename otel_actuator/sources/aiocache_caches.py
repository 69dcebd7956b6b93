"""aiocache caches for the caches endpoint: counted by a plugin added to the cache, evicted on its event loop.

Every aiocache cache can be registered (``SimpleMemoryCache``, ``RedisCache``, ``MemcachedCache`` ..., or the
cache of an aiocache ``@cached`` function). What the ``cache.*`` meters measure:

* ``cache.gets``: each ``get`` (a miss is ``None`` or the call's ``default`` coming back) and each key of a
  ``multi_get``; ``cache.puts``: each ``set`` and ``add`` that stored, each pair of a ``multi_set``;
* for a ``SimpleMemoryCache`` only, whose entries live in this process: ``cache.size`` (the entries in its
  namespace) and ``cache.evictions`` (entries that expired: new keys put, minus those deleted or cleared, minus
  those still there). A Redis or Memcached cache has neither: the server holds the entries, and counting them
  would cost a round trip per collection and include other clients' keys.

``clear()`` is a coroutine: eviction awaits it on the event loop the cache was last used on while that loop
runs (a Redis client's connections belong to it), otherwise in a private loop; the caller waits on its own
thread (the caches endpoint's DELETE runs off the event loop), bounded by the cache's own ``timeout``.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import Any, Callable, Optional

from otel_actuator.sources.caches import CacheStatistics


class AiocacheCache:
    """One registered aiocache cache: its counting plugin, what the memory backend holds, and its eviction."""

    def __init__(self, cache: Any, in_memory: bool) -> None:
        self.cache = cache
        self.target = f"{type(cache).__module__}.{type(cache).__qualname__}"
        found = [plugin for plugin in cache.plugins if isinstance(plugin, CountingPlugin)]
        self.plugin = found[0] if found else CountingPlugin(in_memory)
        if not found:
            cache.plugins = [*cache.plugins, self.plugin]  # a new list: the given one may be shared by other caches

    def statistics(self) -> CacheStatistics:
        return self.plugin.statistics(self.cache)

    def clear(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("clearing an aiocache cache waits for it: call it off the event loop")
        loop = self.plugin.loop()
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self.cache.clear(), loop).result()
        else:
            asyncio.run(self.cache.clear())


async def _nothing(*_args: Any, **_kwargs: Any) -> None:
    """The hooks aiocache calls on every plugin for the commands not counted."""


class CountingPlugin:
    """An aiocache plugin counting gets, puts and, for a memory cache, the entries added and removed."""

    def __init__(self, in_memory: bool) -> None:
        self._in_memory = in_memory
        self._lock = threading.Lock()
        self._hits = self._misses = self._puts = self._added = self._removed = 0
        self._loop: Optional[weakref.ref[asyncio.AbstractEventLoop]] = None

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith(("pre_", "post_")):
            return _nothing
        raise AttributeError(name)

    def loop(self) -> Optional[asyncio.AbstractEventLoop]:
        """The event loop the cache was last used on."""
        return None if self._loop is None else self._loop()

    def statistics(self, cache: Any) -> CacheStatistics:
        size = len(_namespace_keys(cache, None)) if self._in_memory else None
        with self._lock:
            evictions = None if size is None else max(self._added - self._removed - size, 0)
            return CacheStatistics(self._hits, self._misses, self._puts, evictions, size)

    def _count(self, **increments: int) -> None:
        self._loop = weakref.ref(asyncio.get_running_loop())
        with self._lock:
            for name, increment in increments.items():
                setattr(self, f"_{name}", getattr(self, f"_{name}") + increment)

    async def post_get(self, client: Any, key: Any, default: Any = None, *args: Any, **kwargs: Any) -> None:
        value = kwargs.get("ret")
        miss = value is None or (default is not None and value is default)
        self._count(misses=miss, hits=not miss)

    async def post_multi_get(self, client: Any, keys: Any, *args: Any, **kwargs: Any) -> None:
        found = sum(value is not None for value in kwargs.get("ret") or ())
        self._count(hits=found, misses=len(keys) - found)

    async def pre_set(self, client: Any, key: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("_cas_token") is None:  # a compare-and-set on a missing key stores nothing
            self._count(added=self._new(client, [key], kwargs.get("namespace")))

    async def post_set(self, client: Any, *args: Any, **kwargs: Any) -> None:
        self._count(puts=bool(kwargs.get("ret")))

    async def pre_add(self, client: Any, key: Any, *args: Any, **kwargs: Any) -> None:
        self._count(added=self._new(client, [key], kwargs.get("namespace")))  # add() of a known key raises

    async def post_add(self, client: Any, *args: Any, **kwargs: Any) -> None:
        self._count(puts=1)

    async def pre_multi_set(self, client: Any, pairs: Any, *args: Any, **kwargs: Any) -> None:
        self._count(added=self._new(client, [key for key, _ in pairs], kwargs.get("namespace")))

    async def post_multi_set(self, client: Any, pairs: Any, *args: Any, **kwargs: Any) -> None:
        self._count(puts=len(pairs))

    async def post_delete(self, client: Any, *args: Any, **kwargs: Any) -> None:
        self._count(removed=int(kwargs.get("ret") or 0) if self._in_memory else 0)

    async def pre_clear(self, client: Any, namespace: Any = None, *args: Any, **kwargs: Any) -> None:
        self._count(removed=len(_namespace_keys(client, namespace)) if self._in_memory else 0)

    def _new(self, client: Any, keys: list[Any], namespace: Optional[str]) -> int:
        if not self._in_memory:
            return 0
        space = namespace if namespace is not None else client.namespace
        entries = client._cache
        return sum(client.build_key(key, namespace=space) not in entries for key in keys)


def _namespace_keys(cache: Any, namespace: Optional[str]) -> list[str]:
    """The memory cache's keys that its ``clear()`` would remove (all of them without a namespace)."""
    space = namespace if namespace is not None else cache.namespace
    keys = list(cache._cache)
    return [key for key in keys if key.startswith(space)] if space else keys
