"""The pull reader and the OpenTelemetry -> Micrometer conversion, with real SDK providers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import httpx
from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.view import View

from otel_actuator.bridge import ActuatorMetricReader, Bridge
from otel_actuator.endpoints.metrics import describe
from otel_actuator.settings import Settings
from otel_actuator.sources import Meter

FRESH = Settings(metrics_cache_ttl=0)


def _provider(settings: Settings = FRESH, **kwargs: object) -> tuple[MeterProvider, ActuatorMetricReader]:
    reader = ActuatorMetricReader(settings)
    return MeterProvider(metric_readers=[reader], **kwargs), reader  # type: ignore[arg-type]


def _only(meters: Iterable[Meter]) -> Meter:
    [meter] = list(meters)
    return meter


def test_counter_is_a_count_with_its_tags_and_unit() -> None:
    provider, reader = _provider()
    counter = provider.get_meter("shop").create_counter("orders.placed", unit="{orders}", description="Orders")
    counter.add(2, {"region": "eu", "express": True})
    counter.add(3, {"region": "eu", "express": True})

    meter = _only(reader.meters("orders.placed"))
    assert meter.measurements == {"COUNT": 5.0}
    assert meter.tags == {"region": "eu", "express": "true"}
    assert meter.base_unit == "orders"
    assert meter.description == "Orders"


def test_up_down_counter_and_gauges_are_values() -> None:
    provider, reader = _provider()
    meter = provider.get_meter("shop")
    queue = meter.create_up_down_counter("queue.size", unit="1")
    queue.add(5)
    queue.add(-2)

    def temperature(options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(21.5, {"room": "a"}), Observation(19.0, {"room": "b"})]

    meter.create_observable_gauge("room.temperature", [temperature], unit="Cel")
    meter.create_gauge("cache.size", unit="By").set(2048)

    assert _only(reader.meters("queue.size")).measurements == {"VALUE": 3.0}
    assert _only(reader.meters("queue.size")).base_unit is None
    rooms = {m.tags["room"]: m.measurements["VALUE"] for m in reader.meters("room.temperature")}
    assert rooms == {"a": 21.5, "b": 19.0}
    assert _only(reader.meters("cache.size")).base_unit == "bytes"


def test_time_histogram_is_a_timer_in_seconds_with_the_real_max() -> None:
    provider, reader = _provider()
    histogram = provider.get_meter("jobs").create_histogram("job.duration", unit="ms")
    for value in (120.0, 7.0, 333.3):
        histogram.record(value)

    meter = _only(reader.meters("job.duration"))
    assert meter.base_unit == "seconds"
    assert meter.measurements["COUNT"] == 3.0
    assert abs(meter.measurements["TOTAL_TIME"] - 0.4603) < 1e-9
    # 333.3 ms, not the 500 ms bucket bound above it.
    assert abs(meter.measurements["MAX"] - 0.3333) < 1e-9


def test_other_histogram_is_a_distribution_summary() -> None:
    provider, reader = _provider()
    histogram = provider.get_meter("http").create_histogram("payload.size", unit="KiBy")
    histogram.record(1)
    histogram.record(3)

    meter = _only(reader.meters("payload.size"))
    assert meter.base_unit == "bytes"
    assert meter.measurements == {"COUNT": 2.0, "TOTAL": 4096.0, "MAX": 3072.0}


def test_series_beyond_the_cap_fold_into_one_overflow_series() -> None:
    provider, reader = _provider(Settings(metrics_cache_ttl=0, metrics_max_series=3))
    counter = provider.get_meter("shop").create_counter("visits")
    for user in range(10):
        counter.add(user + 1, {"user": str(user)})

    meters = reader.meters("visits")
    assert len(meters) == 4
    overflow = [m for m in meters if m.tags == {"otel.metric.overflow": "true"}]
    assert len(overflow) == 1
    assert sum(m.measurements["COUNT"] for m in meters) == 55.0
    assert overflow[0].measurements["COUNT"] == 55.0 - 1 - 2 - 3


def test_a_collection_is_reused_for_the_cache_ttl() -> None:
    provider, reader = _provider(Settings(metrics_cache_ttl=3600))
    counter = provider.get_meter("shop").create_counter("clicks")
    counter.add(1)
    assert _only(reader.meters("clicks")).measurements == {"COUNT": 1.0}

    counter.add(1)
    assert _only(reader.meters("clicks")).measurements == {"COUNT": 1.0}

    provider.force_flush()  # a collection by anyone refreshes the cache
    assert _only(reader.meters("clicks")).measurements == {"COUNT": 2.0}


def test_without_cache_every_read_collects() -> None:
    provider, reader = _provider()
    counter = provider.get_meter("shop").create_counter("clicks")
    counter.add(1)
    assert _only(reader.meters("clicks")).measurements == {"COUNT": 1.0}
    counter.add(1)
    assert _only(reader.meters("clicks")).measurements == {"COUNT": 2.0}


def test_unregistered_reader_knows_no_meters_and_shutdown_keeps_the_last_values() -> None:
    assert list(ActuatorMetricReader(FRESH).meter_names()) == []

    provider, reader = _provider()
    counter = provider.get_meter("shop").create_counter("clicks")
    counter.add(4)
    assert "clicks" in reader.meter_names()
    provider.shutdown()
    assert _only(reader.meters("clicks")).measurements == {"COUNT": 4.0}
    assert reader.meters("unknown") == []


def test_a_failing_callback_does_not_hide_the_other_meters() -> None:
    provider, reader = _provider()
    meter = provider.get_meter("shop")

    def broken(options: CallbackOptions) -> Iterable[Observation]:
        raise RuntimeError("sensor unplugged")

    meter.create_observable_gauge("sensor", [broken])
    meter.create_counter("clicks").add(1)

    assert "clicks" in reader.meter_names()
    assert "sensor" not in reader.meter_names()


def test_same_name_from_two_scopes_adds_up() -> None:
    provider, reader = _provider()
    provider.get_meter("a").create_counter("jobs").add(2, {"queue": "q"})
    provider.get_meter("b").create_counter("jobs").add(3, {"queue": "q"})

    assert _only(reader.meters("jobs")).measurements == {"COUNT": 5.0}


def test_views_that_rename_or_drop_are_respected() -> None:
    provider, reader = _provider(views=[View(instrument_name="raw.clicks", name="clicks.renamed")])
    provider.get_meter("shop").create_counter("raw.clicks").add(1)

    assert "clicks.renamed" in reader.meter_names()
    assert "raw.clicks" not in reader.meter_names()


def test_instrumented_fastapi_counts_every_request_exactly() -> None:
    bridge = Bridge(FRESH)
    provider = MeterProvider(metric_readers=[bridge.metric_reader])
    app = FastAPI()

    @app.get("/slow/{n}")
    async def slow(n: int) -> dict[str, int]:
        await asyncio.sleep(0.03)
        return {"n": n}

    @app.get("/fast")
    def fast() -> dict[str, str]:
        return {}

    FastAPIInstrumentor.instrument_app(app, meter_provider=provider, exclude_spans=["receive", "send"])
    observed: list[float] = []

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for n in range(4):
                started = time.perf_counter()
                await client.get(f"/slow/{n}")
                observed.append(time.perf_counter() - started)
            for _ in range(3):
                await client.get("/fast")
            await client.post("/fast")

    asyncio.run(run())
    reader = bridge.metric_reader
    meters = reader.meters("http.server.requests")

    every = describe("http.server.requests", meters, [])
    assert every is not None
    counts = {m["statistic"]: m["value"] for m in every["measurements"]}
    assert counts["COUNT"] == 8.0
    slow_body = describe("http.server.requests", meters, [("uri", "/slow/{n}"), ("uri", "/slow/{n}")])
    assert slow_body is not None
    slow_stats = {m["statistic"]: m["value"] for m in slow_body["measurements"]}
    assert slow_stats["COUNT"] == 4.0
    assert slow_stats["MAX"] >= 0.03  # every request slept 30 ms; the server measured at least that
    assert slow_stats["MAX"] <= max(observed) + 0.001
    posts = describe("http.server.requests", meters, [("method", "POST")])
    assert posts is not None
    tags = {t["tag"]: t["values"] for t in posts["availableTags"]}
    assert tags["status"] == ["405"] and tags["outcome"] == ["CLIENT_ERROR"] and tags["uri"] == ["/fast"]


def test_collections_pause_the_cyclic_collector_and_restore_it() -> None:
    import gc

    from otel_actuator.bridge.metric_reader import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled(), "an application that turned the collector off keeps it off"
    finally:
        gc.enable()
