"""OpenTelemetry behind a Pyctuator application: providers, the bridge, and the app's instrumentation.

When the process already runs under ``opentelemetry-instrument`` (the zero-code wiring made the default
bridge), that bridge and the global providers serve as they are. Otherwise each signal uses the global SDK
provider when the application installed one, and a private provider when not; private providers are
never made global, so the application's own OpenTelemetry choices stay untouched.

Logs need no provider: the log file is fed by a logging handler on the root logger, as Pyctuator's was
(or by the zero-code bridge when OpenTelemetry logs reach it).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from otel_actuator.auto.sdk_patches import is_instrumented
from otel_actuator.bridge import Bridge, current_bridge
from otel_actuator.settings import Settings

_logger = logging.getLogger("otel_actuator")

FASTAPI = "fastapi"
FLASK = "flask"
AIOHTTP = "aiohttp"
TORNADO = "tornado"
#: The contrib package instrumenting each framework, for the message when it is missing.
_INSTRUMENTATIONS = {AIOHTTP: "aiohttp-server"}

#: Pyctuator recorded every request and response header in httptrace (secrets masked): OpenTelemetry
#: captures none unless asked. The exchange recorder masks Authorization, Cookie and secret-looking names.
CAPTURED_HEADERS = {
    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": ".*",
    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE": ".*",
}


@dataclass(frozen=True)
class Telemetry:
    bridge: Bridge
    tracer_provider: trace.TracerProvider
    meter_provider: metrics.MeterProvider
    #: Providers built here (not global); the application holds no other reference to them.
    private: tuple[Any, ...] = ()


def telemetry_for(settings: Settings) -> Telemetry:
    shared = current_bridge()
    if shared is not None:
        return Telemetry(shared, trace.get_tracer_provider(), metrics.get_meter_provider())
    bridge = Bridge(settings)
    resource = Resource.create({"service.name": settings.service_name})
    private: list[Any] = []
    tracer_provider = trace.get_tracer_provider()
    if not isinstance(tracer_provider, TracerProvider):
        tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        private.append(tracer_provider)
    bridge.add_to_tracer_provider(tracer_provider)
    meter_provider = metrics.get_meter_provider()
    if isinstance(meter_provider, MeterProvider):
        try:
            bridge.add_to_meter_provider(meter_provider)
        except RuntimeError as exc:
            _logger.warning("metrics stay empty: %s", exc)
    else:
        meter_provider = MeterProvider(resource=resource, metric_readers=[bridge.metric_reader], shutdown_on_exit=False)
        bridge.install_runtime_meters(meter_provider)
        private.append(meter_provider)
    return Telemetry(bridge, tracer_provider, meter_provider, tuple(private))


def instrument(app: Any, framework: str, telemetry: Telemetry) -> bool:
    """Instrument ``app`` with the telemetry's providers unless it already is; False when it cannot be."""
    if is_instrumented(app):
        return True
    for name, value in CAPTURED_HEADERS.items():
        os.environ.setdefault(name, value)
    tracer_provider, meter_provider = telemetry.tracer_provider, telemetry.meter_provider
    try:
        if framework == FASTAPI:
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

            FastAPIInstrumentor.instrument_app(app, tracer_provider=tracer_provider, meter_provider=meter_provider)
        elif framework == FLASK:
            from opentelemetry.instrumentation.flask import FlaskInstrumentor

            FlaskInstrumentor.instrument_app(  # type: ignore[no-untyped-call]
                app, tracer_provider=tracer_provider, meter_provider=meter_provider
            )
        elif framework == AIOHTTP:
            _instrument_aiohttp(app, tracer_provider)
        else:
            from opentelemetry.instrumentation.tornado import TornadoInstrumentor

            instrumentor = TornadoInstrumentor()  # type: ignore[no-untyped-call]
            if instrumentor.is_instrumented_by_opentelemetry:
                # It instruments the process, bound to one pair of providers: the latest Pyctuator's.
                instrumentor.uninstrument()
            instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    except ImportError:
        package = _INSTRUMENTATIONS.get(framework, framework)
        _logger.warning(
            "opentelemetry-instrumentation-%s is not installed (pip install 'otel-actuator[%s]'): "
            "http.server.requests and the HTTP exchanges stay empty",
            package,
            framework,
        )
        return False
    return True


def _instrument_aiohttp(app: Any, tracer_provider: trace.TracerProvider) -> None:
    """The aiohttp-server middleware on this app; its metrics go to the global meter provider (it takes no other)."""
    from opentelemetry.instrumentation import aiohttp_server

    # Its old-convention duration metric has no route at all (the mode is fixed by the first instrumentor).
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    instrumentor = aiohttp_server.AioHttpServerInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=tracer_provider)
    # An app built after the first instrumentation has its middleware already, bound to the global provider.
    for middleware in [m for m in app.middlewares if getattr(m, "__module__", "") == aiohttp_server.__name__]:
        app.middlewares.remove(middleware)
    app.middlewares.insert(0, aiohttp_server.create_aiohttp_middleware(tracer_provider=tracer_provider))
