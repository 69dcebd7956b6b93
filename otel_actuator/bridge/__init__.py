"""The only OpenTelemetry-aware code: spans, metrics and logs turned into what the endpoints read.

``Bridge`` holds the stores; ``default_bridge()`` is the one the zero-argument entry points
(``OTEL_TRACES_EXPORTER`` / ``OTEL_METRICS_EXPORTER`` / ``OTEL_LOGS_EXPORTER`` = ``actuator``) feed.
"""

from __future__ import annotations

from otel_actuator.bridge.entry_points import ActuatorLogExporter, ActuatorSpanExporter, DefaultBridgeMetricReader
from otel_actuator.bridge.exchanges import ActuatorSpanProcessor, ExchangeRecorder
from otel_actuator.bridge.logs import ActuatorLogProcessor
from otel_actuator.bridge.metric_reader import ActuatorMetricReader
from otel_actuator.bridge.prometheus import PrometheusRenderer
from otel_actuator.bridge.runtime import install_runtime_meters
from otel_actuator.bridge.wiring import Bridge, current_bridge, default_bridge

__all__ = [
    "ActuatorLogExporter",
    "ActuatorLogProcessor",
    "ActuatorMetricReader",
    "ActuatorSpanExporter",
    "ActuatorSpanProcessor",
    "Bridge",
    "DefaultBridgeMetricReader",
    "ExchangeRecorder",
    "PrometheusRenderer",
    "current_bridge",
    "default_bridge",
    "install_runtime_meters",
]
