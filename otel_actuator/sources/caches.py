"""Registered caches for the caches endpoint, and their OpenTelemetry meters for SBA's Cache panel.

What can be registered (``actuator.register_cache(name, cache, manager=...)``):

* a mapping cache (a cachetools ``LRUCache``/``TTLCache``..., or any ``MutableMapping``): the call returns
  a counting view of it, to use in its place (``@cached(view)``);
* a cachetools-decorated function (``@cached(cache)``): its ``cache`` is replaced by a counting view, so
  the function keeps working unchanged;
* a ``functools.lru_cache`` / ``functools.cache`` wrapper: read through its ``cache_info()``;
* an aiocache cache, or an aiocache ``@cached`` function: counted by a plugin (see
  :mod:`otel_actuator.sources.aiocache_caches` for what is measured).

The meters are Micrometer's: ``cache.gets`` (``result`` hit / miss), ``cache.puts``, ``cache.evictions``
(entries dropped by the cache itself: size-bound or expired, not explicit deletions) and ``cache.size``,
each tagged ``name``, ``cache`` and ``cache.manager``. They are observed from the counts at collection,
so a cache access costs a counter increment and nothing else. A count a cache cannot give (the size of a
Redis-backed aiocache cache) is left out of the meters rather than reported as 0.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Protocol

DEFAULT_MANAGER = "cacheManager"


@dataclass(frozen=True)
class CacheDescription:
    """One cache as the caches endpoint lists it: its name, its cache manager and the type behind it."""

    name: str
    manager: str
    target: str


@dataclass(frozen=True)
class CacheStatistics:
    hits: int
    misses: int
    puts: int
    evictions: Optional[int]
    size: Optional[int]


class _Counted(Protocol):
    """What the registry needs of a cache adapter."""

    target: str

    def statistics(self) -> CacheStatistics: ...

    def clear(self) -> None: ...


class CountingCache(MutableMapping[Any, Any]):
    """A view of a mapping cache that counts hits, misses, puts and the cache's own evictions.

    Evictions are worked out rather than seen (cachetools evicts inside the cache): entries added, minus
    entries removed through this view, minus entries still there.
    """

    def __init__(self, inner: MutableMapping[Any, Any]) -> None:
        self.inner = inner
        self.target = f"{type(inner).__module__}.{type(inner).__qualname__}"
        self._lock = threading.Lock()
        self._hits = self._misses = self._puts = self._removed = 0
        self._added = len(inner)

    def __getitem__(self, key: Any) -> Any:
        try:
            value = self.inner[key]
        except KeyError:
            with self._lock:
                self._misses += 1
            raise
        with self._lock:
            self._hits += 1
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        new = key not in self.inner
        self.inner[key] = value  # may raise ValueError (too large for the cache): nothing was put
        with self._lock:
            self._puts += 1
            self._added += new

    def __delitem__(self, key: Any) -> None:
        del self.inner[key]
        with self._lock:
            self._removed += 1

    def __contains__(self, key: object) -> bool:
        return key in self.inner

    def __iter__(self) -> Iterator[Any]:
        return iter(self.inner)

    def __len__(self) -> int:
        return len(self.inner)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        """cachetools' locked ``cached`` stores through this after a miss it has already counted."""
        if key in self.inner:
            return self.inner[key]
        self[key] = default
        return default

    def clear(self) -> None:
        with self._lock:
            self._removed += len(self.inner)
            self.inner.clear()

    def __getattr__(self, name: str) -> Any:
        # maxsize, currsize, ttl, expire() ... of the cache behind (never our own, unset, attributes).
        inner = self.__dict__.get("inner")
        if inner is None or name.startswith("_"):
            raise AttributeError(name)
        return getattr(inner, name)

    def statistics(self) -> CacheStatistics:
        with self._lock:
            size = len(self.inner)
            evictions = max(self._added - self._removed - size, 0)
            return CacheStatistics(self._hits, self._misses, self._puts, evictions, size)


class LruCacheFunction:
    """A ``functools.lru_cache`` wrapper read through ``cache_info()``.

    ``cache_clear()`` resets that info; the counts seen before a reset are kept, so the counters the meters
    report only ever grow.
    """

    def __init__(self, function: Any) -> None:
        self.function = function
        self.target = "functools._lru_cache_wrapper"
        self._lock = threading.Lock()
        # (hits, misses, evictions): counted before the last reset, and as last read since.
        self._base = (0, 0, 0)
        self._last = (0, 0, 0)

    def statistics(self) -> CacheStatistics:
        info = self.function.cache_info()
        # Every miss stores its result: what is not there any more was evicted.
        raw = (info.hits, info.misses, max(info.misses - info.currsize, 0))
        with self._lock:
            if raw[0] < self._last[0] or raw[1] < self._last[1]:  # cache_clear() was called by someone else
                self._base = _added(self._base, self._last)
            self._last = raw
            hits, misses, evictions = _added(self._base, raw)
        return CacheStatistics(hits, misses, misses, evictions, info.currsize)

    def clear(self) -> None:
        self.statistics()
        with self._lock:
            self._base = _added(self._base, self._last)
            self._last = (0, 0, 0)
            self.function.cache_clear()


def _added(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def adapt(cache: Any) -> tuple[_Counted, Any]:
    """The adapter counting ``cache``, and what the caller should use from now on."""
    aiocache = _aiocache(cache)
    if aiocache is not None:
        return aiocache, cache
    if callable(getattr(cache, "cache_info", None)) and callable(getattr(cache, "cache_clear", None)):
        return LruCacheFunction(cache), cache
    inner = getattr(cache, "cache", None)
    if callable(cache) and isinstance(inner, MutableMapping):
        view = inner if isinstance(inner, CountingCache) else CountingCache(inner)
        cache.cache = view  # a cachetools-decorated function now reads through the counting view
        return view, cache
    if isinstance(cache, CountingCache):
        return cache, cache
    if isinstance(cache, MutableMapping):
        view = CountingCache(cache)
        return view, view
    raise TypeError(
        f"cannot register a {type(cache).__name__} as a cache: expected a mapping cache (cachetools), "
        "a cachetools-decorated function, a functools.lru_cache wrapper or an aiocache cache"
    )


def _aiocache(cache: Any) -> Optional[_Counted]:
    """The adapter of an aiocache cache (or of an aiocache ``@cached`` function's cache); None for anything else."""
    base = getattr(sys.modules.get("aiocache.base"), "BaseCache", None)
    if not isinstance(base, type):  # aiocache is not loaded: this cannot be one of its caches
        return None
    inner = getattr(cache, "cache", None) if callable(cache) else None
    if not isinstance(cache, base) and isinstance(inner, base):
        cache = inner
    if not isinstance(cache, base):
        return None
    from aiocache.backends.memory import SimpleMemoryBackend

    from otel_actuator.sources.aiocache_caches import AiocacheCache

    return AiocacheCache(cache, in_memory=isinstance(cache, SimpleMemoryBackend))


class CacheRegistry:
    """The caches of one actuator by (cache manager, name); implements ``CacheSource``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._caches: dict[tuple[str, str], _Counted] = {}
        self._meter_providers: list[Any] = []

    def register(self, name: str, cache: Any, manager: str = DEFAULT_MANAGER) -> Any:
        """Add (or replace) a cache; returns what to use in its place (see the module docs)."""
        if not name or not manager:
            raise ValueError("a cache needs a name and a cache manager name")
        adapter, use = adapt(cache)
        with self._lock:
            self._caches[(manager, name)] = adapter
        return use

    def caches(self) -> Sequence[CacheDescription]:
        with self._lock:
            items = list(self._caches.items())
        return [CacheDescription(name, manager, adapter.target) for (manager, name), adapter in items]

    def clear(self, manager: str, name: str) -> None:
        with self._lock:
            adapter = self._caches.get((manager, name))
        if adapter is not None:
            adapter.clear()

    def statistics(self) -> list[tuple[str, str, CacheStatistics]]:
        """(manager, name, counts) of every cache, read now."""
        with self._lock:
            items = list(self._caches.items())
        return [(manager, name, adapter.statistics()) for (manager, name), adapter in items]

    def instrument(self, meter_provider: Optional[Any] = None) -> None:
        """Publish the cache meters through ``meter_provider`` (the global one by default), once per provider."""
        from opentelemetry import metrics

        provider = meter_provider if meter_provider is not None else metrics.get_meter_provider()
        with self._lock:
            if any(known is provider for known in self._meter_providers):
                return
            self._meter_providers.append(provider)
        meter = provider.get_meter("otel_actuator.caches")
        meter.create_observable_counter(
            "cache.gets",
            callbacks=[lambda _options: self._observe(_gets)],
            description="The number of times cache lookup methods have returned a cached (hit) "
            "or uncached (newly loaded or null) value (miss).",
        )
        meter.create_observable_counter(
            "cache.puts",
            callbacks=[lambda _options: self._observe(lambda s: [({}, s.puts)])],
            description="The number of entries added to the cache",
        )
        meter.create_observable_counter(
            "cache.evictions",
            callbacks=[lambda _options: self._observe(lambda s: [({}, s.evictions)])],
            description="The number of times the cache was evicted.",
        )
        meter.create_observable_gauge(
            "cache.size",
            callbacks=[lambda _options: self._observe(lambda s: [({}, s.size)])],
            description="The number of entries in this cache.",
        )

    def _observe(self, values: Any) -> Iterable[Any]:
        from opentelemetry.metrics import Observation

        observations = []
        for manager, name, counts in self.statistics():
            tags = {"name": name, "cache": name, "cache.manager": manager}
            for extra, value in values(counts):
                if value is not None:
                    observations.append(Observation(value, {**tags, **extra}))
        return observations


def _gets(counts: CacheStatistics) -> list[tuple[dict[str, str], int]]:
    return [({"result": "hit"}, counts.hits), ({"result": "miss"}, counts.misses)]
