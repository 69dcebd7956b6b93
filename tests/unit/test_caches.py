"""caches: registered caches per manager, eviction over DELETE, and Micrometer's cache meters from OpenTelemetry."""

from __future__ import annotations

import functools
import json
from typing import Any

import cachetools
import pytest
from opentelemetry.sdk.metrics import MeterProvider

from otel_actuator.actuator import Actuator
from otel_actuator.bridge import Bridge
from otel_actuator.core.http import Request, Response
from otel_actuator.core.negotiation import V3_JSON
from otel_actuator.settings import Settings
from otel_actuator.sources.caches import CountingCache

BASE = "http://127.0.0.1:8000/actuator"
SETTINGS = Settings(exposure_include=("*",), metrics_cache_ttl=0)


def _actuator() -> tuple[Actuator, MeterProvider]:
    bridge = Bridge(SETTINGS)
    provider = MeterProvider(metric_readers=[bridge.metric_reader], shutdown_on_exit=False)
    actuator = Actuator(SETTINGS)
    bridge.fill(actuator.sources)
    return actuator, provider


def _call(actuator: Actuator, method: str, path: str, query: str = "") -> Response:
    request = Request(method, path, BASE, headers={"accept": V3_JSON}, query=_query(query))
    return actuator.dispatcher.handle(request)


def _query(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((pair.partition("=")[0], pair.partition("=")[2]) for pair in text.split("&") if pair)


def _json(response: Response) -> Any:
    return json.loads(response.body)


def _count(actuator: Actuator, name: str, *tags: str) -> float:
    response = _call(actuator, "GET", f"/metrics/{name}", "&".join(f"tag={t}" for t in tags))
    assert response.status == 200, response.body
    return float(_json(response)["measurements"][0]["value"])


def test_caches_are_listed_per_manager_in_springs_shape() -> None:
    actuator, provider = _actuator()
    actuator.register_cache("cities", cachetools.LRUCache(10), meter_provider=provider)
    actuator.register_cache("countries", cachetools.TTLCache(10, ttl=60), meter_provider=provider)
    actuator.register_cache("countries", {}, manager="anotherCacheManager", meter_provider=provider)
    assert _json(_call(actuator, "GET", "/caches")) == {
        "cacheManagers": {
            "cacheManager": {
                "caches": {"cities": {"target": "cachetools.LRUCache"}, "countries": {"target": "cachetools.TTLCache"}}
            },
            "anotherCacheManager": {"caches": {"countries": {"target": "builtins.dict"}}},
        }
    }
    assert _json(_call(actuator, "GET", "/caches/cities")) == {
        "target": "cachetools.LRUCache",
        "name": "cities",
        "cacheManager": "cacheManager",
    }


def test_unknown_is_404_and_ambiguous_without_manager_is_400() -> None:
    actuator, provider = _actuator()
    actuator.register_cache("countries", {}, meter_provider=provider)
    actuator.register_cache("countries", {}, manager="other", meter_provider=provider)
    for method in ("GET", "DELETE"):
        missing = _call(actuator, method, "/caches/nope")
        assert missing.status == 404 and "nope" in _json(missing)["message"]
        ambiguous = _call(actuator, method, "/caches/countries")
        assert ambiguous.status == 400 and "cacheManager" in _json(ambiguous)["message"]
        assert _call(actuator, method, "/caches/countries", "cacheManager=nowhere").status == 404
    chosen = _call(actuator, "GET", "/caches/countries", "cacheManager=other")
    assert _json(chosen)["cacheManager"] == "other"


def test_delete_evicts_one_cache_or_all_and_size_follows() -> None:
    actuator, provider = _actuator()
    cities = actuator.register_cache("cities", cachetools.LRUCache(10), meter_provider=provider)
    countries = actuator.register_cache("countries", cachetools.LRUCache(10), meter_provider=provider)
    for key in range(3):
        cities[key] = countries[key] = key
    assert _count(actuator, "cache.size", "name:cities") == 3.0

    assert _call(actuator, "DELETE", "/caches/cities").status == 204
    assert len(cities) == 0 and len(countries) == 3
    assert _count(actuator, "cache.size", "name:cities") == 0.0
    assert _count(actuator, "cache.evictions", "name:cities") == 0.0, "a clear is no eviction"

    assert _call(actuator, "DELETE", "/caches").status == 204
    assert len(countries) == 0


def test_gets_count_hits_and_misses_exactly_through_cachetools_cached() -> None:
    actuator, provider = _actuator()
    calls: list[int] = []

    @cachetools.cached(cachetools.LRUCache(2))
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    assert actuator.register_cache("squares", square, meter_provider=provider) is square
    assert isinstance(square.cache, CountingCache)
    for x in (1, 2, 1, 1, 3, 1):
        square(x)
    assert calls == [1, 2, 3]
    assert _count(actuator, "cache.gets", "name:squares", "result:hit") == 3.0
    assert _count(actuator, "cache.gets", "name:squares", "result:miss") == 3.0
    assert _count(actuator, "cache.puts", "name:squares") == 3.0
    assert _count(actuator, "cache.evictions", "name:squares") == 1.0, "LRUCache(2) dropped 2 for 3"
    assert _count(actuator, "cache.size", "name:squares") == 2.0
    tags = {t["tag"]: t["values"] for t in _json(_call(actuator, "GET", "/metrics/cache.gets"))["availableTags"]}
    assert tags == {
        "result": ["hit", "miss"],
        "cache": ["squares"],
        "name": ["squares"],
        "cache.manager": ["cacheManager"],
    }


def test_locked_cached_functions_count_each_miss_once() -> None:
    import threading

    actuator, provider = _actuator()

    @cachetools.cached(cachetools.LRUCache(8), lock=threading.Lock())
    def double(x: int) -> int:
        return 2 * x

    actuator.register_cache("doubles", double, meter_provider=provider)
    for x in (1, 1, 2):
        double(x)
    assert _count(actuator, "cache.gets", "name:doubles", "result:miss") == 2.0
    assert _count(actuator, "cache.gets", "name:doubles", "result:hit") == 1.0


def test_lru_cache_counts_survive_its_own_cache_clear() -> None:
    actuator, provider = _actuator()

    @functools.lru_cache(maxsize=2)
    def cube(x: int) -> int:
        return x**3

    actuator.register_cache("cubes", cube, meter_provider=provider)
    for x in (1, 1, 2, 3):
        cube(x)
    assert _count(actuator, "cache.gets", "name:cubes", "result:hit") == 1.0
    assert _count(actuator, "cache.evictions", "name:cubes") == 1.0
    cube.cache_clear()  # resets cache_info(); the counters the meters report must not go back
    cube(1)
    assert _count(actuator, "cache.gets", "name:cubes", "result:miss") == 4.0
    assert _call(actuator, "DELETE", "/caches/cubes").status == 204
    assert cube.cache_info().currsize == 0
    cube(1)
    assert _count(actuator, "cache.gets", "name:cubes", "result:miss") == 5.0
    assert _count(actuator, "cache.gets", "name:cubes", "result:hit") == 1.0


def test_caches_is_absent_until_a_cache_is_registered() -> None:
    actuator, _ = _actuator()
    assert _call(actuator, "GET", "/caches").status == 404
    assert "caches" not in _json(_call(actuator, "GET", ""))["_links"]


def test_what_is_not_a_cache_is_refused() -> None:
    actuator, provider = _actuator()
    with pytest.raises(TypeError, match="cannot register"):
        actuator.register_cache("numbers", [1, 2], meter_provider=provider)
    with pytest.raises(ValueError, match="name"):
        actuator.register_cache("", {}, meter_provider=provider)
