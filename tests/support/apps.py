"""Small FastAPI and Flask apps with the actuator mounted, served for real by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from otel_actuator import Actuator, Settings
from otel_actuator.bridge import Bridge
from tests.support.servers import serve_asgi, serve_wsgi

FRAMEWORKS = ("fastapi", "flask")


class Telemetry:
    """Fresh OpenTelemetry providers for one app, feeding a fresh bridge (no globals touched)."""

    def __init__(self, settings: Settings) -> None:
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider

        resource = Resource.create({"service.name": "items-service"})
        self.bridge = Bridge(settings)
        self.tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        self.bridge.add_to_tracer_provider(self.tracer_provider)
        self.meter_provider = MeterProvider(
            resource=resource, metric_readers=[self.bridge.metric_reader], shutdown_on_exit=False
        )
        self.bridge.add_to_meter_provider(self.meter_provider)
        self.logger_provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
        self.bridge.add_to_logger_provider(self.logger_provider)

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()
        self.logger_provider.shutdown()


@dataclass
class ServedApp:
    url: str
    actuator: Actuator
    telemetry: Telemetry


def bridged_actuator(settings: Settings) -> tuple[Actuator, Telemetry]:
    """A new actuator fed by a bridge over fresh providers, so that every endpoint has its data source."""
    telemetry = Telemetry(settings)
    actuator = Actuator(settings)
    telemetry.bridge.attach(actuator)
    return actuator, telemetry


def _instrumented(app: Any, settings: Settings, instrumentor: Any, mount: Any) -> tuple[Any, Actuator, Telemetry]:
    """Instrument ``app`` with the providers of a bridged actuator and mount that actuator."""
    actuator, telemetry = bridged_actuator(settings)
    instrumentor.instrument_app(app, tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider)
    return app, mount(app, actuator), telemetry


def fastapi_app(settings: Settings) -> tuple[Any, Actuator, Telemetry]:
    from fastapi import FastAPI
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    from otel_actuator.web.fastapi import mount_fastapi

    app = FastAPI()

    @app.get("/items/{item_id}")
    def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return _instrumented(app, settings, FastAPIInstrumentor, mount_fastapi)


def flask_app(settings: Settings) -> tuple[Any, Actuator, Telemetry]:
    from flask import Flask
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    from otel_actuator.web.flask import mount_flask

    app = Flask("items")

    @app.get("/items/<int:item_id>")
    def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return _instrumented(app, settings, FlaskInstrumentor, mount_flask)


@contextmanager
def served_app(framework: str, settings: Settings) -> Iterator[ServedApp]:
    """The app running on a real server (uvicorn for FastAPI, werkzeug for Flask), with its telemetry."""
    build = fastapi_app if framework == "fastapi" else flask_app
    serve = serve_asgi if framework == "fastapi" else serve_wsgi
    app, actuator, telemetry = build(settings)
    try:
        with serve(app) as url:
            yield ServedApp(url, actuator, telemetry)
    finally:
        telemetry.shutdown()


@contextmanager
def served(framework: str, settings: Settings) -> Iterator[tuple[str, Actuator]]:
    """Yields (base URL of the app, its actuator) with the app running on a real server."""
    with served_app(framework, settings) as running:
        yield running.url, running.actuator
