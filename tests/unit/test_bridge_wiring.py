"""Plugging a Bridge into user-built providers and an Actuator, and the zero-code (zero-argument) path."""

from __future__ import annotations

from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue

from otel_actuator.actuator import Actuator
from otel_actuator.bridge import Bridge
from otel_actuator.settings import Settings
from otel_actuator.sources.logs import LogTail
from tests.support.launch import python_json

SETTINGS = Settings(metrics_cache_ttl=0)


def test_attach_points_every_source_at_the_bridge() -> None:
    bridge = Bridge(SETTINGS)
    actuator = Actuator(SETTINGS, resource_attributes={"service.name": "given"})
    tracer_provider = TracerProvider(resource=Resource.create({"service.name": "ignored", "team": "core"}))
    bridge.add_to_tracer_provider(tracer_provider)
    bridge.add_to_logger_provider(LoggerProvider())

    bridge.attach(actuator)

    assert actuator.meters is bridge.metric_reader
    assert actuator.prometheus is bridge.prometheus
    assert actuator.exchanges is bridge.recorder
    assert actuator.logs is bridge.log_tail
    assert actuator.resource_attributes["service.name"] == "given"
    assert actuator.resource_attributes["team"] == "core"


def _logging_bridge() -> Bridge:
    bridge = Bridge(SETTINGS)
    bridge.add_to_logger_provider(LoggerProvider())
    return bridge


def test_attach_keeps_a_configured_log_file_or_log_source() -> None:
    with_file = Actuator(Settings(logfile_path="/var/log/app.log"))
    _logging_bridge().attach(with_file)
    assert with_file.logs is None

    own_tail = LogTail(100)
    with_tail = Actuator(SETTINGS, logs=own_tail)
    _logging_bridge().attach(with_tail)
    assert with_tail.logs is own_tail


def test_an_unfed_log_tail_is_not_offered_as_the_log() -> None:
    actuator = Actuator(SETTINGS)
    Bridge(SETTINGS).attach(actuator)  # no OpenTelemetry logs reach this bridge
    assert actuator.logs is None


def test_one_call_helpers_feed_the_stores() -> None:
    bridge = Bridge(SETTINGS)
    tracer_provider, meter_provider, logger_provider = TracerProvider(), MeterProvider(), LoggerProvider()
    bridge.add_to_tracer_provider(tracer_provider)
    bridge.add_to_meter_provider(meter_provider)
    bridge.add_to_meter_provider(meter_provider)  # a second call changes nothing
    bridge.add_to_logger_provider(logger_provider)

    attributes: dict[str, AttributeValue] = {
        "http.request.method": "GET",
        "url.path": "/x",
        "http.response.status_code": 200,
    }
    tracer = tracer_provider.get_tracer("opentelemetry.instrumentation.asgi")
    with tracer.start_as_current_span("GET", kind=SpanKind.SERVER, attributes=attributes):
        logger_provider.get_logger("app").emit(body="handled")
    meter_provider.get_meter("app").create_counter("handled").add(1)

    assert [e.uri for e in bridge.recorder.exchanges()] == ["/x"]  # no host recorded: the path alone
    assert "handled" in bridge.metric_reader.meter_names()
    assert len(bridge.metric_reader.meters("process.uptime")) == 1
    assert "handled [" in bridge.log_tail.read(0, bridge.log_tail.size()).decode()


def test_a_reader_passed_to_the_constructor_is_not_added_twice() -> None:
    bridge = Bridge(SETTINGS)
    provider = MeterProvider(metric_readers=[bridge.metric_reader])
    bridge.add_to_meter_provider(provider)
    provider.get_meter("app").create_counter("once").add(1)
    [meter] = bridge.metric_reader.meters("once")
    assert meter.measurements == {"COUNT": 1.0}


ZERO_CODE = r"""
import asyncio, json, logging
import httpx
from fastapi import FastAPI
from opentelemetry import metrics, trace, _logs
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from otel_actuator.actuator import Actuator
from otel_actuator.bridge import ActuatorLogExporter, ActuatorSpanExporter, DefaultBridgeMetricReader
from otel_actuator.bridge import current_bridge, default_bridge

# What the SDK configurator does for OTEL_{TRACES,METRICS,LOGS}_EXPORTER=actuator, in its order.
assert current_bridge() is None
tracer_provider = TracerProvider()
tracer_provider.add_span_processor(BatchSpanProcessor(ActuatorSpanExporter()))
trace.set_tracer_provider(tracer_provider)
meter_provider = MeterProvider(metric_readers=[DefaultBridgeMetricReader()])
metrics.set_meter_provider(meter_provider)
logger_provider = LoggerProvider()
logger_provider.add_log_record_processor(BatchLogRecordProcessor(ActuatorLogExporter()))
_logs.set_logger_provider(logger_provider)

app = FastAPI()

@app.get("/items/{item_id}")
def item(item_id: int):
    logging.getLogger("shop").warning("item %s", item_id)
    return {"id": item_id}

FastAPIInstrumentor.instrument_app(app)
logging.getLogger("shop").addHandler(LoggingHandler(logger_provider=logger_provider))

async def run():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await client.get("/items/5")

asyncio.run(run())
tracer_provider.force_flush()
logger_provider.force_flush()

bridge = current_bridge()
actuator = Actuator()
bridge.attach(actuator)
log = actuator.logs.read(0, actuator.logs.size()).decode()
print(json.dumps({
    "same": bridge is default_bridge(),
    "reader_registered": bridge.metric_reader.is_registered,
    "exchanges": [e.uri for e in actuator.exchanges.exchanges()],
    "requests": [m.measurements["COUNT"] for m in actuator.meters.meters("http.server.requests")],
    "log": log,
    "service": actuator.resource_attributes.get("service.name"),
}))
"""


def test_zero_argument_entry_points_share_the_default_bridge() -> None:
    out = python_json(ZERO_CODE, env={"OTEL_SERVICE_NAME": "shop", "OTEL_ACTUATOR_METRICS_CACHE_TTL": "0"})
    assert out["same"] and out["reader_registered"]
    assert out["exchanges"] == ["http://testserver/items/5"]
    assert out["requests"] == [1.0]
    assert " WARN " in out["log"] and "shop : item 5 [" in out["log"]
    assert out["service"] == "shop"
