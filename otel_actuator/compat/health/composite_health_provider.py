"""``CompositeHealthProvider(name, *providers)``, as imported from ``pyctuator.health.composite_health_provider``.

One health component made of several providers, with Pyctuator's rule: DOWN if any part is DOWN, else UP
if any part is UP (or there is none), else UNKNOWN. The parts show under ``details`` by their names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from otel_actuator.compat.health.health_provider import HealthProvider, HealthStatus, Status


@dataclass
class CompositeHealthStatus(HealthStatus):
    status: Status
    details: Mapping[str, HealthStatus]


class CompositeHealthProvider(HealthProvider):
    def __init__(self, name: str, *health_providers: HealthProvider) -> None:
        self.name = name
        self.health_providers = health_providers

    def is_supported(self) -> bool:
        return True

    def get_name(self) -> str:
        return self.name

    def get_health(self) -> CompositeHealthStatus:
        parts = {p.get_name(): p.get_health() for p in self.health_providers if p.is_supported()}
        statuses = {Status(s.status) if s.status in Status.__members__ else s.status for s in parts.values()}
        if Status.DOWN in statuses:
            overall = Status.DOWN
        elif Status.UP in statuses or not parts:
            overall = Status.UP
        else:
            overall = Status.UNKNOWN
        return CompositeHealthStatus(overall, parts)
