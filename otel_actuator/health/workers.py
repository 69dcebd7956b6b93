"""Worker threads for plain (non-async) health checks.

Why not ``concurrent.futures.ThreadPoolExecutor``: its workers are joined at interpreter exit, so one
check that never returns would keep the process from ever stopping. These workers are daemon threads,
started on demand and retired after a minute of idleness.

Why a hung check cannot starve the others: the registry runs each check at most once at a time (a new
evaluation joins the run still in flight instead of starting another), and keeps ``limit`` equal to the
number of plain checks. So even if every one of them hangs, each holds a single thread and a free one is
always left, or can be started, for the rest.
"""

from __future__ import annotations

import collections
import os
import threading
from concurrent.futures import Future
from typing import Any, Callable

_IDLE_SECONDS = 60.0


class CheckThreads:
    def __init__(self, limit: int = 1) -> None:
        self.limit = limit
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._items: collections.deque[tuple[Future[Any], Callable[[], Any]]] = collections.deque()
        self._threads = 0
        self._idle = 0

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        if self._pid != os.getpid():
            # A forked child inherits the bookkeeping but none of the threads.
            self._reset()
        future: Future[Any] = Future()
        with self._cond:
            self._items.append((future, fn))
            if len(self._items) > self._idle and self._threads < max(1, self.limit):
                self._threads += 1
                threading.Thread(target=self._work, name="otel-actuator-health", daemon=True).start()
            else:
                self._cond.notify()
        return future

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._items:
                    self._idle += 1
                    woken = self._cond.wait(_IDLE_SECONDS)
                    self._idle -= 1
                    if not woken and not self._items:
                        self._threads -= 1
                        return
                future, fn = self._items.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:  # a check's failure belongs to its future, never to this thread
                future.set_exception(exc)
