"""Pyctuator's health providers (``pyctuator.health``), backed by the actuator's indicators."""

from __future__ import annotations

from otel_actuator.compat.health.db_health_provider import DbHealthProvider
from otel_actuator.compat.health.health_provider import HealthDetails, HealthProvider, HealthStatus, Status
from otel_actuator.compat.health.redis_health_provider import RedisHealthProvider

__all__ = ["DbHealthProvider", "HealthDetails", "HealthProvider", "HealthStatus", "RedisHealthProvider", "Status"]
