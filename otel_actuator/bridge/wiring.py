"""One object holding every store the bridge fills, and the calls that plug it into OpenTelemetry."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Optional, Protocol

from opentelemetry import metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from otel_actuator.bridge.exchanges import ActuatorSpanProcessor, ExchangeRecorder
from otel_actuator.bridge.logs import ActuatorLogProcessor
from otel_actuator.bridge.metric_reader import ActuatorMetricReader
from otel_actuator.bridge.micrometer import MeterFamily
from otel_actuator.bridge.prometheus import PrometheusRenderer
from otel_actuator.bridge.runtime import install_runtime_meters
from otel_actuator.sanitize import Sanitizer
from otel_actuator.settings import Settings
from otel_actuator.sources import Sources
from otel_actuator.sources.logs import LogTail


class _HasSources(Protocol):
    @property
    def sources(self) -> Sources: ...

    @property
    def settings(self) -> Settings: ...


class Bridge:
    """The exchange recorder, metric reader, log tail and Prometheus renderer of one application.

    With providers you build yourself::

        bridge = Bridge(settings)
        tracer_provider.add_span_processor(bridge.span_processor)     # or bridge.add_to_tracer_provider(tp)
        meter_provider = MeterProvider(metric_readers=[bridge.metric_reader, ...])
        bridge.add_to_meter_provider(meter_provider)                   # runtime meters (reader already there)
        bridge.add_to_logger_provider(logger_provider)
        bridge.fill(actuator.sources)

    The bridge's settings decide what is captured (exchange capacity and redaction, series cap, log
    line pattern); give the actuator the same settings.
    """

    def __init__(self, settings: Optional[Settings] = None, *, log_tail: Optional[LogTail] = None) -> None:
        self.settings = settings or Settings.from_env()
        self.recorder = ExchangeRecorder(self.settings)
        self.span_processor = ActuatorSpanProcessor(self.recorder)
        if log_tail is None:
            log_tail = LogTail(self.settings.logfile_max_bytes, Sanitizer(self.settings.sanitize_keys))
        self.log_tail = log_tail
        self.log_processor = ActuatorLogProcessor(self.log_tail, self.settings)
        self.prometheus = PrometheusRenderer(self._families)
        self._lock = threading.Lock()
        self._metric_reader: Optional[ActuatorMetricReader] = None
        self._resource: Optional[Resource] = None
        self._log_tail_fed = False
        #: True once the zero-argument span exporter feeds this bridge (then no span processor is needed).
        self.spans_exported = False

    @property
    def metric_reader(self) -> ActuatorMetricReader:
        """The pull reader to pass to ``MeterProvider(metric_readers=[...])``."""
        with self._lock:
            if self._metric_reader is None:
                self._metric_reader = ActuatorMetricReader(self.settings)
            return self._metric_reader

    def adopt_metric_reader(self, reader: ActuatorMetricReader) -> bool:
        """Use ``reader`` (one the SDK configurator built) unless a reader was already handed out."""
        with self._lock:
            if self._metric_reader is not None:
                return False
            self._metric_reader = reader
            return True

    def writing_log_tail(self) -> LogTail:
        """The log tail, for a writer outside the bridge (the zero-argument exporter): attach() then serves it."""
        self._log_tail_fed = True
        return self.log_tail

    def fill(self, sources: Sources, settings: Optional[Settings] = None) -> None:
        """Make metrics, prometheus and httpexchanges/httptrace read this bridge.

        The logfile reads the bridge's log tail only once OpenTelemetry logs feed it, and only when there is
        no log source or log file (``settings.logfile_path``) already.
        """
        sources.meters = self.metric_reader
        sources.prometheus = self.prometheus
        sources.exchanges = self.recorder
        logfile_path = (settings or self.settings).logfile_path
        if self._log_tail_fed and sources.logs is None and not logfile_path:
            sources.logs = self.log_tail
        for key, value in self.resource_attributes().items():
            sources.resource_attributes.setdefault(key, value)

    def attach(self, actuator: _HasSources) -> None:
        """``fill(actuator.sources, actuator.settings)``: for an :class:`~otel_actuator.Actuator`."""
        self.fill(actuator.sources, actuator.settings)

    def resource_attributes(self) -> Mapping[str, Any]:
        """The OpenTelemetry resource (service.name, service.instance.id ...) of the providers in use."""
        resource = self._resource
        if resource is None:
            provider = trace.get_tracer_provider()
            if isinstance(provider, TracerProvider):
                resource = provider.resource
        return dict(resource.attributes) if resource is not None else {}

    def use_resource(self, resource: Resource) -> None:
        """Report this resource (service.name, service.instance.id ...) to the actuator."""
        self._resource = resource

    def add_to_tracer_provider(self, tracer_provider: TracerProvider) -> None:
        """Record the provider's HTTP server spans as exchanges, synchronously; report its resource."""
        tracer_provider.add_span_processor(self.span_processor)
        self._resource = tracer_provider.resource

    def add_to_meter_provider(self, meter_provider: MeterProvider) -> None:
        """Register the reader (unless the provider was built with it) and the Python runtime meters.

        Prefer ``MeterProvider(metric_readers=[bridge.metric_reader])``: a reader added later sees
        synchronous instruments only from then on, and the provider's shutdown does not reach it.
        """
        reader = self.metric_reader
        if not reader.is_registered:
            if not hasattr(meter_provider, "add_metric_reader"):
                raise RuntimeError(
                    "this opentelemetry-sdk cannot add a reader to an existing MeterProvider (1.43 can): "
                    "build it with MeterProvider(metric_readers=[bridge.metric_reader])"
                )
            meter_provider.add_metric_reader(reader)
        self.install_runtime_meters(meter_provider)

    def install_runtime_meters(self, meter_provider: metrics.MeterProvider) -> None:
        """The process/system/python (and, unless disabled, jvm.*) meters on ``meter_provider``."""
        install_runtime_meters(meter_provider, jvm_aliases=self.settings.metrics_jvm_aliases)

    def add_to_logger_provider(self, logger_provider: LoggerProvider) -> None:
        """Write the provider's log records into the log tail that /actuator/logfile serves."""
        logger_provider.add_log_record_processor(self.log_processor)
        self._log_tail_fed = True
        if self._resource is None:
            self._resource = logger_provider.resource

    @property
    def log_tail_fed(self) -> bool:
        return self._log_tail_fed

    def _families(self) -> Mapping[str, MeterFamily]:
        return self.metric_reader.families()


_default_lock = threading.Lock()
_default: Optional[Bridge] = None


def default_bridge() -> Bridge:
    """The process-wide bridge the zero-argument exporters and reader feed (settings from the environment)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Bridge()
        return _default


def current_bridge() -> Optional[Bridge]:
    """The default bridge if something (a zero-argument exporter or reader) created it, else None."""
    with _default_lock:
        return _default


def use_as_default(bridge: Bridge) -> Bridge:
    """Make ``bridge`` the process-wide one unless there is one already; returns the one in use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = bridge
        return _default
