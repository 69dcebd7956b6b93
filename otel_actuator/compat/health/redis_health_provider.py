"""``RedisHealthProvider(redis_client)``, as imported from ``pyctuator.health.redis_health_provider``.

Backed by the actuator's Redis indicator: details follow Spring Boot (``version``), asyncio clients and
clusters work too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from otel_actuator.compat.health.health_provider import HealthDetails, HealthStatus, IndicatorProvider, Status
from otel_actuator.health.redis import redis_indicator


@dataclass
class RedisHealthDetails(HealthDetails):
    """Pyctuator's details type, for providers written against it (this provider reports Spring Boot's)."""

    version: Optional[str] = None
    mode: Optional[str] = None
    failure: Optional[str] = None


@dataclass
class RedisHealthStatus(HealthStatus):
    status: Status
    details: RedisHealthDetails


class RedisHealthProvider(IndicatorProvider):
    def __init__(self, redis: Any, name: str = "redis") -> None:
        super().__init__(name, redis_indicator(redis))
        self.redis = redis
