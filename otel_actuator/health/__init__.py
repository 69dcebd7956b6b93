"""Health checks for the ``health`` endpoint: indicators, composites, groups and status aggregation.

The custom-check contract (``HealthIndicator``, ``Health``, ``Status``) is documented in
``otel_actuator.health.indicator``.
"""

from __future__ import annotations

from otel_actuator.health.db import AsyncSqlAlchemyHealthIndicator, SqlAlchemyHealthIndicator, db_indicator
from otel_actuator.health.disk_space import DiskSpaceHealthIndicator
from otel_actuator.health.indicator import CompositeHealth, Contributor, HealthIndicator
from otel_actuator.health.ping import PingHealthIndicator
from otel_actuator.health.redis import AsyncRedisHealthIndicator, RedisHealthIndicator, redis_indicator
from otel_actuator.health.registry import LIVENESS, READINESS, HealthRegistry
from otel_actuator.health.result import AggregateHealth, Health, HealthResult, HealthValue
from otel_actuator.health.status import Status, StatusAggregator, http_status

__all__ = [
    "LIVENESS",
    "READINESS",
    "AggregateHealth",
    "AsyncRedisHealthIndicator",
    "AsyncSqlAlchemyHealthIndicator",
    "CompositeHealth",
    "Contributor",
    "DiskSpaceHealthIndicator",
    "Health",
    "HealthIndicator",
    "HealthRegistry",
    "HealthResult",
    "HealthValue",
    "PingHealthIndicator",
    "RedisHealthIndicator",
    "SqlAlchemyHealthIndicator",
    "Status",
    "StatusAggregator",
    "db_indicator",
    "http_status",
    "redis_indicator",
]
