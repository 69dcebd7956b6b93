"""The start-up exposure hint names what is missing, at WARNING, only for what the user asked for."""

from __future__ import annotations

import logging

import pytest

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings
from tests.support.apps import bridged_actuator


def _built(actuator: Actuator, caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="otel_actuator"):
        assert actuator.dispatcher is not None
    return [r for r in caplog.records if r.name == "otel_actuator"]


def test_everything_asked_for_without_telemetry_names_the_missing_providers(caplog: pytest.LogCaptureFixture) -> None:
    # A bare actuator, neither mounted nor bridged: no meters, no spans, no log tail.
    records = _built(Actuator(Settings(exposure_include=("*",))), caplog)
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 3, warnings
    assert warnings[0].startswith("logfile needs a log source: set OTEL_ACTUATOR_LOGFILE_PATH, or mount")
    assert warnings[1].startswith("metrics and prometheus need a meter provider: pass your MeterProvider to")
    assert warnings[2].startswith("httpexchanges and httptrace need a tracer provider: pass your TracerProvider")
    assert not any("OTEL_ACTUATOR_EXPOSURE_INCLUDE" in message for message in warnings)


def test_the_hint_says_when_the_automatic_setup_is_off(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(exposure_include=("health", "metrics"), telemetry_setup=False)
    warnings = [r.getMessage() for r in _built(Actuator(settings), caplog) if r.levelno == logging.WARNING]
    assert warnings == [
        "OTEL_ACTUATOR_TELEMETRY_SETUP is off, so metrics needs a meter provider: pass your MeterProvider to "
        "otel_actuator.connect(meter_provider=...) before mounting, or run under opentelemetry-instrument with "
        "OTEL_METRICS_EXPORTER=actuator"
    ]


def test_a_named_disabled_endpoint_says_how_to_enable_it(caplog: pytest.LogCaptureFixture) -> None:
    records = _built(Actuator(Settings(exposure_include=("shutdown",))), caplog)
    assert [r.getMessage() for r in records if r.levelno == logging.WARNING] == [
        "shutdown needs enabling: set OTEL_ACTUATOR_SHUTDOWN_ENABLED=true"
    ]


def test_star_does_not_ask_for_shutdown(caplog: pytest.LogCaptureFixture) -> None:
    actuator, telemetry = bridged_actuator(Settings(exposure_include=("*",)))
    try:
        records = _built(actuator, caplog)
    finally:
        telemetry.shutdown()
    assert [r for r in records if r.levelno >= logging.WARNING] == []


def test_the_default_exposure_hints_at_info_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="otel_actuator")
    assert Actuator(Settings()).dispatcher is not None
    records = [r for r in caplog.records if r.name == "otel_actuator"]
    assert [r.levelname for r in records] == ["INFO"]
    assert "Set OTEL_ACTUATOR_EXPOSURE_INCLUDE" in records[0].getMessage()


def test_star_drops_the_expose_more_advice(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="otel_actuator")
    assert Actuator(Settings(exposure_include=("*",))).dispatcher is not None
    info = [r.getMessage() for r in caplog.records if r.name == "otel_actuator" and r.levelno == logging.INFO]
    assert len(info) == 1 and "Set OTEL_ACTUATOR_EXPOSURE_INCLUDE" not in info[0], info
