"""Pyctuator's health providers (``pyctuator.health``), backed by the actuator's indicators."""

from __future__ import annotations

from otel_actuator.compat.health.composite_health_provider import CompositeHealthProvider, CompositeHealthStatus
from otel_actuator.compat.health.db_health_provider import DbHealthDetails, DbHealthProvider, DbHealthStatus
from otel_actuator.compat.health.health_provider import HealthDetails, HealthProvider, HealthStatus, Status
from otel_actuator.compat.health.redis_health_provider import RedisHealthDetails, RedisHealthProvider, RedisHealthStatus

__all__ = [
    "CompositeHealthProvider",
    "CompositeHealthStatus",
    "DbHealthDetails",
    "DbHealthProvider",
    "DbHealthStatus",
    "HealthDetails",
    "HealthProvider",
    "HealthStatus",
    "RedisHealthDetails",
    "RedisHealthProvider",
    "RedisHealthStatus",
    "Status",
]
