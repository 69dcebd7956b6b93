"""A pull ``MetricReader`` that collects on demand and serves Micrometer-named meters.

Cost: a collection runs every observable callback (the runtime meters' psutil calls, those of other
instrumentations) under the SDK's collection lock. Spring Boot Admin polls several metrics every
2.5 s per open panel, and Prometheus scrapes on its own schedule, so one converted collection is
reused for ``metrics_cache_ttl`` seconds (1 s by default): a burst of panel requests costs one
collection, and values are never older than the TTL. Concurrent requests wait for the single
collection in progress rather than starting their own. The cyclic garbage collector is paused during
a collection unless ``metrics_collect_pause_gc`` is off (see :func:`gc_paused`).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Optional

from opentelemetry.sdk.metrics.export import MetricReader, MetricsData

from otel_actuator.auto import sdk_patches
from otel_actuator.bridge.micrometer import MeterFamily, convert
from otel_actuator.settings import Settings
from otel_actuator.sources import Meter

_logger = logging.getLogger("otel_actuator")

#: Every reader of this process, so that a forked child can reset them.
_readers: weakref.WeakSet[ActuatorMetricReader] = weakref.WeakSet()


class ActuatorMetricReader(MetricReader):
    """Cumulative for every instrument; implements ``MeterSource``.

    Give it to a ``MeterProvider(metric_readers=[...])``; ``OTEL_METRICS_EXPORTER=actuator`` builds the
    default bridge's one (:class:`~otel_actuator.bridge.entry_points.DefaultBridgeMetricReader`).
    """

    def __init__(self, settings: Optional[Settings] = None) -> None:
        super().__init__()
        self._collect_lock = threading.Lock()
        self._state: tuple[Mapping[str, MeterFamily], Optional[float]] = ({}, None)
        self._is_shutdown = False
        _readers.add(self)
        self._settings = settings or Settings.from_env()

    @property
    def is_registered(self) -> bool:
        """Whether a ``MeterProvider`` collects through this reader."""
        return sdk_patches.reader_is_registered(self)

    def families(self) -> Mapping[str, MeterFamily]:
        """The converted meters of a collection at most ``metrics_cache_ttl`` seconds old."""
        with self._collect_lock:
            collected_at = self._state[1]
            ttl = self._settings.metrics_cache_ttl
            fresh = collected_at is not None and time.monotonic() - collected_at < ttl
            if not fresh and self.is_registered and not self._is_shutdown:
                pause: AbstractContextManager[None] = (
                    gc_paused() if self._settings.metrics_collect_pause_gc else nullcontext()
                )
                try:
                    with pause:
                        self.collect()
                except Exception:
                    # A failing collection must not break the endpoint: serve the previous one.
                    _logger.warning("metrics collection failed; serving the previous values", exc_info=True)
            return self._state[0]

    def meter_names(self) -> Sequence[str]:
        return list(self.families())

    def meters(self, name: str) -> Sequence[Meter]:
        family = self.families().get(name)
        return family.meters() if family is not None else []

    def _receive_metrics(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> None:
        # Also reached from MeterProvider.force_flush on another thread: a single assignment, no lock,
        # because the collecting thread may hold the SDK's collection lock while we hold ours.
        try:
            families = convert(metrics_data, self._settings.metrics_max_series, previous=self._state[0])
        except Exception:
            _logger.warning("metrics conversion failed; serving the previous values", exc_info=True)
            return
        self._state = (families, time.monotonic())

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        """Stop collecting; the last values stay readable."""
        self._is_shutdown = True

    def _reset_after_fork(self) -> None:
        # The cached collection describes the parent (its pid, start time, threads), and another thread of
        # the parent may have held the lock at the fork: the child starts over with a fresh lock.
        self._collect_lock = threading.Lock()
        self._state = ({}, None)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a collection.

    A collection allocates tens of thousands of short-lived objects (the SDK's data points, their
    conversion). With the collector running, those alive at a young-generation pass get promoted to
    the oldest generation, and that promotion is what triggers full collections: tens of milliseconds
    on a large heap, with every request of the process paused. Paused, the temporaries are freed by
    reference counting before the collector sees them. The collector is re-enabled only if it was
    enabled before. The pause is process-wide: meanwhile no thread's allocations start a cyclic
    collection. Where that matters more (an application that manages the collector itself, say),
    ``OTEL_ACTUATOR_METRICS_COLLECT_PAUSE_GC=false`` turns it off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _reset_readers_after_fork() -> None:
    for reader in list(_readers):
        reader._reset_after_fork()


if hasattr(os, "register_at_fork"):  # not on Windows, which cannot fork
    os.register_at_fork(after_in_child=_reset_readers_after_fork)
