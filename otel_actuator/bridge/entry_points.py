"""The zero-argument classes ``OTEL_*_EXPORTER=actuator`` names: each feeds the process-wide default bridge.

The SDK configurator builds exporters and readers without arguments, so these find their bridge
themselves; with providers you build, use :class:`~otel_actuator.bridge.Bridge` directly instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Optional

from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from otel_actuator.bridge.exchanges import ExchangeRecorder
from otel_actuator.bridge.logs import LogLineFormatter
from otel_actuator.bridge.metric_reader import ActuatorMetricReader
from otel_actuator.bridge.wiring import default_bridge
from otel_actuator.settings import Settings
from otel_actuator.sources.logs import LogTail

_logger = logging.getLogger("otel_actuator")


class ActuatorSpanExporter(SpanExporter):
    """The ``OTEL_TRACES_EXPORTER=actuator`` entry point: feeds the process-wide default bridge.

    The SDK wraps it in a ``BatchSpanProcessor``, so exchanges appear after the batch delay
    (``OTEL_BSP_SCHEDULE_DELAY``, 5 s by default); :class:`ActuatorSpanProcessor` has no delay.
    """

    def __init__(self, recorder: Optional[ExchangeRecorder] = None) -> None:
        if recorder is None:
            bridge = default_bridge()
            bridge.spans_exported = True
            recorder = bridge.recorder
        self.recorder = recorder

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            self.recorder.offer(span)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        """Nothing to release: the recorder lives in memory."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class ActuatorLogExporter(LogRecordExporter):
    """The ``OTEL_LOGS_EXPORTER=actuator`` entry point: writes into the default bridge's log tail.

    The SDK wraps it in a ``BatchLogRecordProcessor``, which exports from its own thread: the thread
    that logged is known there from the record's ``thread.name`` attribute, which the zero-code hook has
    OpenTelemetry's logging handler add (``bridge.logs.ThreadNameFilter``); lines without it show ``[-]``.
    """

    def __init__(self, tail: Optional[LogTail] = None, settings: Optional[Settings] = None) -> None:
        if tail is None:
            bridge = default_bridge()
            tail, settings = bridge.writing_log_tail(), settings or bridge.settings
        self.tail = tail
        self._formatter = LogLineFormatter((settings or Settings.from_env()).logfile_pattern)

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        for record in batch:
            attributes = record.log_record.attributes or {}
            thread = attributes.get("thread.name")
            self.tail.append(self._formatter.format(record, str(thread) if thread else None))
        return LogRecordExportResult.SUCCESS

    def shutdown(self) -> None:
        """The tail lives in memory: nothing to release."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class DefaultBridgeMetricReader(ActuatorMetricReader):
    """The ``OTEL_METRICS_EXPORTER=actuator`` entry point: the default bridge's metric reader."""

    def __init__(self) -> None:
        bridge = default_bridge()
        super().__init__(bridge.settings)
        if not bridge.adopt_metric_reader(self):
            _logger.warning("the default bridge has a metric reader already; the actuator does not show this one")
