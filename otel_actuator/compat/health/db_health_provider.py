"""``DbHealthProvider(engine, name="db")``, as imported from ``pyctuator.health.db_health_provider``.

Backed by the actuator's SQLAlchemy indicator: it runs a validation query and reports Spring Boot's
details (``database``, ``validationQuery``); an ``AsyncEngine`` works too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from otel_actuator.compat.health.health_provider import HealthDetails, HealthStatus, IndicatorProvider, Status
from otel_actuator.health.db import db_indicator


@dataclass
class DbHealthDetails(HealthDetails):
    """Pyctuator's details type, for providers written against it (this provider reports Spring Boot's)."""

    engine: str
    failure: Optional[str] = None


@dataclass
class DbHealthStatus(HealthStatus):
    status: Status
    details: DbHealthDetails


class DbHealthProvider(IndicatorProvider):
    def __init__(self, engine: Any, name: str = "db") -> None:
        super().__init__(name, db_indicator(engine))
        self.engine = engine
