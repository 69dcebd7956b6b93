"""Celery beat entries in scheduledtasks and an aiocache cache in caches, over a real uvicorn server (no broker)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiocache import SimpleMemoryCache
from celery import Celery
from celery.schedules import crontab
from fastapi import FastAPI, HTTPException
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from otel_actuator import Settings, mount_fastapi
from tests.support.apps import bridged_actuator
from tests.support.servers import serve_asgi

PRICES = {"lamp": 30, "desk": 120}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    settings = Settings(exposure_include=("*",), metrics_cache_ttl=0, app_name="shop")
    actuator, telemetry = bridged_actuator(settings)
    app = FastAPI()
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    mount_fastapi(app, actuator)
    prices = SimpleMemoryCache(namespace="prices:")
    actuator.register_cache("prices", prices, manager="aiocache", meter_provider=telemetry.meter_provider)

    @app.get("/prices/{item}")
    async def price(item: str) -> dict[str, Any]:
        value = await prices.get(item)
        if value is None:
            if item not in PRICES:
                raise HTTPException(404)
            value = PRICES[item]
            await prices.set(item, value)
        return {"item": item, "price": value}

    celery = Celery("shop", broker="memory://", set_as_current=False)
    celery.conf.timezone = "UTC"
    celery.conf.beat_schedule = {
        "restock": {"task": "shop.tasks.restock", "schedule": crontab(minute=0, hour="6,18", day_of_week="mon-sat")},
        "sync": {"task": "shop.tasks.sync", "schedule": 90.0},
    }
    actuator.add_scheduler(celery)
    try:
        with serve_asgi(app) as url, httpx.Client(base_url=url, timeout=10) as client:
            yield client
    finally:
        telemetry.shutdown()


def _measurement(client: httpx.Client, name: str, *tags: str) -> float:
    response = client.get(f"/actuator/metrics/{name}", params=[("tag", t) for t in tags])
    assert response.status_code == 200, response.text
    return float(response.json()["measurements"][0]["value"])


def test_beat_entries_are_listed_as_cron_and_fixed_rate_tasks(client: httpx.Client) -> None:
    body = client.get("/actuator/scheduledtasks").json()
    [restock] = [task for task in body["cron"] if task["runnable"]["target"] == "shop.tasks.restock"]
    assert restock["expression"] == "0 0 6,18 * * MON-SAT"
    assert restock["nextExecution"]["time"].endswith(":00:00.000000Z")
    assert [task for task in body["fixedRate"] if task["runnable"]["target"] == "shop.tasks.sync"] == [
        {"runnable": {"target": "shop.tasks.sync"}, "interval": 90_000}
    ]


def test_aiocache_gets_count_exactly_and_eviction_empties_the_cache(client: httpx.Client) -> None:
    assert client.get("/actuator/caches").json()["cacheManagers"]["aiocache"] == {
        "caches": {"prices": {"target": "aiocache.backends.memory.SimpleMemoryCache"}}
    }
    assert client.delete("/actuator/caches/prices").status_code == 204
    hits_before = _measurement(client, "cache.gets", "name:prices", "result:hit")
    misses_before = _measurement(client, "cache.gets", "name:prices", "result:miss")
    for item in ("lamp", "lamp", "lamp", "desk", "desk", "chair"):
        assert client.get(f"/prices/{item}").status_code == (404 if item == "chair" else 200)
    assert _measurement(client, "cache.gets", "name:prices", "result:hit") - hits_before == 3.0
    assert _measurement(client, "cache.gets", "name:prices", "result:miss") - misses_before == 3.0
    assert _measurement(client, "cache.size", "name:prices") == 2.0
    # The cache was used on uvicorn's loop: its clear() runs there, awaited off the loop by the DELETE.
    assert client.delete("/actuator/caches/prices", params={"cacheManager": "aiocache"}).status_code == 204
    assert _measurement(client, "cache.size", "name:prices") == 0.0
    assert client.get("/prices/lamp").json() == {"item": "lamp", "price": 30}
    assert _measurement(client, "cache.gets", "name:prices", "result:miss") - misses_before == 4.0
