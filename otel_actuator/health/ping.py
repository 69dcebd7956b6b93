"""``ping``: UP whenever the process can answer at all, the one member of the liveness group."""

from __future__ import annotations

from otel_actuator.health.result import Health


class PingHealthIndicator:
    # async so it runs inline on the event loop instead of costing a thread hop.
    async def health(self) -> Health:
        return Health.up()
