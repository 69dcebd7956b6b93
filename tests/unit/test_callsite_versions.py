"""Thread states read from bytecode only on the Python versions the call-site reader knows."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator

import pytest

from otel_actuator.endpoints.threaddump import callsite
from otel_actuator.endpoints.threaddump import snapshot as threads
from otel_actuator.endpoints.threaddump.snapshot import ThreadSnapshot
from tests.support.polling import eventually


def test_the_running_python_is_one_whose_bytecode_the_reader_knows() -> None:
    running = f"{sys.implementation.name} {sys.version_info[0]}.{sys.version_info[1]}"
    assert callsite.reads_this_python(), (
        f"{running} is not in callsite.SUPPORTED_VERSIONS {callsite.SUPPORTED_VERSIONS}: thread dumps show every "
        "thread as RUNNABLE here. Check the reader against this version's bytecode (dis opcodes for calls, "
        "with-blocks and loads) with tests/unit/test_threaddump.py, then add it to the list."
    )


@pytest.fixture
def blocked() -> Iterator[str]:
    """A thread blocked on a lock, named by the value; released at teardown."""
    lock = threading.Lock()
    lock.acquire()

    def wait() -> None:
        with lock:
            pass

    thread = threading.Thread(target=wait, name="blocked-on-a-lock", daemon=True)
    thread.start()
    yield thread.name
    lock.release()
    thread.join()


def _named(name: str) -> ThreadSnapshot:
    [found] = [s for s in threads.snapshot() if s.name == name]
    return found


def test_an_unknown_python_shows_every_thread_runnable_and_says_so_once(
    blocked: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    eventually(lambda: _named(blocked).state == threads.WAITING, timeout=10, what="the thread to block")
    monkeypatch.setattr(callsite, "SUPPORTED_VERSIONS", ())
    monkeypatch.setattr(threads, "_unknown_bytecode_noted", False)

    with caplog.at_level(logging.INFO, logger="otel_actuator"):
        first, second = _named(blocked), _named(blocked)

    for seen in (first, second):
        assert seen.state == threads.RUNNABLE
        assert seen.waiting_on is None and not seen.in_native
        assert not any(frame.native for frame in seen.frames)
    [note] = caplog.messages
    assert "every thread as RUNNABLE" in note
    assert f"{sys.implementation.name} {sys.version_info[0]}.{sys.version_info[1]}" in note
