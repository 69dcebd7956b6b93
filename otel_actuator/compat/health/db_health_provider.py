"""``DbHealthProvider(engine, name="db")``, as imported from ``pyctuator.health.db_health_provider``.

Backed by the actuator's SQLAlchemy indicator: it runs a validation query and reports Spring Boot's
details (``database``, ``validationQuery``); an ``AsyncEngine`` works too.
"""

from __future__ import annotations

from typing import Any

from otel_actuator.compat.health.health_provider import IndicatorProvider
from otel_actuator.health.db import db_indicator


class DbHealthProvider(IndicatorProvider):
    def __init__(self, engine: Any, name: str = "db") -> None:
        super().__init__(name, db_indicator(engine))
        self.engine = engine
