"""A drop-in for Pyctuator: its constructor, methods and health providers, backed by OpenTelemetry.

Every ``pyctuator`` module users import has a twin here under the same name, so replacing ``pyctuator``
with ``otel_actuator.compat`` in the imports is the whole migration::

    from otel_actuator.compat import Pyctuator                       # was: from pyctuator.pyctuator import Pyctuator
    from otel_actuator.compat.health.redis_health_provider import RedisHealthProvider
"""

from __future__ import annotations

from otel_actuator.compat.auth import Auth, BasicAuth
from otel_actuator.compat.endpoints import Endpoints
from otel_actuator.compat.health import (
    CompositeHealthProvider,
    DbHealthProvider,
    HealthDetails,
    HealthProvider,
    HealthStatus,
    RedisHealthProvider,
    Status,
)
from otel_actuator.compat.pyctuator import Pyctuator

__all__ = [
    "Auth",
    "BasicAuth",
    "CompositeHealthProvider",
    "DbHealthProvider",
    "Endpoints",
    "HealthDetails",
    "HealthProvider",
    "HealthStatus",
    "Pyctuator",
    "RedisHealthProvider",
    "Status",
]
