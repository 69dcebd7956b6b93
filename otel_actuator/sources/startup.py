"""The process's start-up timeline, which the startup endpoint serves in Spring's shape.

Like Spring's ``BufferingApplicationStartup``: steps are kept in a bounded buffer (new steps are dropped
once it is full), each with its parent (the step open around it on the same thread or task), and a
POST to the endpoint drains the buffer. The process-wide timeline begins with one step from the
process's creation until the first actuator was created (interpreter start-up, site hooks such as
``opentelemetry-instrument``, the application's imports up to its mount call); the actuator, the
mount helpers and the application add theirs with :meth:`StartupTimeline.step`.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import itertools
import platform
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Optional

#: Steps kept before new ones are dropped, as Spring's buffer capacity.
DEFAULT_CAPACITY = 1000

_open_step: contextvars.ContextVar[Optional[int]] = contextvars.ContextVar("otel_actuator_startup_step", default=None)


@dataclass(frozen=True)
class StartupStep:
    """One recorded step of the process's start, in Spring's ``StartupStep`` terms."""

    id: int
    name: str
    start: _dt.datetime
    end: _dt.datetime
    parent_id: Optional[int] = None
    tags: tuple[tuple[str, str], ...] = ()


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


class StartupTimeline:
    """A bounded buffer of start-up steps (implements ``StartupSource``)."""

    def __init__(self, start_time: _dt.datetime, capacity: int = DEFAULT_CAPACITY) -> None:
        self._start_time = start_time
        self._capacity = capacity
        self._steps: list[StartupStep] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start_time(self) -> _dt.datetime:
        return self._start_time

    def steps(self) -> Sequence[StartupStep]:
        with self._lock:
            return sorted(self._steps, key=lambda s: (s.start, s.id))

    def drain(self) -> Sequence[StartupStep]:
        with self._lock:
            drained, self._steps = self._steps, []
        return sorted(drained, key=lambda s: (s.start, s.id))

    def record(
        self,
        name: str,
        start: _dt.datetime,
        end: _dt.datetime,
        *,
        tags: Sequence[tuple[str, str]] = (),
        parent_id: Optional[int] = None,
    ) -> int:
        """Add a step that already happened; returns its id (also when the full buffer drops it)."""
        step_id = next(self._ids)
        step = StartupStep(step_id, name, start, max(start, end), parent_id, tuple(tags))
        with self._lock:
            if len(self._steps) < self._capacity:
                self._steps.append(step)
        return step_id

    @contextlib.contextmanager
    def step(self, name: str, **tags: object) -> Iterator[int]:
        """Time the ``with`` block as one step, a child of the step open around it; yields the step's id."""
        step_id = next(self._ids)
        parent = _open_step.get()
        token = _open_step.set(step_id)
        start = _now()
        try:
            yield step_id
        finally:
            _open_step.reset(token)
            step = StartupStep(step_id, name, start, _now(), parent, tuple((k, str(v)) for k, v in tags.items()))
            with self._lock:
                if len(self._steps) < self._capacity:
                    self._steps.append(step)


def _process_start_time() -> _dt.datetime:
    import psutil

    try:
        return _dt.datetime.fromtimestamp(psutil.Process().create_time(), _dt.timezone.utc)
    except (psutil.Error, OSError):
        return _now()


_process_lock = threading.Lock()
_process: Optional[StartupTimeline] = None


def process_timeline() -> StartupTimeline:
    """The timeline of this process; the first call (the first actuator's sources) ends its start-up step."""
    global _process
    with _process_lock:
        if _process is None:
            started = _process_start_time()
            _process = StartupTimeline(started)
            tags = [("python.version", platform.python_version()), ("until", "actuator created")]
            _process.record("python.startup", started, _now(), tags=tags)
        return _process
