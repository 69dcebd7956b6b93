"""Every endpoint the actuator offers. Adding an endpoint = one module + one line here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from otel_actuator.core.endpoint import Endpoint
from otel_actuator.endpoints import (
    env,
    health,
    httpexchanges,
    info,
    logfile,
    loggers,
    mappings,
    metrics,
    prometheus,
    shutdown,
    threaddump,
)

if TYPE_CHECKING:
    from otel_actuator.actuator import Actuator

_MODULES = (health, info, env, loggers, logfile, threaddump, metrics, prometheus, httpexchanges, mappings, shutdown)


def create_endpoints(actuator: Actuator) -> list[Endpoint]:
    endpoints: list[Endpoint] = []
    for module in _MODULES:
        endpoints.extend(module.create(actuator))
    return endpoints
