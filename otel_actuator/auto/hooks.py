"""The ``opentelemetry_post_instrument`` hook: finish zero-code wiring once the SDK providers exist.

It runs before the application module is imported and before uvicorn or gunicorn install their own
signal handling. A SIGTERM handler installed now is the one uvicorn re-raises into after its graceful
shutdown, so raising SystemExit there lets atexit run: the OTel providers shut down (flushing the
actuator's exporters) and the SBA registrar deregisters.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Optional

_logger = logging.getLogger("otel_actuator")


def _exit_cleanly(signum: int, frame: Optional[FrameType]) -> None:
    raise SystemExit(0)


def post_instrument() -> None:
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        wire_global_providers()
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
        else:
            bridge.add_to_tracer_provider(tracer_provider)
    meter_provider = metrics.get_meter_provider()
    if isinstance(meter_provider, MeterProvider):
        bridge.add_to_meter_provider(meter_provider)
    logger_provider = _logs.get_logger_provider()
    if isinstance(logger_provider, LoggerProvider) and not bridge.log_tail_fed and _otel_logging_handler_installed():
        bridge.add_to_logger_provider(logger_provider)


def _otel_logging_handler_installed() -> bool:
    """Without OTel's logging handler on the root logger no log record reaches the providers."""
    return any(type(h).__name__ == "LoggingHandler" for h in logging.getLogger().handlers)
