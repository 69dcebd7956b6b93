"""``RedisHealthProvider(redis_client)``, as imported from ``pyctuator.health.redis_health_provider``.

Backed by the actuator's Redis indicator: details follow Spring Boot (``version``), asyncio clients and
clusters work too.
"""

from __future__ import annotations

from typing import Any

from otel_actuator.compat.health.health_provider import IndicatorProvider
from otel_actuator.health.redis import redis_indicator


class RedisHealthProvider(IndicatorProvider):
    def __init__(self, redis: Any, name: str = "redis") -> None:
        super().__init__(name, redis_indicator(redis))
        self.redis = redis
