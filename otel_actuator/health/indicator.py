"""The contract for custom health checks.

Anything with a ``health()`` method, plain or ``async``, is a health indicator::

    from otel_actuator.health import Health, HealthIndicator

    class QueueHealth:
        def __init__(self, queue: Queue) -> None:
            self.queue = queue

        def health(self) -> Health:
            depth = self.queue.depth()
            return Health.down(depth=depth) if depth > 10_000 else Health.up(depth=depth)

    actuator.health.register("queue", QueueHealth(queue))

A plain function (or ``async def``) works as well. It may return a ``Health``, a ``Status`` or status
string, ``True``/``False``, a mapping (its ``status`` key, UP by default, plus details) or ``None`` (UP)::

    actuator.health.register("cache", cache.ping)             # True -> UP, False -> DOWN

    async def search() -> dict[str, object]:
        info = await es.info()
        return {"status": "UP", "version": info["version"]["number"]}

    actuator.health.register("search", search, timeout=1.0)

Related checks can be nested under one name; their statuses aggregate into the parent's::

    actuator.health.register("broker", CompositeHealth({"us1": BrokerHealth(us1), "us2": BrokerHealth(us2)}))

Rules every check gets for free: it runs concurrently with the others and is cut off after its timeout
(``OTEL_ACTUATOR_HEALTH_TIMEOUT`` unless given at registration); raising or timing out makes only that
component DOWN with an ``error`` detail. ``async`` checks run on the serving event loop and must not block
it; plain ones run on worker threads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, Callable, Protocol, Union, runtime_checkable

from otel_actuator.health.result import HealthValue


@runtime_checkable
class HealthIndicator(Protocol):
    """One health check. ``health`` may be ``async def``."""

    def health(self) -> Union[HealthValue, Awaitable[HealthValue]]:
        """The component's health now: a Health, a Status, or a bool; raising makes it DOWN."""
        ...


class CompositeHealth:
    """Named children (indicators, callables or other composites) shown and aggregated under one name."""

    def __init__(self, children: Mapping[str, Contributor]) -> None:
        self.children: dict[str, Contributor] = dict(children)


#: Everything ``HealthRegistry.register`` accepts.
Contributor = Union[HealthIndicator, CompositeHealth, Callable[[], Any]]
