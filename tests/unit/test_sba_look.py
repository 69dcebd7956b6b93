"""What SBA shows of a Python app reads as Python and nothing looks broken.

Meter values without float noise, no negative memory maximum, one log line format with Spring's level
names and the real thread, the framework as the mappings group title, native frames placed at their
Python call site without Java's -1 fields, and request-size meters tagged like ``http.server.requests``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider

from otel_actuator.actuator import Actuator
from otel_actuator.bridge import ActuatorLogExporter, ActuatorMetricReader, Bridge, runtime
from otel_actuator.bridge.logs import name_threads
from otel_actuator.core.http import Request
from otel_actuator.core.negotiation import V3_JSON
from otel_actuator.endpoints.metrics import describe
from otel_actuator.settings import Settings
from otel_actuator.sources import Meter
from otel_actuator.sources.logs import LogTail, LogTailHandler
from otel_actuator.web.fastapi import fastapi_mappings
from otel_actuator.web.flask import flask_mappings
from tests.support.polling import eventually

FRESH = Settings(metrics_cache_ttl=0)
PATTERN = FRESH.logfile_pattern

# ---- meter values -------------------------------------------------------------------------------


def test_summed_seconds_lose_their_float_noise() -> None:
    # A timer's TOTAL_TIME summed over series: 1.3729999999999998 unrounded.
    parts = [0.1, 0.7, 0.573]
    meters = [Meter("t", {"uri": str(n)}, {"COUNT": 1.0, "TOTAL_TIME": part}) for n, part in enumerate(parts)]
    assert sum(parts) != 1.373
    body = describe("t", meters, [])
    assert body is not None
    assert {m["statistic"]: m["value"] for m in body["measurements"]} == {"COUNT": 3.0, "TOTAL_TIME": 1.373}


def test_whole_numbers_stay_exact() -> None:
    big = float(2**50 + 1)
    body = describe("bytes", [Meter("bytes", {}, {"VALUE": big})], [])
    assert body is not None and body["measurements"] == [{"statistic": "VALUE", "value": big}]


# ---- jvm.memory.max -------------------------------------------------------------------------------


def _memory_max(reader: ActuatorMetricReader, area: str) -> Any:
    return describe("jvm.memory.max", reader.meters("jvm.memory.max"), [("area", area)])


def test_memory_max_is_never_negative() -> None:
    reader = ActuatorMetricReader(FRESH)
    runtime.install_runtime_meters(MeterProvider(metric_readers=[reader]))
    for area in ("heap", "nonheap"):
        body = _memory_max(reader, area)
        assert body is not None, area
        assert body["measurements"][0]["value"] > 0


def test_no_memory_max_when_no_limit_is_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "_memory_limit", lambda: -1)
    reader = ActuatorMetricReader(FRESH)
    runtime.install_runtime_meters(MeterProvider(metric_readers=[reader]))
    assert _memory_max(reader, "heap") is None
    assert _memory_max(reader, "nonheap") is None


# ---- log lines ----------------------------------------------------------------------------------


@pytest.fixture
def both_paths() -> Iterator[tuple[logging.Logger, LogTail, LogTail, LoggerProvider]]:
    """One logger feeding the log tail directly (in code, no OTel) and through OTel's batch export (zero code)."""
    from opentelemetry.instrumentation.logging.handler import LoggingHandler

    direct, exported = LogTail(100_000), LogTail(100_000)
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(BatchLogRecordProcessor(ActuatorLogExporter(exported, FRESH)))
    logger = logging.getLogger("shop.orders")
    logger.propagate, logger.level = False, logging.DEBUG
    handlers = [LogTailHandler(direct, PATTERN), LoggingHandler(logger_provider=provider)]
    for handler in handlers:
        logger.addHandler(handler)
    name_threads(logger)
    try:
        yield logger, direct, exported, provider
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
        provider.shutdown()


def _without_time(tail: LogTail) -> list[str]:
    text = tail.read(0, tail.size()).decode()
    return [re.sub(r"^\S+ \S+ ", "", line) for line in text.splitlines()]


def test_both_paths_write_the_same_line_with_thread_and_spring_level(
    both_paths: tuple[logging.Logger, LogTail, LogTail, LoggerProvider],
) -> None:
    logger, direct, exported, provider = both_paths

    def work() -> None:
        logger.warning("low stock")
        logger.error("payment refused")
        logger.info("shipped")
        logger.debug("details")

    worker = threading.Thread(target=work, name="order-worker")
    worker.start()
    worker.join()
    provider.force_flush()

    def exported_lines() -> list[str]:
        lines = _without_time(exported)
        return lines if len(lines) == 4 else []

    lines = eventually(exported_lines, what="the export")
    levels = [line.split()[0] for line in lines]
    assert levels == ["WARN", "ERROR", "INFO", "DEBUG"]
    assert all(" --- [order-worker] shop.orders : " in line for line in lines), lines
    assert lines == _without_time(direct)


def test_the_thread_name_reaches_the_exporter_as_an_attribute(
    both_paths: tuple[logging.Logger, LogTail, LogTail, LoggerProvider],
) -> None:
    logger, *_ = both_paths
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keeper = Keep()
    logger.addHandler(keeper)
    try:
        logger.warning("low stock")
    finally:
        logger.removeHandler(keeper)
    # The filter sits on OpenTelemetry's handler and runs before later handlers see the shared record.
    assert records[0].__dict__["thread.name"] == threading.current_thread().name


# ---- mappings -----------------------------------------------------------------------------------


def _mapping_groups(actuator: Actuator) -> dict[str, Any]:
    body = json.loads(actuator.dispatcher.handle(Request("GET", "/mappings", "http://t/actuator")).body)
    (context,) = body["contexts"].values()
    groups: dict[str, Any] = context["mappings"]["dispatcherServlets"]
    return groups


def test_mappings_are_titled_with_the_framework() -> None:
    from flask import Flask

    fastapi_app, flask_app = FastAPI(), Flask("shop")
    fastapi_app.get("/users/{user_id}")(lambda user_id: user_id)
    flask_app.get("/users/<int:user_id>")(lambda user_id: str(user_id))
    for provider, title in (
        (lambda: fastapi_mappings(fastapi_app.routes), "FastAPI"),
        (lambda: flask_mappings(flask_app), "Flask"),
    ):
        actuator = Actuator(Settings(exposure_include=("mappings",)))
        actuator.mappings_provider = provider
        groups = _mapping_groups(actuator)
        assert list(groups) == [title]
        assert "dispatcherServlet" not in groups


# ---- threaddump ---------------------------------------------------------------------------------


def _sba_frame(frame: dict[str, Any]) -> str:
    """How SBA's thread details print a stack element."""
    return f"{frame['className']}.{frame['methodName']}({frame['fileName']}:{frame['lineNumber']})"


def test_a_sleeping_thread_reads_as_python_in_sba() -> None:
    release, started = threading.Event(), threading.Event()

    def sleep_until_released() -> None:
        started.set()
        while not release.is_set():
            time.sleep(0.01)

    thread = threading.Thread(target=sleep_until_released, name="look-sleeper", daemon=True)
    thread.start()
    started.wait()
    actuator = Actuator(Settings(exposure_include=("threaddump",)))
    try:

        def sleeping() -> Any:
            response = actuator.dispatcher.handle(
                Request("GET", "/threaddump", "http://t/actuator", headers={"accept": V3_JSON})
            )
            info = next(t for t in json.loads(response.body)["threads"] if t["threadName"] == "look-sleeper")
            return info if info["stackTrace"] and info["stackTrace"][0]["nativeMethod"] else None

        info = eventually(sleeping, what="the sleeper in time.sleep")
    finally:
        release.set()
        thread.join()
    top, caller = info["stackTrace"][:2]
    assert _sba_frame(top) == f"time.sleep(test_sba_look.py:{caller['lineNumber']})"
    assert caller["methodName"] == "sleep_until_released"
    assert "Native Method" not in json.dumps(info)
    # Fields SBA prints as they are: no Java -1 for what Python does not measure.
    assert not {"lockOwnerId", "blockedTime", "waitedTime", "lockName"} & set(info), info
    assert all(frame["lineNumber"] >= 0 for frame in info["stackTrace"])


# ---- request and response sizes -----------------------------------------------------------------


def test_size_meters_carry_the_request_timers_tags() -> None:
    bridge = Bridge(FRESH)
    provider = MeterProvider(metric_readers=[bridge.metric_reader], shutdown_on_exit=False)
    app = FastAPI()

    @app.post("/users/{user_id}")
    def update(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    FastAPIInstrumentor.instrument_app(app, meter_provider=provider, exclude_spans=["receive", "send"])

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://evil.example:8080") as client:
            for user_id in range(3):
                await client.post(f"/users/{user_id}?token=t{user_id}", content=b"x" * 10)

    try:
        asyncio.run(run())
        reader = bridge.metric_reader
        timer_tags = {tuple(sorted(m.tags)) for m in reader.meters("http.server.requests")}
        assert timer_tags == {("error", "method", "outcome", "status", "uri")}
        sizes = [n for n in reader.meter_names() if n.startswith("http.server.") and "size" in n]
        assert sizes, reader.meter_names()
        for name in sizes:
            meters = reader.meters(name)
            assert [m.tags for m in meters] == [
                {"error": "none", "method": "POST", "outcome": "SUCCESS", "status": "200", "uri": "/users/{user_id}"}
            ], name
    finally:
        FastAPIInstrumentor.uninstrument_app(app)
        provider.shutdown()
