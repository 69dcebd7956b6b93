"""Pauses of Python's cyclic garbage collector, timed with ``gc.callbacks``.

A pause cannot be recorded into an OpenTelemetry histogram from inside the gc callback: the
collection may have started while this very thread held that histogram's lock (during a metrics
collection, say), and the SDK's locks are not re-entrant. So the callback only appends the duration
to a plain array, and :meth:`GcPauses.drain` hands them to the histograms from a safe place: an
observable callback, which the SDK runs before it reads the histograms.
"""

from __future__ import annotations

import gc
import threading
import time
import weakref
from array import array
from collections.abc import Iterator
from typing import Any

#: Pauses kept between two drains (8 bytes each): well over a minute of collections at 1000 per second.
MAX_PENDING = 65536

EXPLICIT = "explicit gc.collect()"
ALLOCATION = "allocation threshold"

_PauseKey = tuple[int, str]  # (generation, cause)

_live: weakref.WeakSet[GcPauses] = weakref.WeakSet()
_hook_lock = threading.Lock()
_hook_installed = False


class GcPauses:
    """Collects pause durations (seconds) per generation and cause until drained."""

    def __init__(self) -> None:
        self._pending: dict[_PauseKey, array[float]] = {}
        self._count = 0
        _install_hook()
        _live.add(self)

    def add(self, key: _PauseKey, seconds: float) -> None:
        if self._count >= MAX_PENDING:
            return
        durations = self._pending.get(key)
        if durations is None:
            durations = self._pending[key] = array("d")
        durations.append(seconds)
        self._count += 1

    def drain(self) -> Iterator[tuple[int, str, float]]:
        """Every pause since the last drain as (generation, cause, seconds)."""
        pending, self._pending, self._count = self._pending, {}, 0
        for (generation, cause), durations in pending.items():
            for seconds in durations:
                yield generation, cause, seconds


class _Timer:
    """The single process-wide gc callback; it feeds every live :class:`GcPauses`."""

    def __init__(self) -> None:
        self._started = 0.0
        self._cause = ALLOCATION

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            # An automatic collection starts once generation 0's allocation count passed its threshold;
            # gc.collect() runs whatever the count (or while automatic collection is disabled).
            automatic = gc.isenabled() and gc.get_count()[0] > gc.get_threshold()[0]
            self._cause = ALLOCATION if automatic else EXPLICIT
            self._started = time.perf_counter()
        elif phase == "stop" and self._started:
            seconds = time.perf_counter() - self._started
            self._started = 0.0
            key = (int(info.get("generation", 0)), self._cause)
            for pauses in list(_live):
                pauses.add(key, seconds)


def _install_hook() -> None:
    global _hook_installed
    with _hook_lock:
        if not _hook_installed:
            gc.callbacks.append(_Timer())
            _hook_installed = True
