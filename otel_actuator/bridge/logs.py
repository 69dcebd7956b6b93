"""OpenTelemetry log records -> lines of the in-memory log the logfile endpoint serves.

Lines use ``logfile_pattern`` (a Python logging format, Spring Boot's layout by default) with the
record's own time, level in Spring's names (``WARN``, ``FATAL``), thread and logger (its instrumentation
scope), then ``[trace_id,span_id]`` when the record belongs to a span, then the exception's stack trace on
the following lines: the same line as ``LogTailHandler`` writes, whichever path a record took.

A record exported from the SDK's batch thread no longer knows the thread that logged it; the
``thread.name`` attribute (a semantic convention) carries it there, added by :class:`ThreadNameFilter`
on OpenTelemetry's logging handler, since neither the SDK's handler nor the contrib one records it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import traceback
from collections.abc import Mapping
from typing import Any, Optional, Union

from opentelemetry.sdk._logs import LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord

from otel_actuator.settings import Settings
from otel_actuator.sources.logs import LogTail

_FALLBACK_PATTERN = Settings().logfile_pattern

#: OpenTelemetry severity numbers come in blocks of four per level.
_LEVELS = (
    (21, "FATAL", logging.CRITICAL),
    (17, "ERROR", logging.ERROR),
    (13, "WARN", logging.WARNING),
    (9, "INFO", logging.INFO),
    (5, "DEBUG", logging.DEBUG),
    (1, "TRACE", 5),
)
_LEVEL_NUMBERS = {name: number for _, name, number in _LEVELS}
_LEVEL_NUMBERS.update({"WARNING": logging.WARNING, "CRITICAL": logging.CRITICAL})
THREAD_NAME = "thread.name"

AnyRecord = Union[ReadableLogRecord, ReadWriteLogRecord]


class LogLineFormatter:
    """Formats one OpenTelemetry log record as a log-file entry."""

    def __init__(self, pattern: str) -> None:
        self._formatter = logging.Formatter(pattern)
        self._fallback = logging.Formatter(_FALLBACK_PATTERN)

    def format(self, record: AnyRecord, thread_name: Optional[str]) -> str:
        log = record.log_record
        attributes: Mapping[str, Any] = log.attributes or {}
        level_name, level_number = _level(log.severity_text, log.severity_number)
        message = _message(log.body)
        if log.trace_id and log.span_id:
            message = f"{message} [{format(log.trace_id, '032x')},{format(log.span_id, '016x')}]"
        created = (log.timestamp or log.observed_timestamp or time.time_ns()) / 1e9
        scope = record.instrumentation_scope
        std_record = logging.makeLogRecord(
            {
                "name": scope.name if scope is not None and scope.name else "root",
                "msg": message,
                "levelname": level_name,
                "levelno": level_number,
                "created": created,
                "msecs": (created - int(created)) * 1000,
                "process": os.getpid(),
                "threadName": thread_name or "-",
                "pathname": str(attributes.get("code.file.path", "")),
                "lineno": attributes.get("code.line.number", 0),
                "funcName": attributes.get("code.function.name"),
                "exc_text": _exception_text(attributes, log.exception),
            }
        )
        try:
            return self._formatter.format(std_record)
        except (KeyError, ValueError, TypeError):
            # A pattern naming fields an OpenTelemetry record lacks: keep the line in the default layout.
            return self._fallback.format(std_record)


class ActuatorLogProcessor(LogRecordProcessor):
    """Writes each record synchronously into a ``LogTail``; add it to any SDK ``LoggerProvider``."""

    def __init__(self, tail: LogTail, settings: Optional[Settings] = None) -> None:
        self.tail = tail
        self._formatter = LogLineFormatter((settings or Settings.from_env()).logfile_pattern)

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        try:
            # Emitting is synchronous, so the current thread is the one that logged.
            self.tail.append(self._formatter.format(log_record, threading.current_thread().name))
        except Exception:
            return  # logging the failure here would feed it straight back into this processor

    def shutdown(self) -> None:
        """The tail lives in memory: nothing to release."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class ThreadNameFilter(logging.Filter):
    """Adds the logging thread's name as the ``thread.name`` attribute of records on their way to OpenTelemetry.

    Both OpenTelemetry logging handlers turn a record's extra fields into attributes; put on such a handler
    (see :func:`name_threads`), this makes the name survive the batch processor's hand-over.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.setdefault(THREAD_NAME, record.threadName)
        return True


def name_threads(logger: Optional[logging.Logger] = None) -> None:
    """Put a :class:`ThreadNameFilter` on every OpenTelemetry ``LoggingHandler`` of ``logger`` (the root)."""
    for handler in (logger or logging.getLogger()).handlers:
        is_otel = type(handler).__name__ == "LoggingHandler"
        if is_otel and not any(isinstance(f, ThreadNameFilter) for f in handler.filters):
            handler.addFilter(ThreadNameFilter())


def _level(severity_text: Optional[str], severity_number: Any) -> tuple[str, int]:
    """Spring's level name and the Python level: by severity number, else by the text (``WARNING`` is WARN)."""
    number = getattr(severity_number, "value", severity_number)
    if isinstance(number, int) and number > 0:
        for floor, name, level in _LEVELS:
            if number >= floor:
                return name, level
    if severity_text:
        name = severity_text.upper()
        level = _LEVEL_NUMBERS.get(name, logging.INFO)
        return next(spring for _, spring, python in _LEVELS if python == level), level
    return "INFO", logging.INFO


def _message(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    try:
        return json.dumps(body, default=str)
    except (TypeError, ValueError):
        return str(body)


def _exception_text(attributes: Mapping[str, Any], exception: Optional[BaseException]) -> Optional[str]:
    stacktrace = attributes.get("exception.stacktrace")
    if stacktrace:
        return str(stacktrace).rstrip("\n")
    if exception is not None:
        lines = traceback.format_exception(type(exception), exception, exception.__traceback__)
        return "".join(lines).rstrip("\n")
    kind, text = attributes.get("exception.type"), attributes.get("exception.message")
    if kind or text:
        return f"{kind or 'Exception'}: {text or ''}".rstrip(": ")
    return None
