"""The life cycle the Spring Boot Admin and Eureka registrars share.

One daemon thread, started once, runs rounds until stopped: it waits while the instance's URLs are not
known yet, repeats a successful round every interval and backs off exponentially, with jitter, after a
failed one (the first failure of a streak logged at WARN, the rest at DEBUG, the recovery at INFO).
``stop`` is bounded in time. A child forked from the registering process (``gunicorn --preload``,
``os.fork``) inherits the registrar without its thread; there it stays stopped and forgets the
registration, so it neither registers a second time nor removes its parent's instance.

A subclass brings the protocol: one round, the deregistration, what a forked child forgets and the
clients to close.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Optional, TypeVar

from otel_actuator.admin.payload import InstanceUrls, UrlResolver

_Self = TypeVar("_Self", bound="BackgroundRegistrar")

#: Every registrar of this process, so that a forked child can disown them.
_registrars: weakref.WeakSet[BackgroundRegistrar] = weakref.WeakSet()

_WAIT_FOR_SERVER = 0.5
#: Longest wait, in ``stop``, for a round in flight (a server that black-holes must not hold the exit up).
_MAX_STOP_WAIT = 2.0
_FIRST_BACKOFF = 1.0
_MAX_BACKOFF = 60.0


class BackgroundRegistrar(ABC):
    """Runs ``_round`` on a daemon thread of its own, every ``interval`` seconds, until ``stop``.

    ``urls`` is called before each round and returns None while the server is not listening yet.
    ``timeout`` is the timeout of one call to the registry; ``recovered`` is the INFO line logged, with
    the number of failures, when the registry answers again.
    """

    def __init__(
        self,
        urls: UrlResolver,
        *,
        interval: float,
        timeout: float,
        thread_name: str,
        logger: logging.Logger,
        recovered: str,
    ) -> None:
        self._resolve = urls
        self._interval = interval
        self._stop_wait = min(timeout, _MAX_STOP_WAIT)
        self._thread_name = thread_name
        self._logger = logger
        self._recovered = recovered
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._stopped = False
        self._failures = 0
        _registrars.add(self)

    # -- the protocol, in the subclass ---------------------------------------------------------

    @abstractmethod
    def _round(self, urls: InstanceUrls) -> bool:
        """One registration or renewal; True when the registry took it."""

    @abstractmethod
    def deregister(self) -> None:
        """Remove the registration within a bounded time; never raises."""

    @abstractmethod
    def _forget(self) -> None:
        """Drop what this process registered (in a forked child, it belongs to the parent)."""

    @abstractmethod
    def _close(self) -> None:
        """Close the HTTP clients."""

    def _workers(self) -> Iterable[Optional[threading.Thread]]:
        """The threads that may still use the clients."""
        return (self._thread,)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self: _Self) -> _Self:
        with self._lock:
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
                self._thread.start()
        return self

    def stop(self, *, deregister: bool = True) -> None:
        """Stop the rounds and, by default, deregister. Safe to call more than once; bounded in time."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            # Let a round in flight end first: a registration landing after the deregistration would
            # leave the instance listed, and closing a client under it frees its socket for reuse by
            # another connection while this thread still reads from it.
            thread.join(timeout=self._stop_wait)
        if deregister:
            self.deregister()
        if not any(worker is not None and worker.is_alive() for worker in self._workers()):
            self._close()  # else a thread still uses the clients; they are dropped with it

    def _disown(self) -> None:
        """In a forked child: the parent keeps the registration alive and removes it; this copy does neither."""
        # Fresh synchronization objects: another thread of the parent may have held the old ones at the fork.
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stop.set()
        self._stopped = True
        self._forget()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    # -- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        delay = 0.0
        while not self._stop.wait(delay):
            urls = self._safe_resolve()
            if urls is None:
                delay = _WAIT_FOR_SERVER
                continue
            delay = self._interval if self._round(urls) else self._backoff()

    def _safe_resolve(self) -> Optional[InstanceUrls]:
        try:
            return self._resolve()
        except Exception:
            self._logger.debug("could not work out this instance's URLs yet", exc_info=True)
            return None

    def _backoff(self) -> float:
        ceiling = min(_MAX_BACKOFF, max(self._interval, _FIRST_BACKOFF) * 6)
        base: float = min(ceiling, _FIRST_BACKOFF * 2.0 ** min(self._failures - 1, 16))
        return base * random.uniform(0.5, 1.0)

    def _note(self, ok: bool) -> None:
        """Count a round's outcome, logging the recovery after failures."""
        if ok:
            if self._failures:
                self._logger.info(self._recovered, self._failures)
            self._failures = 0
        else:
            self._failures += 1

    def _log_failure(self, message: str) -> None:
        level = logging.WARNING if self._failures == 0 else logging.DEBUG
        self._logger.log(level, "%s (retrying with backoff; further failures are logged at DEBUG)", message)


def _disown_after_fork() -> None:
    for registrar in list(_registrars):
        registrar._disown()


if hasattr(os, "register_at_fork"):  # not on Windows, which cannot fork
    os.register_at_fork(after_in_child=_disown_after_fork)
