"""The ``opentelemetry_pre_instrument`` and ``opentelemetry_post_instrument`` hooks.

The post hook finishes zero-code wiring once the SDK providers exist.

It runs before the application module is imported and before uvicorn or gunicorn install their own
signal handling. A SIGTERM handler installed now is the one uvicorn re-raises into after its graceful
shutdown, so raising SystemExit there lets atexit run: the OTel providers shut down (flushing the
actuator's exporters) and the SBA registrar deregisters.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING, Optional

from otel_actuator.auto import sdk_patches

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    from otel_actuator.bridge import Bridge

_logger = logging.getLogger("otel_actuator")


#: Headers SBA's HTTP exchanges view shows; OTel captures none unless asked. Users' own settings win.
_CAPTURED_HEADERS = {
    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": "accept,content-type,content-length,user-agent",
    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE": "content-type,content-length",
}


def pre_instrument() -> None:
    """Runs before the instrumentors read their environment (the SDK providers exist already).

    Chooses which headers exchanges carry; the stable HTTP semantic conventions, which cost a request less
    than the old ones (the bridge reads both); and, when the user chose no sampler and only the actuator
    reads traces, the rate-limited sampler, which bounds what recording spans costs under load.
    """
    if _disabled():
        return
    for name, value in _CAPTURED_HEADERS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    if "OTEL_TRACES_SAMPLER" in os.environ or not _only_actuator_exports("OTEL_TRACES_EXPORTER"):
        return
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    from otel_actuator.bridge import sampler

    tracer_provider = trace.get_tracer_provider()
    if not isinstance(tracer_provider, TracerProvider):
        return
    try:
        sampler.install(tracer_provider)
    except Exception:
        _logger.exception("otel-actuator could not install its rate-limited sampler; every trace is recorded")
        return
    # Worker processes that start over (uvicorn --workers) then get it from the SDK configurator.
    os.environ["OTEL_TRACES_SAMPLER"] = sampler.ENTRY_POINT_NAME


def _exit_cleanly(signum: int, frame: Optional[FrameType]) -> None:
    raise SystemExit(0)


def post_instrument() -> None:
    if _disabled():
        return
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        from opentelemetry import metrics

        wire_global_providers()
        name_log_threads()
        skip_asgi_internal_spans()
        skip_unread_exemplars(metrics.get_meter_provider())
    except Exception:
        _logger.exception("otel-actuator could not attach to the OpenTelemetry providers")


def wire_global_providers() -> None:
    """Feed the default bridge from the global SDK providers, whichever exporters were configured.

    Signals whose ``actuator`` exporter is configured are fed by it; the others get the bridge's
    synchronous processor (or reader), so the actuator always has spans, metrics and logs.
    """
    from opentelemetry import _logs, metrics, trace
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider

    from otel_actuator.bridge import default_bridge

    bridge = default_bridge()
    tracer_provider = trace.get_tracer_provider()
    if isinstance(tracer_provider, TracerProvider):
        if bridge.spans_exported:
            bridge.use_resource(tracer_provider.resource)
            record_spans_synchronously(tracer_provider, bridge)
        else:
            bridge.add_to_tracer_provider(tracer_provider)
    meter_provider = metrics.get_meter_provider()
    if isinstance(meter_provider, MeterProvider):
        bridge.add_to_meter_provider(meter_provider)
    logger_provider = _logs.get_logger_provider()
    if isinstance(logger_provider, LoggerProvider) and not bridge.log_tail_fed and _otel_logging_handler_installed():
        bridge.add_to_logger_provider(logger_provider)


def name_log_threads() -> None:
    """Log lines exported from the SDK's batch thread name the thread that logged (see ``bridge.logs``).

    The logging instrumentation has put its handler on the root logger by now; the filter added to it
    copies each record's thread name into the ``thread.name`` attribute.
    """
    from otel_actuator.bridge.logs import name_threads

    name_threads()


def record_spans_synchronously(tracer_provider: TracerProvider, bridge: Bridge) -> None:
    """Record exchanges from the thread that ends the span, instead of through the SDK's batch processor.

    The SDK wraps the ``actuator`` exporter in a ``BatchSpanProcessor``: every span then waits in its queue
    (up to ``OTEL_BSP_SCHEDULE_DELAY``, 5 s) for a worker thread, so exchanges show up late, and each
    queued span outlives two garbage collections, which makes the cyclic collector's full collections
    (tens of milliseconds on a large heap, the whole process paused) several times more frequent. The
    recorder only filters the span and keeps a reference, which is cheaper than queueing it. The SDK has
    no public way to remove a processor, so the batch processor is swapped for the bridge's processor
    (see ``sdk_patches``); where that cannot be done, the batch processor stays.
    """
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from otel_actuator.bridge import ActuatorSpanExporter

    def ours(processor: SpanProcessor) -> bool:
        exporter = getattr(processor, "span_exporter", None)
        return (
            isinstance(processor, BatchSpanProcessor)
            and isinstance(exporter, ActuatorSpanExporter)
            and exporter.recorder is bridge.recorder
        )

    for processor in sdk_patches.replace_span_processors(tracer_provider, ours, bridge.span_processor):
        processor.shutdown()  # stops its worker thread, after exporting anything already queued


def skip_asgi_internal_spans() -> None:
    """Spare FastAPI apps the ASGI ``send``/``receive`` spans when only the actuator reads traces.

    Those INTERNAL spans (two or three per request) are created, ended and batched only for the exchange
    recorder to drop them; they cost about a tenth of an instrumented request. No environment variable
    switches them off (contrib#3992), but the FastAPI instrumentor hands its keyword arguments to every
    app it instruments, and the apps are created after this hook. Traces exported elsewhere as well
    (``OTEL_TRACES_EXPORTER=otlp,actuator``) keep them, as do explicit ``exclude_spans`` arguments.
    """
    if _only_actuator_exports("OTEL_TRACES_EXPORTER"):
        sdk_patches.set_fastapi_instrument_default("exclude_spans", ["receive", "send"])


def skip_unread_exemplars(meter_provider: object) -> None:
    """Spare histogram measurements the exemplar sampling that only other exporters would read.

    Under the default ``trace_based`` filter every measurement taken inside a sampled span (each request's
    duration and sizes, under zero code) offers an exemplar to a reservoir, about 2 % of a request's cost.
    The actuator's reader and its Prometheus page show no exemplars. So when the actuator is the only
    metrics exporter and ``OTEL_METRICS_EXEMPLAR_FILTER`` is unset, the SDK provider gets the
    ``always_off`` filter that variable would have chosen (see ``sdk_patches``).
    """
    from opentelemetry.sdk.metrics import AlwaysOffExemplarFilter, MeterProvider

    if "OTEL_METRICS_EXEMPLAR_FILTER" in os.environ or not _only_actuator_exports("OTEL_METRICS_EXPORTER"):
        return
    if isinstance(meter_provider, MeterProvider):
        sdk_patches.set_exemplar_filter(meter_provider, AlwaysOffExemplarFilter())


def _only_actuator_exports(variable: str) -> bool:
    """Whether the exporters named in ``variable`` (the distro's default is ``otlp``) are ``actuator`` or none."""
    names = {name.strip() for name in os.environ.get(variable, "otlp").split(",")}
    return not names - {"", "none", "actuator"}


def _disabled() -> bool:
    """``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=otel_actuator`` skips the instrumentor; the hook follows it."""
    names = os.environ.get("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "").split(",")
    return "otel_actuator" in (name.strip() for name in names)


def _otel_logging_handler_installed() -> bool:
    """Without OTel's logging handler on the root logger no log record reaches the providers."""
    return any(type(h).__name__ == "LoggingHandler" for h in logging.getLogger().handlers)
