"""One call from no OpenTelemetry (or the user's own providers) to an actuator with every signal.

:func:`connect` puts the bridge into the tracer, meter and logger providers: the ones passed in, else
the global SDK ones the application already set, else new ones it sets globally. A user's providers keep
their own processors and exporters; the bridge is one more. Creating providers only where none exist
means a service that later adds OTLP export changes nothing here.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from typing import Optional

from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk.environment_variables import OTEL_METRICS_EXEMPLAR_FILTER
from opentelemetry.sdk.metrics import AlwaysOffExemplarFilter, ExemplarFilter, MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from otel_actuator.bridge.wiring import Bridge, current_bridge, use_as_default
from otel_actuator.settings import Settings

_logger = logging.getLogger("otel_actuator")
_lock = threading.Lock()
#: Bridges already put into a provider, by provider id, so that a second call adds nothing twice.
_wired: set[tuple[int, int]] = set()

#: Contrib instrumentations of client libraries: (instrumentor module, class); each is used when installed.
CLIENT_INSTRUMENTATIONS = (
    ("opentelemetry.instrumentation.redis", "RedisInstrumentor"),
    ("opentelemetry.instrumentation.sqlalchemy", "SQLAlchemyInstrumentor"),
    ("opentelemetry.instrumentation.httpx", "HTTPXClientInstrumentor"),
)


def connect(
    settings: Optional[Settings] = None,
    *,
    tracer_provider: Optional[TracerProvider] = None,
    meter_provider: Optional[MeterProvider] = None,
    logger_provider: Optional[LoggerProvider] = None,
    instrument_clients: bool = True,
) -> Bridge:
    """Wire the process's bridge into the given (or global, or new) providers and return it.

    Mounting afterwards (``mount_fastapi`` and the others) serves what this bridge collects. Calling it again
    returns the same bridge and adds nothing twice.
    """
    with _lock:
        bridge = current_bridge()
        if bridge is None:
            bridge = use_as_default(Bridge(settings or Settings.from_env()))
        resource = Resource.create()
        _wire_tracer(bridge, tracer_provider, resource)
        _wire_meter(bridge, meter_provider, resource)
        _wire_logger(bridge, logger_provider, resource)
    if instrument_clients:
        instrument_installed_clients()
    return bridge


def _once(bridge: Bridge, provider: object) -> bool:
    key = (id(bridge), id(provider))
    if key in _wired:
        return False
    _wired.add(key)
    return True


def _wire_tracer(bridge: Bridge, given: Optional[TracerProvider], resource: Resource) -> None:
    provider = given or trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=resource)
        trace.set_tracer_provider(provider)
    if _once(bridge, provider) and not bridge.spans_exported:
        bridge.add_to_tracer_provider(provider)


def _wire_meter(bridge: Bridge, given: Optional[MeterProvider], resource: Resource) -> None:
    provider = given or metrics.get_meter_provider()
    if not isinstance(provider, MeterProvider):
        provider = MeterProvider(
            metric_readers=[bridge.metric_reader], resource=resource, exemplar_filter=_exemplar_filter()
        )
        metrics.set_meter_provider(provider)
    if _once(bridge, provider):
        bridge.add_to_meter_provider(provider)


#: The values of OTEL_METRICS_EXEMPLAR_FILTER the SDK knows.
_EXEMPLAR_FILTERS = ("trace_based", "always_on", "always_off")


def _exemplar_filter() -> Optional[ExemplarFilter]:
    """The filter for a provider only the actuator reads: None lets the SDK read OTEL_METRICS_EXEMPLAR_FILTER.

    Unset, exemplars stay off rather than the SDK's ``trace_based``: they cost about 2 % of a request and
    only the Prometheus page shows them.
    """
    name = os.environ.get(OTEL_METRICS_EXEMPLAR_FILTER, "")
    if name in _EXEMPLAR_FILTERS:
        return None
    if name:
        _logger.warning("unknown %s=%r; exemplars stay off", OTEL_METRICS_EXEMPLAR_FILTER, name)
    return AlwaysOffExemplarFilter()


def _wire_logger(bridge: Bridge, given: Optional[LoggerProvider], resource: Resource) -> None:
    provider = given or _logs.get_logger_provider()
    if not isinstance(provider, LoggerProvider):
        provider = LoggerProvider(resource=resource)
        _logs.set_logger_provider(provider)
    if not _once(bridge, provider):
        return
    if not bridge.log_tail_fed:
        bridge.add_to_logger_provider(provider)
    root = logging.getLogger()
    if not any(type(h).__name__ == "LoggingHandler" for h in root.handlers):
        # Python logging reaches the providers only through this handler (zero code adds it the same way).
        root.addHandler(_logging_handler(provider))


def _logging_handler(provider: LoggerProvider) -> logging.Handler:
    """The contrib logging instrumentation's handler; the SDK's deprecated one where that is not installed."""
    try:
        from opentelemetry.instrumentation.logging.handler import LoggingHandler
    except ImportError:
        import warnings

        from opentelemetry.sdk._logs import LoggingHandler  # type: ignore[assignment]

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return LoggingHandler(level=logging.NOTSET, logger_provider=provider)
    return LoggingHandler(level=logging.NOTSET, logger_provider=provider)


_instrumented: set[str] = set()


def instrument_installed_clients() -> list[str]:
    """Instrument the client libraries whose contrib instrumentation is installed; returns their modules."""
    done: list[str] = []
    for module_name, class_name in CLIENT_INSTRUMENTATIONS:
        if module_name in _instrumented:
            continue
        try:
            instrumentor = getattr(importlib.import_module(module_name), class_name)()
        except ImportError:
            continue
        try:
            if not instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.instrument()
            _instrumented.add(module_name)
            done.append(module_name)
        except Exception:
            _logger.warning("could not instrument with %s.%s", module_name, class_name, exc_info=True)
    return done
