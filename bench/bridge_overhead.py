"""What the bridge adds to a request, and what a metrics read costs.

Runs an instrumented FastAPI app in-process (ASGI calls, no sockets) three times: with OpenTelemetry
SDK providers and no reader, with an in-memory metric reader (what any metrics exporter costs the SDK),
and with the bridge's span processor and metric reader. Prints microseconds per request and ratios,
then the cost of one metrics collection, of reading the recorded exchanges and of a Prometheus scrape.

Usage: python bench/bridge_overhead.py [requests]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import MutableMapping
from typing import Any, Callable

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

from otel_actuator.bridge import Bridge
from otel_actuator.settings import Settings


def _app(tracer_provider: TracerProvider, meter_provider: MeterProvider) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=tracer_provider, meter_provider=meter_provider, exclude_spans=["receive", "send"]
    )
    return app


async def _call(app: FastAPI, path: str) -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 5000),
        "server": ("bench", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        return None

    await app(scope, receive, send)


def _per_request_us(app: FastAPI, requests: int) -> float:
    async def run() -> list[float]:
        for i in range(200):  # warm-up: middleware stack, route compilation
            await _call(app, f"/items/{i}")
        rounds = []
        for _ in range(5):
            started = time.perf_counter()
            for i in range(requests):
                await _call(app, f"/items/{i}")
            rounds.append((time.perf_counter() - started) / requests * 1e6)
        return rounds

    return statistics.median(asyncio.run(run()))


def _timed_us(action: Callable[[], object], repeat: int = 50) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    bare = _per_request_us(_app(TracerProvider(), MeterProvider()), requests)
    baseline = _per_request_us(_app(TracerProvider(), MeterProvider(metric_readers=[InMemoryMetricReader()])), requests)

    bridge = Bridge(Settings(metrics_cache_ttl=0))
    tracer_provider = TracerProvider()
    bridge.add_to_tracer_provider(tracer_provider)
    meter_provider = MeterProvider(metric_readers=[bridge.metric_reader])
    bridge.add_to_meter_provider(meter_provider)
    bridged = _per_request_us(_app(tracer_provider, meter_provider), requests)

    print(f"OpenTelemetry, no metric reader  : {bare:8.1f} us/request")
    print(f"OpenTelemetry, in-memory reader  : {baseline:8.1f} us/request  (x{baseline / bare:.2f})")
    print(f"with the bridge (processor+reader): {bridged:8.1f} us/request  (x{bridged / baseline:.2f} vs in-memory)")
    meters = len(bridge.metric_reader.meter_names())
    print(f"one metrics collection ({meters} meters): {_timed_us(bridge.metric_reader.families):8.1f} us")
    print(f"reading {len(bridge.recorder.exchanges())} exchanges: {_timed_us(bridge.recorder.exchanges):8.1f} us")
    print(f"prometheus scrape: {_timed_us(lambda: bridge.prometheus.render('text/plain')):8.1f} us")


if __name__ == "__main__":
    main()
