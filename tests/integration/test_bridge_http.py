"""The OpenTelemetry bridge over real sockets: requests in, Spring-shaped metrics, exchanges and logs out."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from otel_actuator import Settings
from tests.support.apps import FRAMEWORKS, ServedApp, served_app
from tests.support.polling import eventually

ROUTES = {"fastapi": "/items/{item_id}", "flask": "/items/<int:item_id>"}


@pytest.fixture(params=FRAMEWORKS)
def app(request: pytest.FixtureRequest) -> Iterator[tuple[str, httpx.Client, ServedApp]]:
    settings = Settings(exposure_include=("*",), metrics_cache_ttl=0.0)
    with served_app(str(request.param), settings) as running, httpx.Client(base_url=running.url, timeout=10) as client:
        yield str(request.param), client, running


def _metric(client: httpx.Client, name: str, *tags: str) -> httpx.Response:
    return client.get(f"/actuator/metrics/{name}", params=[("tag", t) for t in tags])


def _statistics(response: httpx.Response) -> dict[str, float]:
    return {m["statistic"]: m["value"] for m in response.json()["measurements"]}


def test_http_server_requests_counts_exactly(app: tuple[str, httpx.Client, ServedApp]) -> None:
    framework, client, _ = app
    durations = []
    for item in range(7):
        started = time.perf_counter()
        assert client.get(f"/items/{item}").status_code == 200
        durations.append(time.perf_counter() - started)
    assert client.get("/items/not-a-number").status_code in (404, 422)
    assert client.get("/nowhere").status_code == 404

    uri = ROUTES[framework]
    stats = _statistics(_metric(client, "http.server.requests", f"uri:{uri}", f"uri:{uri}", "status:200"))
    assert stats["COUNT"] == 7.0
    assert 0 < stats["TOTAL_TIME"] <= sum(durations)
    assert 0 < stats["MAX"] <= max(durations)
    assert stats["MAX"] <= stats["TOTAL_TIME"]
    by_method = _statistics(_metric(client, "http.server.requests", f"uri:{uri}", "method:GET", "outcome:SUCCESS"))
    assert by_method["COUNT"] == 7.0

    whole = _metric(client, "http.server.requests").json()
    tags = {t["tag"]: t["values"] for t in whole["availableTags"]}
    assert uri in tags["uri"]
    assert "/nowhere" not in tags["uri"], "raw paths must never become uri tags"
    assert "CLIENT_ERROR" in tags["outcome"]
    assert whole["baseUnit"] == "seconds"
    drilled = _metric(client, "http.server.requests", f"uri:{uri}").json()
    assert "uri" not in {t["tag"] for t in drilled["availableTags"]}
    assert _metric(client, "http.server.requests", "uri:/never").status_code == 404
    assert _metric(client, "http.server.requests", "no-colon").status_code == 400
    assert client.get("/actuator/metrics/no.such.meter").status_code == 404


def test_actuator_requests_are_tagged_with_the_endpoint_template(app: tuple[str, httpx.Client, ServedApp]) -> None:
    """As Spring tags them: ``/actuator/metrics/{requiredMetricName}``, never a catch-all route or UNKNOWN."""
    _, client, _ = app
    assert client.get("/actuator").status_code == 200
    assert client.get("/actuator/health").status_code == 200
    assert client.get("/actuator/metrics/process.uptime").status_code == 200
    assert client.get("/actuator/loggers/ROOT").status_code == 200
    assert client.get("/actuator/no-such-endpoint").status_code == 404
    expected = {
        ("/actuator", "200"),
        ("/actuator/health", "200"),
        ("/actuator/loggers/{name}", "200"),
        ("NOT_FOUND", "404"),
    }
    for uri, status in expected:
        stats = _statistics(_metric(client, "http.server.requests", f"uri:{uri}", f"status:{status}"))
        assert stats["COUNT"] == 1.0, uri
    # Reading the metric is itself a metrics request: at least the one above.
    stats = _statistics(_metric(client, "http.server.requests", "uri:/actuator/metrics/{requiredMetricName}"))
    assert stats["COUNT"] >= 1.0
    uris = {t["tag"]: t["values"] for t in _metric(client, "http.server.requests").json()["availableTags"]}["uri"]
    assert not [u for u in uris if u == "UNKNOWN" or "path" in u], uris


def test_exchanges_show_the_request_masked(app: tuple[str, httpx.Client, ServedApp]) -> None:
    """The server ends the request's span after sending the response: the exchange may show a moment later."""
    _, client, _ = app
    client.get("/items/42", params={"q": "x", "token": "hunter2"}, headers={"Authorization": "Bearer hunter2"})

    def items_42() -> list[dict[str, object]]:
        return [e for e in client.get("/actuator/httpexchanges").json()["exchanges"] if "/items/42" in str(e)]

    exchange = eventually(items_42, what="the exchange of GET /items/42")[0]
    request = exchange["request"]
    assert isinstance(request, dict)
    assert request["method"] == "GET"
    assert str(request["uri"]).startswith(str(client.base_url).rstrip("/") + "/items/42?")
    assert "hunter2" not in str(exchange)
    assert request["remoteAddress"] == "127.0.0.1"
    assert exchange["response"] == {"status": 200, "headers": exchange["response"]["headers"]}  # type: ignore[index]
    assert str(exchange["timeTaken"]).startswith("PT")
    assert not any("/actuator" in str(e["request"]) for e in client.get("/actuator/httpexchanges").json()["exchanges"])
    traces = client.get("/actuator/httptrace", headers={"Accept": "application/vnd.spring-boot.actuator.v2+json"})
    assert isinstance(traces.json()["traces"][0]["timeTaken"], (int, float))


def test_runtime_meters_feed_sba_panels(app: tuple[str, httpx.Client, ServedApp]) -> None:
    _, client, _ = app
    names = set(client.get("/actuator/metrics").json()["names"])
    for name in ("process.uptime", "process.cpu.usage", "system.cpu.count", "jvm.threads.live", "jvm.memory.max"):
        assert name in names
        body = _metric(client, name).json()
        assert isinstance(body["availableTags"], list)
        assert body["measurements"] and body["measurements"][0]["value"] is not None
    heap = _metric(client, "jvm.memory.used", "area:heap")
    assert heap.status_code == 200 and _statistics(heap)["VALUE"] > 0
    assert "jvm.gc.pause" in names or _gc_happens(client)


def _gc_happens(client: httpx.Client) -> bool:
    import gc

    gc.collect()
    return "jvm.gc.pause" in client.get("/actuator/metrics").json()["names"]


def test_user_instruments_show_up(app: tuple[str, httpx.Client, ServedApp]) -> None:
    _, client, running = app
    meter = running.telemetry.meter_provider.get_meter("orders")
    counter = meter.create_counter("orders.placed", unit="{order}", description="Orders placed")
    histogram = meter.create_histogram("order.value", unit="By")
    for value in (10, 30, 20):
        counter.add(1, {"region": "eu"})
        histogram.record(value, {"region": "eu"})
    counter.add(4, {"region": "us"})
    assert _statistics(_metric(client, "orders.placed")) == {"COUNT": 7.0}
    assert _statistics(_metric(client, "orders.placed", "region:eu")) == {"COUNT": 3.0}
    assert _metric(client, "orders.placed").json()["description"] == "Orders placed"
    assert _metric(client, "order.value").json()["baseUnit"] == "bytes"
    assert _statistics(_metric(client, "order.value")) == {"COUNT": 3.0, "TOTAL": 60.0, "MAX": 30.0}


def test_log_lines_carry_trace_ids(app: tuple[str, httpx.Client, ServedApp]) -> None:
    framework, client, running = app
    from opentelemetry.instrumentation.logging.handler import LoggingHandler

    logger = logging.getLogger(f"bridge_http_test.{framework}")
    logger.setLevel(logging.INFO)
    handler = LoggingHandler(logger_provider=running.telemetry.logger_provider)
    logger.addHandler(handler)
    try:
        tracer = running.telemetry.tracer_provider.get_tracer("bridge_http_test")
        with tracer.start_as_current_span("work") as span:
            logger.info("processing order 17")
            trace_id = format(span.get_span_context().trace_id, "032x")
    finally:
        logger.removeHandler(handler)
    text = client.get("/actuator/logfile").text
    line = next(line for line in text.splitlines() if "processing order 17" in line)
    assert trace_id in line
    assert " INFO " in line
