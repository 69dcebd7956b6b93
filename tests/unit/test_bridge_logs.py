"""OpenTelemetry log records written as log-file lines into a LogTail."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator

import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider

from otel_actuator.bridge import ActuatorLogExporter, ActuatorLogProcessor
from otel_actuator.settings import Settings
from otel_actuator.sources.logs import LogTail


def _text(tail: LogTail) -> str:
    return tail.read(tail.first_offset(), tail.size()).decode()


@pytest.fixture
def app_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("shop.orders")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger
    for handler in list(logger.handlers):
        logger.removeHandler(handler)


def _wired(logger: logging.Logger, settings: Settings | None = None) -> tuple[LoggerProvider, LogTail]:
    tail = LogTail(65536)
    provider = LoggerProvider()
    provider.add_log_record_processor(ActuatorLogProcessor(tail, settings or Settings()))
    logger.addHandler(LoggingHandler(logger_provider=provider))
    return provider, tail


def test_a_record_becomes_one_line_with_level_pid_thread_logger_and_message(app_logger: logging.Logger) -> None:
    _, tail = _wired(app_logger)

    app_logger.warning("order %s shipped", 42)

    line = _text(tail)
    stamp = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    thread = re.escape(threading.current_thread().name)
    assert re.match(rf"{stamp}  WARN {os.getpid()} --- \[{thread}\] shop\.orders : order 42 shipped\n$", line), line


def test_trace_and_span_ids_follow_the_message_inside_a_span(app_logger: logging.Logger) -> None:
    _, tail = _wired(app_logger)
    tracer = TracerProvider().get_tracer("test")

    with tracer.start_as_current_span("work") as span:
        app_logger.info("inside")
    app_logger.info("outside")

    context = span.get_span_context()
    inside, outside = _text(tail).splitlines()
    assert inside.endswith(f"inside [{context.trace_id:032x},{context.span_id:016x}]")
    assert outside.endswith("outside")


def test_exception_stack_trace_follows_the_line(app_logger: logging.Logger) -> None:
    _, tail = _wired(app_logger)

    try:
        raise ValueError("kaboom")
    except ValueError:
        app_logger.exception("failed")

    lines = _text(tail).splitlines()
    assert " ERROR " in lines[0] and lines[0].endswith("failed")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: kaboom"


def test_pattern_comes_from_settings_and_a_foreign_field_falls_back(app_logger: logging.Logger) -> None:
    _, tail = _wired(app_logger, Settings(logfile_pattern="%(levelname)s|%(name)s|%(message)s"))
    app_logger.info("hello")
    assert _text(tail) == "INFO|shop.orders|hello\n"

    logger = logging.getLogger("shop.other")
    logger.propagate = False
    _, tail = _wired(logger, Settings(logfile_pattern="%(request_id)s %(message)s"))
    try:
        logger.error("still logged")
        assert _text(tail).rstrip().endswith("shop.other : still logged")
    finally:
        logger.handlers.clear()


def test_records_emitted_through_the_api_without_text_level_or_string_body() -> None:
    tail = LogTail(65536)
    provider = LoggerProvider()
    provider.add_log_record_processor(ActuatorLogProcessor(tail, Settings(logfile_pattern="%(levelname)s %(message)s")))
    logger = provider.get_logger("events")

    logger.emit(severity_number=SeverityNumber.DEBUG2, body={"event": "login", "user": "alice"})
    logger.emit(severity_number=SeverityNumber.FATAL, body="down")

    assert _text(tail) == 'DEBUG {"event": "login", "user": "alice"}\nFATAL down\n'


def test_exporter_writes_after_a_batch_flush(app_logger: logging.Logger) -> None:
    tail = LogTail(65536)
    provider = LoggerProvider()
    exporter = ActuatorLogExporter(tail, Settings())
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    app_logger.addHandler(LoggingHandler(logger_provider=provider))
    tracer = TracerProvider().get_tracer("test")

    with tracer.start_as_current_span("work") as span:
        app_logger.warning("batched")
    provider.force_flush()

    line = _text(tail)
    context = span.get_span_context()
    # The batch thread cannot know which thread logged.
    assert " --- [-] shop.orders : batched " in line
    assert line.rstrip().endswith(f"[{context.trace_id:032x},{context.span_id:016x}]")
    provider.shutdown()
