"""The Actuator: settings, data sources and endpoints of one application, framework-free."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional

from otel_actuator.core.endpoint import Endpoint
from otel_actuator.sanitize import Sanitizer
from otel_actuator.settings import Settings
from otel_actuator.sources import (
    ExchangeSource,
    InfoContributor,
    LogSource,
    MappingsProvider,
    MeterSource,
    PrometheusSource,
    PropertySource,
)

if TYPE_CHECKING:
    from otel_actuator.admin.registrar import Registrar
    from otel_actuator.core.dispatcher import Dispatcher
    from otel_actuator.health.registry import HealthRegistry
    from otel_actuator.web.server import ManagementServer

_logger = logging.getLogger("otel_actuator")


class Actuator:
    """Holds what the endpoints read. Sources may be attached after construction (the bridge does).

    ``shutdown_hook`` is called (after the response is sent) by an enabled shutdown endpoint.
    ``sanitizer`` masks secrets in env and info; replace it to add keys or a hook.
    """

    def __init__(
        self,
        settings: Optional[Settings] = None,
        *,
        meters: Optional[MeterSource] = None,
        prometheus: Optional[PrometheusSource] = None,
        exchanges: Optional[ExchangeSource] = None,
        logs: Optional[LogSource] = None,
        resource_attributes: Optional[Mapping[str, Any]] = None,
    ) -> None:
        from otel_actuator.health.registry import HealthRegistry

        self.settings = settings or Settings.from_env()
        self.health: HealthRegistry = HealthRegistry(self.settings)
        self.meters = meters
        self.prometheus = prometheus
        self.exchanges = exchanges
        self.logs = logs
        self.resource_attributes: dict[str, Any] = dict(resource_attributes or {})
        self.info_contributors: list[InfoContributor] = []
        self.property_sources: list[PropertySource] = []
        self.mappings_provider: Optional[MappingsProvider] = None
        self.shutdown_hook: Optional[Callable[[], None]] = None
        self.sanitizer = Sanitizer(self.settings.sanitize_keys)
        self._dispatcher: Optional[Dispatcher] = None
        #: Set by :func:`otel_actuator.web.common.monitor` when settings ask for them.
        self.management_server: Optional[ManagementServer] = None
        self.registrar: Optional[Registrar] = None

    def add_info_contributor(self, contributor: InfoContributor) -> None:
        self.info_contributors.append(contributor)

    def add_property_source(self, name: str, properties: Callable[[], Mapping[str, Any]]) -> None:
        self.property_sources.append((name, properties))

    @property
    def dispatcher(self) -> Dispatcher:
        if self._dispatcher is None:
            from otel_actuator.core.dispatcher import Dispatcher
            from otel_actuator.endpoints.registry import create_endpoints

            self._dispatcher = Dispatcher(self.settings, create_endpoints(self))
            self._log_exposure(self._dispatcher.exposed_ids())
        return self._dispatcher

    def endpoints(self) -> Sequence[Endpoint]:
        return self.dispatcher.endpoints

    def _log_exposure(self, exposed: Sequence[str]) -> None:
        _logger.info(
            "Exposing %d endpoint(s) beneath base path '%s': %s. Set OTEL_ACTUATOR_EXPOSURE_INCLUDE "
            "(e.g. '*' or 'health,info,metrics') to expose more.",
            len(exposed),
            self.settings.base_path,
            ", ".join(exposed) or "none",
        )
