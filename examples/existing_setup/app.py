"""A FastAPI service that sets up OpenTelemetry itself, with the actuator added next to its own exporters.

This is the way in for an application that already builds its ``TracerProvider``, ``MeterProvider`` and
``LoggerProvider`` (no ``opentelemetry-instrument``): ``connect()`` makes the bridge one more span
processor, metric reader and log processor on those providers, and the actuator reads the bridge.

Run it with ``python examples/existing_setup/app.py`` (port ``$PORT``, default 8000). The application's
own exporters are chosen with ``EXPORT_TELEMETRY``: ``otlp`` sends everything to the collector at
``OTEL_EXPORTER_OTLP_ENDPOINT`` (needs ``pip install opentelemetry-exporter-otlp-proto-http``),
``console`` prints it, and anything else exports nothing but the actuator's view.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
from dataclasses import dataclass, field
from types import FrameType
from typing import Optional

from fastapi import FastAPI, HTTPException
from opentelemetry import _logs, metrics, trace
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from pydantic import BaseModel

from otel_actuator import Settings, connect, mount_fastapi

logger = logging.getLogger("user_service")
logger.setLevel(logging.INFO)


@dataclass
class Exporters:
    spans: list[SpanExporter] = field(default_factory=list)
    metrics: list[MetricReader] = field(default_factory=list)
    logs: list[LogRecordExporter] = field(default_factory=list)


def own_exporters() -> Exporters:
    """What the application exported before the actuator came along."""
    choice = os.environ.get("EXPORT_TELEMETRY", "")
    if choice == "otlp":
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return Exporters(
            [OTLPSpanExporter()], [PeriodicExportingMetricReader(OTLPMetricExporter())], [OTLPLogExporter()]
        )
    if choice == "console":
        from opentelemetry.sdk._logs.export import ConsoleLogRecordExporter
        from opentelemetry.sdk.metrics.export import ConsoleMetricExporter
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return Exporters(
            [ConsoleSpanExporter()],
            [PeriodicExportingMetricReader(ConsoleMetricExporter())],
            [ConsoleLogRecordExporter()],
        )
    return Exporters()


def set_up_telemetry() -> None:
    """The application's own providers (service.name comes from OTEL_SERVICE_NAME), set globally."""
    resource = Resource.create()
    exporters = own_exporters()

    tracer_provider = TracerProvider(resource=resource)
    for span_exporter in exporters.spans:
        tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    meter_provider = MeterProvider(resource=resource, metric_readers=exporters.metrics)

    logger_provider = LoggerProvider(resource=resource)
    for log_exporter in exporters.logs:
        logger_provider.add_log_record_processor(BatchLogRecordProcessor(log_exporter))

    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    _logs.set_logger_provider(logger_provider)
    logging.getLogger().addHandler(LoggingHandler(logger_provider=logger_provider))


class NewUser(BaseModel):
    name: str
    email: str


class User(NewUser):
    id: int


def create_app() -> FastAPI:
    set_up_telemetry()
    # The bridge joins the providers above before any instrument exists, so it counts from the start.
    connect(Settings.from_env())

    app = FastAPI(title="user-service")
    mount_fastapi(app)  # instruments the app with the contrib FastAPI instrumentation, on the global providers

    users: dict[int, User] = {}
    ids = itertools.count(1)

    @app.post("/users", status_code=201)
    def create_user(new: NewUser) -> User:
        user = User(id=next(ids), **new.model_dump())
        users[user.id] = user
        logger.info("created user %s", user.name)
        return user

    @app.get("/users/{id}")
    def get_user(id: int) -> User:
        user = users.get(id)
        if user is None:
            raise HTTPException(status_code=404, detail=f"user {id} not found")
        return user

    return app


app = create_app()


def _exit_cleanly(signum: int, frame: Optional[FrameType]) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    import uvicorn

    # uvicorn re-raises SIGTERM after its graceful shutdown; exiting through SystemExit instead of the
    # default kill lets atexit shut the providers down, which flushes the exporters' last batches.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    logging.basicConfig(level=logging.INFO)
    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8000")))
