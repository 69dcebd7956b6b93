"""Every endpoint the actuator offers. Adding an endpoint = one module + one line here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from otel_actuator.core.endpoint import Endpoint
from otel_actuator.endpoints import (
    caches,
    configprops,
    env,
    health,
    httpexchanges,
    info,
    logfile,
    loggers,
    mappings,
    metrics,
    prometheus,
    sbom,
    scheduledtasks,
    shutdown,
    startup,
    threaddump,
)

if TYPE_CHECKING:
    from otel_actuator.health.registry import HealthRegistry
    from otel_actuator.sanitize import Sanitizer
    from otel_actuator.settings import Settings
    from otel_actuator.sources import Sources


def create_endpoints(
    settings: Settings, sources: Sources, health_registry: HealthRegistry, sanitizer: Sanitizer
) -> list[Endpoint]:
    """The endpoints, each given only what it reads; sources are read per request, so they may fill later."""
    return [
        *health.create(health_registry, sanitizer, settings.health_show_details),
        *info.create(settings, sources, sanitizer),
        *env.create(settings, sources, sanitizer),
        *configprops.create(settings, sources, sanitizer),
        *loggers.create(settings.logger_groups),
        *logfile.create(sources, settings.logfile_path),
        *startup.create(sources),
        *threaddump.create(),
        *metrics.create(sources),
        *prometheus.create(sources),
        *httpexchanges.create(sources),
        *mappings.create(sources, settings.service_name),
        *scheduledtasks.create(sources),
        *caches.create(sources),
        *sbom.create(sources),
        *shutdown.create(sources, settings.shutdown_enabled),
    ]
