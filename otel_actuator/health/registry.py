"""The application's health components and groups, evaluated concurrently with timeouts and a short cache.

Groups, as in Spring Boot: ``liveness`` holds only what proves the process itself is alive (``ping``),
never an external dependency, so an orchestrator does not restart the application when a database
goes away; ``readiness`` holds every component. More come from ``OTEL_ACTUATOR_HEALTH_GROUPS``
(``name=component+component``, ``*`` for every component), ``add_group`` and ``register(groups=...)``.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Callable, Optional

from otel_actuator.health.disk_space import DiskSpaceHealthIndicator
from otel_actuator.health.evaluation import Node, compile_contributor, count_thread_checks, evaluate_node, validate_name
from otel_actuator.health.indicator import Contributor
from otel_actuator.health.ping import PingHealthIndicator
from otel_actuator.health.result import AggregateHealth, HealthResult
from otel_actuator.health.status import StatusAggregator
from otel_actuator.health.workers import CheckThreads
from otel_actuator.settings import Settings

LIVENESS = "liveness"
READINESS = "readiness"
EVERY_COMPONENT = "*"


@dataclass(frozen=True)
class _Entry:
    node: Node
    groups: frozenset[str]


class HealthRegistry:
    """Named health components (``ping`` and ``diskSpace`` unless ``defaults=False``) and their groups.

    All checks of an evaluation start together and each is abandoned after its timeout, so an evaluation
    lasts about the longest timeout at most (an ``async`` check that blocks the event loop defeats this).
    Safe to use from any thread and any event loop. ``clock`` is the monotonic clock behind the cache.
    """

    def __init__(
        self, settings: Settings, *, defaults: bool = True, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._aggregator = StatusAggregator(settings.health_status_order)
        self._threads = CheckThreads()
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._cache: dict[str, tuple[_Entry, float, HealthResult]] = {}
        self._groups: dict[str, frozenset[str]] = {
            LIVENESS: frozenset({"ping"}),
            READINESS: frozenset({EVERY_COMPONENT}),
        }
        self._groups.update({name: frozenset(members) for name, members in settings.health_groups.items()})
        if defaults:
            self.register("ping", PingHealthIndicator())
            self.register(
                "diskSpace", DiskSpaceHealthIndicator(settings.health_disk_path, settings.health_disk_threshold)
            )

    # -- components -----------------------------------------------------------------------------

    def register(
        self,
        name: str,
        indicator: Contributor,
        *,
        groups: Optional[Iterable[str]] = None,
        timeout: Optional[float] = None,
    ) -> None:
        """Add a component; ``groups`` it joins besides those naming it; ``timeout`` overrides the setting."""
        validate_name(name)
        seconds = self._settings.health_timeout if timeout is None else timeout
        if not (isinstance(seconds, (int, float)) and 0 < seconds < math.inf):
            raise ValueError(f"health component {name!r}: timeout must be positive seconds, got {timeout!r}")
        entry = _Entry(compile_contributor(name, indicator, float(seconds)), frozenset(_group_names(groups or ())))
        with self._lock:
            if name in self._entries:
                raise ValueError(f"health component {name!r} is already registered; unregister it first")
            self._entries[name] = entry
            self._resize_threads()

    def unregister(self, name: str) -> bool:
        """Remove a component; whether it was there."""
        with self._lock:
            removed = self._entries.pop(name, None)
            self._cache.pop(name, None)
            self._resize_threads()
        return removed is not None

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._entries)

    def _resize_threads(self) -> None:
        # One thread per plain check: each runs at most once at a time, so none can starve another.
        self._threads.limit = sum(count_thread_checks(entry.node) for entry in self._entries.values())

    # -- groups ---------------------------------------------------------------------------------

    def add_group(self, name: str, members: Iterable[str]) -> None:
        """Define (or redefine, ``liveness`` and ``readiness`` included) a group; ``*`` means every component."""
        validate_name(name)
        group = frozenset(members)
        for member in group:
            if member != EVERY_COMPONENT:
                validate_name(member)
        with self._lock:
            self._groups[name] = group

    def group_names(self) -> list[str]:
        with self._lock:
            named = {group for entry in self._entries.values() for group in entry.groups}
            return sorted(named.union(self._groups))

    def has_group(self, name: str) -> bool:
        return name in self.group_names()

    def group_members(self, name: str) -> list[str]:
        """The registered components of a group, sorted."""
        with self._lock:
            members = self._groups.get(name, frozenset())
            return sorted(
                component
                for component, entry in self._entries.items()
                if EVERY_COMPONENT in members or component in members or name in entry.groups
            )

    # -- evaluation -----------------------------------------------------------------------------

    async def evaluate(self, group: Optional[str] = None) -> AggregateHealth:
        """Every component (or a group's members) at once; each check is cut off after its own timeout."""
        if group is None:
            names = self.names()
        elif self.has_group(group):
            names = self.group_members(group)
        else:
            raise KeyError(f"no health group named {group!r}")
        results = await asyncio.gather(*(self._component(name) for name in names))
        components = {name: result for name, result in zip(names, results) if result is not None}
        return AggregateHealth(self._aggregator.aggregate(r.status for r in components.values()), components)

    async def evaluate_path(self, path: Sequence[str], *, group: Optional[str] = None) -> Optional[HealthResult]:
        """The component at ``path`` (``["broker", "us1"]``), within ``group`` if given; None when absent."""
        if not path or (group is not None and path[0] not in self.group_members(group)):
            return None
        result = await self._component(path[0])
        for segment in path[1:]:
            if not isinstance(result, AggregateHealth):
                return None
            result = result.components.get(segment)
        return result

    async def _component(self, name: str) -> Optional[HealthResult]:
        ttl = self._settings.health_cache_ttl
        with self._lock:
            entry = self._entries.get(name)
            cached = self._cache.get(name)
        if entry is None:
            return None
        if cached is not None and cached[0] is entry and self._clock() < cached[1]:
            return cached[2]
        result = await evaluate_node(entry.node, self._threads, self._aggregator)
        if ttl > 0:
            with self._lock:
                if self._entries.get(name) is entry:
                    self._cache[name] = (entry, self._clock() + ttl, result)
        return result


def _group_names(groups: Iterable[str]) -> list[str]:
    if isinstance(groups, str):
        raise TypeError(f"groups must be a collection of group names, not the string {groups!r}")
    return [validate_name(group) for group in groups]
