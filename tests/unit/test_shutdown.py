from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any, Callable

import pytest

from otel_actuator.actuator import Actuator
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.endpoint import Endpoint, Result
from otel_actuator.endpoints import shutdown
from otel_actuator.settings import Settings
from tests.support.requests import call, json_of, operate


class RecordingTimer:
    """Stands in for threading.Timer: records what would run, runs it only when the test says so."""

    created: list[RecordingTimer] = []

    def __init__(self, interval: float, function: Callable[[], None]) -> None:
        self.interval = interval
        self.function = function
        self.daemon = False
        self.started = False
        RecordingTimer.created.append(self)

    def start(self) -> None:
        self.started = True

    def fire(self) -> None:
        self.function()


@pytest.fixture
def timers(monkeypatch: pytest.MonkeyPatch) -> list[RecordingTimer]:
    RecordingTimer.created = []
    monkeypatch.setattr(threading, "Timer", RecordingTimer)
    return RecordingTimer.created


def _actuator(enabled: bool = True) -> Actuator:
    return Actuator(Settings(exposure_include=("*",), shutdown_enabled=enabled))


def _post(endpoint: Endpoint) -> Result:
    assert [op.method for op in endpoint.operations] == ["POST"]
    return operate(endpoint, "POST", authorized=True)


def test_disabled_by_default() -> None:
    (endpoint,) = shutdown.create(Actuator(Settings()).sources, False)
    assert endpoint.id == "shutdown"
    assert not endpoint.enabled
    (enabled,) = shutdown.create(_actuator().sources, True)
    assert enabled.enabled


def test_answers_first_and_stops_later(timers: list[RecordingTimer]) -> None:
    calls: list[str] = []
    actuator = _actuator()
    actuator.shutdown_hook = lambda: calls.append("stop")
    (endpoint,) = shutdown.create(actuator.sources, actuator.settings.shutdown_enabled)
    result = _post(endpoint)
    assert result.status == 200
    assert result.body == {"message": "Shutting down, bye..."}
    assert calls == []
    (timer,) = timers
    assert timer.started and timer.daemon
    assert timer.interval == shutdown.DELAY
    timer.fire()
    assert calls == ["stop"]


def test_repeated_requests_stop_once_while_pending(timers: list[RecordingTimer]) -> None:
    calls: list[str] = []
    actuator = _actuator()
    actuator.shutdown_hook = lambda: calls.append("stop")
    (endpoint,) = shutdown.create(actuator.sources, actuator.settings.shutdown_enabled)
    _post(endpoint)
    second = _post(endpoint)
    assert second.body == {"message": "Shutting down, bye..."}
    assert len(timers) == 1
    timers[0].fire()
    _post(endpoint)  # the first stop did not end the process: a new request may try again
    assert len(timers) == 2
    timers[1].fire()
    assert calls == ["stop", "stop"]


def test_without_hook_sends_sigterm_to_itself(timers: list[RecordingTimer], monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: sent.append((pid, sig)))
    actuator = _actuator()
    (endpoint,) = shutdown.create(actuator.sources, actuator.settings.shutdown_enabled)
    _post(endpoint)
    assert sent == []
    timers[0].fire()
    assert sent == [(os.getpid(), signal.SIGTERM)]


def test_failing_hook_is_logged_and_allows_a_retry(
    timers: list[RecordingTimer], caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("cannot stop")

    actuator = _actuator()
    actuator.shutdown_hook = broken
    (endpoint,) = shutdown.create(actuator.sources, actuator.settings.shutdown_enabled)
    _post(endpoint)
    with caplog.at_level(logging.WARNING, logger="otel_actuator"):
        timers[0].fire()
    assert "shutdown failed" in caplog.text and "cannot stop" in caplog.text
    _post(endpoint)
    assert len(timers) == 2


def test_real_timer_runs_the_hook_on_a_daemon_thread() -> None:
    done = threading.Event()
    ran_on: list[Any] = []

    def hook() -> None:
        ran_on.append(threading.current_thread())
        done.set()

    actuator = _actuator()
    actuator.shutdown_hook = hook
    (endpoint,) = shutdown.create(actuator.sources, actuator.settings.shutdown_enabled, delay=0.0)
    _post(endpoint)
    assert done.wait(10)
    assert ran_on[0] is not threading.main_thread()
    assert ran_on[0].daemon


@pytest.mark.parametrize(("enabled", "status"), [(False, 404), (True, 200)])
def test_through_the_dispatcher(timers: list[RecordingTimer], enabled: bool, status: int) -> None:
    actuator = _actuator(enabled)
    endpoints = shutdown.create(actuator.sources, actuator.settings.shutdown_enabled)
    dispatcher = Dispatcher(actuator.settings.http_policy(), endpoints)
    actuator.shutdown_hook = lambda: None
    response = call(dispatcher, "POST", "/shutdown")
    assert response.status == status
    if enabled:
        assert json_of(response) == {"message": "Shutting down, bye..."}
        assert len(timers) == 1
        assert call(dispatcher, "GET", "/shutdown").status == 405
    else:
        assert timers == []
