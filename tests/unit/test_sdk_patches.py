"""The private OpenTelemetry names ``otel_actuator.auto.sdk_patches`` relies on, and what each patch does.

The first group fails, naming the attribute and the installed version, when a release of the SDK or of a
contrib instrumentation moves a name: ``sdk_patches`` then falls back to the SDK's default (with one
INFO line), and the patch has to follow the new name or go. The second group shows each patch's effect through the
decisions ``otel_actuator.auto.hooks`` makes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import types
from importlib import metadata
from typing import Any, Union

import fastapi
import httpx
import pytest
from flask import Flask
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.metrics import ExemplarFilter, MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from otel_actuator.auto import hooks, sdk_patches
from otel_actuator.bridge import ActuatorSpanExporter, Bridge
from otel_actuator.settings import Settings

_ABSENT = object()
_LOCK_TYPE = type(threading.Lock())


def _private(owner: object, name: str, expected: Union[type, tuple[type, ...]], distribution: str) -> Any:
    """``owner.name``, failing loudly when the installed ``distribution`` no longer has it as ``expected``."""
    value = getattr(owner, name, _ABSENT)
    if not isinstance(value, expected):
        found = "is gone" if value is _ABSENT else f"is a {type(value).__qualname__}"
        owner_name = owner.__qualname__ if isinstance(owner, type) else type(owner).__qualname__
        pytest.fail(
            f"{distribution} {metadata.version(distribution)}: {owner_name}.{name} {found}, expected {expected}; "
            "otel_actuator/auto/sdk_patches.py relies on it and now leaves the SDK's default in place",
            pytrace=False,
        )
    return value


# -- the private names, on the installed versions ------------------------------------------------------


def test_tracer_provider_keeps_its_processors_in_a_locked_tuple() -> None:
    provider = TracerProvider()
    multi = _private(provider, "_active_span_processor", object, sdk_patches.SDK)
    _private(multi, "_lock", _LOCK_TYPE, sdk_patches.SDK)
    processor = SimpleSpanProcessor(InMemorySpanExporter())
    provider.add_span_processor(processor)
    processors = _private(multi, "_span_processors", tuple, sdk_patches.SDK)
    assert processors == (processor,), "add_span_processor no longer appends to _active_span_processor"


def test_meter_provider_keeps_its_exemplar_filter_in_its_configuration() -> None:
    config = _private(MeterProvider(), "_sdk_config", object, sdk_patches.SDK)
    _private(config, "exemplar_filter", ExemplarFilter, sdk_patches.SDK)


def test_meter_provider_registers_a_reader_by_setting_its_collect_callback() -> None:
    reader = InMemoryMetricReader()
    assert _private(reader, "_collect", type(None), sdk_patches.SDK) is None
    assert not sdk_patches.reader_is_registered(reader)
    provider = MeterProvider(metric_readers=[reader])
    assert callable(_private(reader, "_collect", object, sdk_patches.SDK))
    assert sdk_patches.reader_is_registered(reader)
    provider.shutdown()


def test_fastapi_instrumentor_keeps_the_keyword_arguments_of_new_apps_on_its_subclass() -> None:
    import opentelemetry.instrumentation.fastapi as module

    subclass = _private(module, "_InstrumentedFastAPI", type, sdk_patches.FASTAPI_INSTRUMENTATION)
    assert issubclass(subclass, fastapi.FastAPI)
    _private(subclass, "_instrument_kwargs", dict, sdk_patches.FASTAPI_INSTRUMENTATION)


def test_instrumentations_flag_the_apps_they_instrumented() -> None:
    fastapi_app, flask_app = fastapi.FastAPI(), Flask(__name__)
    assert not sdk_patches.is_instrumented(fastapi_app) and not sdk_patches.is_instrumented(flask_app)
    FastAPIInstrumentor.instrument_app(fastapi_app, tracer_provider=TracerProvider())
    FlaskInstrumentor.instrument_app(flask_app, tracer_provider=TracerProvider())  # type: ignore[no-untyped-call]
    _private(fastapi_app, "_is_instrumented_by_opentelemetry", bool, sdk_patches.FASTAPI_INSTRUMENTATION)
    _private(flask_app, "_is_instrumented_by_opentelemetry", bool, "opentelemetry-instrumentation-flask")
    assert sdk_patches.is_instrumented(fastapi_app) and sdk_patches.is_instrumented(flask_app)


# -- what each patch does ------------------------------------------------------------------------------


def _item_app() -> fastapi.FastAPI:
    app = fastapi.FastAPI()  # the instrumentor's subclass while FastAPIInstrumentor().instrument() is active

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return app


def _get(app: fastapi.FastAPI, path: str) -> None:
    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            assert (await client.get(path)).status_code == 200

    asyncio.run(run())


def test_spans_reach_the_bridge_synchronously_instead_of_through_the_batch_processor() -> None:
    bridge = Bridge(Settings())
    provider = TracerProvider()
    before, after = SimpleSpanProcessor(InMemorySpanExporter()), SimpleSpanProcessor(InMemorySpanExporter())
    batch = BatchSpanProcessor(ActuatorSpanExporter(bridge.recorder))
    foreign = BatchSpanProcessor(ActuatorSpanExporter(Bridge(Settings()).recorder))  # another bridge's: kept
    for processor in (before, batch, foreign, after):
        provider.add_span_processor(processor)

    hooks.record_spans_synchronously(provider, bridge)

    assert provider._active_span_processor._span_processors == (before, bridge.span_processor, foreign, after)
    app = _item_app()
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    _get(app, "/items/3")
    assert [e.uri for e in bridge.recorder.exchanges()] == ["http://testserver/items/3"], "recorded without a flush"
    provider.shutdown()


def test_a_provider_without_the_private_tuple_is_left_alone_and_the_log_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sdk_patches, "_noted", set())
    stand_in: Any = types.SimpleNamespace()  # what a TracerProvider of a release that moved the tuple looks like
    with caplog.at_level(logging.INFO, logger="otel_actuator"):
        removed = sdk_patches.replace_span_processors(
            stand_in, lambda p: True, SimpleSpanProcessor(InMemorySpanExporter())
        )
    assert removed == []
    assert vars(stand_in) == {}
    [note] = caplog.messages
    assert f"{sdk_patches.SDK} {metadata.version(sdk_patches.SDK)} has no TracerProvider._active_span_processor" in note


@pytest.mark.parametrize(("exporters", "skipped"), [("actuator", True), ("otlp,actuator", False)])
def test_asgi_send_and_receive_spans_are_skipped_only_when_the_actuator_alone_reads_traces(
    monkeypatch: pytest.MonkeyPatch, exporters: str, skipped: bool
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", exporters)
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    instrumentor = FastAPIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        hooks.skip_asgi_internal_spans()
        _get(_item_app(), "/items/4")
    finally:
        instrumentor.uninstrument()
    kinds = [s.kind for s in spans.get_finished_spans()]
    assert kinds.count(SpanKind.SERVER) == 1
    assert (SpanKind.INTERNAL not in kinds) is skipped, kinds


def test_an_explicit_exclude_spans_argument_is_kept() -> None:
    import opentelemetry.instrumentation.fastapi as module

    instrumentor = FastAPIInstrumentor()
    instrumentor.instrument(tracer_provider=TracerProvider(), exclude_spans=["send"])
    try:
        assert not sdk_patches.set_fastapi_instrument_default("exclude_spans", ["receive", "send"])
        assert module._InstrumentedFastAPI._instrument_kwargs["exclude_spans"] == ["send"]
    finally:
        instrumentor.uninstrument()


def _exemplars_of_a_measurement_in_a_sampled_span(meter_provider: MeterProvider, reader: InMemoryMetricReader) -> int:
    histogram = meter_provider.get_meter("test").create_histogram("duration")
    with TracerProvider().get_tracer("test").start_as_current_span("request"):
        histogram.record(1.5)
    data = reader.get_metrics_data()
    assert data is not None
    [point] = data.resource_metrics[0].scope_metrics[0].metrics[0].data.data_points
    assert isinstance(point, HistogramDataPoint)
    return len(point.exemplars)


@pytest.mark.parametrize(
    ("environment", "exemplars"),
    [
        ({"OTEL_METRICS_EXPORTER": "actuator"}, 0),
        ({"OTEL_METRICS_EXPORTER": "otlp,actuator"}, 1),
        ({"OTEL_METRICS_EXPORTER": "actuator", "OTEL_METRICS_EXEMPLAR_FILTER": "trace_based"}, 1),
    ],
)
def test_exemplars_are_switched_off_only_when_nothing_would_read_them(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], exemplars: int
) -> None:
    monkeypatch.delenv("OTEL_METRICS_EXEMPLAR_FILTER", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])

    hooks.skip_unread_exemplars(meter_provider)

    assert _exemplars_of_a_measurement_in_a_sampled_span(meter_provider, reader) == exemplars
    meter_provider.shutdown()
