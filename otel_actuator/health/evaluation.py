"""Running registered checks: concurrently, each bounded by its own timeout, never raising.

A registered contributor is compiled once into a tree of ``Branch`` (a composite) and ``Check`` (one
indicator or callable) nodes. ``async`` checks become tasks on the caller's event loop; plain ones run
on ``CheckThreads``. When a check overruns its timeout the evaluation stops waiting for it: a task is
cancelled (without waiting for it to agree), a thread cannot be, so the next evaluation joins that same
run rather than piling another thread onto a hung dependency.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from collections.abc import Awaitable, Mapping
from concurrent.futures import Future
from typing import Any, Callable, Optional, Union

from otel_actuator.health.indicator import CompositeHealth, Contributor
from otel_actuator.health.result import AggregateHealth, Health, HealthResult, error_text, health_from
from otel_actuator.health.status import StatusAggregator
from otel_actuator.health.workers import CheckThreads

_logger = logging.getLogger("otel_actuator.health")


def validate_name(name: str) -> str:
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"a health component name must be a non-empty string without '/', got {name!r}")
    return name


def compile_contributor(path: str, contributor: Contributor, timeout: float) -> Node:
    """Build the node tree of a contributor; a contributor of the wrong kind fails here, at registration."""
    if isinstance(contributor, CompositeHealth):
        children = {
            validate_name(name): compile_contributor(f"{path}/{name}", child, timeout)
            for name, child in contributor.children.items()
        }
        return Branch(children)
    method = getattr(contributor, "health", None)
    if callable(method):
        return Check(path, method, timeout)
    if callable(contributor):
        return Check(path, contributor, timeout)
    raise TypeError(
        f"health component {path!r}: expected an object with a health() method, a callable or a CompositeHealth, "
        f"got {type(contributor).__name__}"
    )


def _is_async(fn: Callable[[], Any]) -> bool:
    # An instance whose __call__ is ``async def`` is async too.
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)


class _TimedOut(Exception):
    """The check overran its timeout."""


class _Failed(Exception):
    """The check failed with something that is not an ``Exception`` (``SystemExit`` on a worker thread)."""


class _SharedRun:
    """One run of a plain check on a worker thread, awaited by every evaluation that arrives meanwhile.

    Waiters are kept here (not as callbacks on the future) so that evaluations which gave up on a hung
    run leave nothing behind.
    """

    def __init__(self, future: Future[Any]) -> None:
        self.future = future
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()
        future.add_done_callback(self._finished)

    def _finished(self, _: Future[Any]) -> None:
        with self._lock:
            waiters, self._waiters = self._waiters, set()
        for loop, waiter in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits there any more
                loop.call_soon_threadsafe(_wake, waiter)

    async def wait(self, timeout: float) -> bool:
        """Whether the run finished within ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self.future.done():
                return True
            self._waiters.add((loop, waiter))
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            with self._lock:
                self._waiters.discard((loop, waiter))
                abandoned = not self._waiters
            if abandoned:
                # Frees the queue when the run never started; a running one cannot be stopped.
                self.future.cancel()
        return self.future.done()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _consume(task: asyncio.Future[Any]) -> None:
    # An abandoned task's outcome is not interesting, but asyncio would log it as never retrieved.
    if not task.cancelled():
        task.exception()


async def _bounded(awaitable: Awaitable[Any], timeout: float) -> Any:
    """Await with a deadline, cancelling on expiry without waiting for the awaitable to comply."""
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    finally:
        if not task.done():
            task.cancel()
            task.add_done_callback(_consume)
    if not done or task.cancelled():
        raise _TimedOut
    return task.result()


class Check:
    """One indicator or callable with its timeout, its in-flight thread run and whether it last failed."""

    def __init__(self, path: str, fn: Callable[[], Any], timeout: float) -> None:
        self.path = path
        self.fn = fn
        self.timeout = timeout
        self.is_async = _is_async(fn)
        self._lock = threading.Lock()
        self._run: Optional[_SharedRun] = None
        self._failing = False

    async def evaluate(self, threads: CheckThreads) -> Health:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            if self.is_async:
                value = await _bounded(self.fn(), self.timeout)
            else:
                value = await self._in_thread(threads)
            if inspect.isawaitable(value):  # a plain callable that handed back a coroutine
                value = await _bounded(value, max(0.0, deadline - loop.time()))
            health = health_from(value)
        except _TimedOut:
            return self._failed(f"TimeoutError: Health check timed out after {self.timeout:g}s")
        except _Failed as failure:
            return self._failed(str(failure))
        except Exception as exc:
            return self._failed(error_text(exc))
        self._recovered()
        return health

    async def _in_thread(self, threads: CheckThreads) -> Any:
        with self._lock:
            run = self._run
            if run is None or run.future.done():
                run = self._run = _SharedRun(threads.submit(self.fn))
        if not await run.wait(self.timeout) or run.future.cancelled():
            raise _TimedOut
        error = run.future.exception()
        if isinstance(error, Exception):
            raise error
        if error is not None:
            raise _Failed(error_text(error))
        return run.future.result()

    def _failed(self, error: str) -> Health:
        if not self._failing:
            self._failing = True
            _logger.warning("Health check %r failed: %s", self.path, error)
        return Health.down(error)

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            _logger.info("Health check %r succeeded again", self.path)


class Branch:
    def __init__(self, children: Mapping[str, Node]) -> None:
        self.children = dict(sorted(children.items()))

    def checks(self) -> list[Check]:
        found: list[Check] = []
        for child in self.children.values():
            found.extend(child.checks() if isinstance(child, Branch) else [child])
        return found


Node = Union[Check, Branch]


def count_thread_checks(node: Node) -> int:
    checks = node.checks() if isinstance(node, Branch) else [node]
    return sum(1 for check in checks if not check.is_async)


async def evaluate_node(node: Node, threads: CheckThreads, aggregator: StatusAggregator) -> HealthResult:
    """Every check of the tree at once; never raises (except when the caller itself is cancelled)."""
    if isinstance(node, Check):
        return await node.evaluate(threads)
    names = list(node.children)
    results = await asyncio.gather(*(evaluate_node(node.children[name], threads, aggregator) for name in names))
    return AggregateHealth(aggregator.aggregate(r.status for r in results), dict(zip(names, results)))
