"""The Actuator: one application's settings, sources, health registry and endpoints, framework-free.

A thin facade for users: the mount helpers return it, so ``actuator.health.register(...)``,
``actuator.add_info_contributor(...)`` and ``actuator.sources`` are one attribute away. What runs
beside it (management server, registrars) belongs to :mod:`otel_actuator.boot`, not to this object.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Callable, Optional

from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.endpoints.registry import create_endpoints
from otel_actuator.health.registry import HealthRegistry
from otel_actuator.sanitize import Sanitizer
from otel_actuator.settings import Settings
from otel_actuator.sources import (
    ExchangeSource,
    LogSource,
    MappingsProvider,
    MeterSource,
    PrometheusSource,
    Sources,
)

_logger = logging.getLogger("otel_actuator")


class Actuator:
    """Settings, the :class:`~otel_actuator.sources.Sources` the endpoints read, health and the dispatcher.

    ``sanitizer`` masks secrets in env, info and health details; replace it before the first request to
    add keys or a hook. The source attributes (``meters``, ``exchanges`` ...) are shortcuts to ``sources``.
    """

    def __init__(
        self,
        settings: Optional[Settings] = None,
        *,
        sources: Optional[Sources] = None,
        meters: Optional[MeterSource] = None,
        prometheus: Optional[PrometheusSource] = None,
        exchanges: Optional[ExchangeSource] = None,
        logs: Optional[LogSource] = None,
        resource_attributes: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.sources = sources or Sources()
        for name, value in (("meters", meters), ("prometheus", prometheus), ("exchanges", exchanges), ("logs", logs)):
            if value is not None:
                setattr(self.sources, name, value)
        self.sources.resource_attributes.update(resource_attributes or {})
        self.health = HealthRegistry(self.settings)
        self.sanitizer = Sanitizer(self.settings.sanitize_keys)
        self._dispatcher: Optional[Dispatcher] = None

    # Shortcuts to the sources, for code written against the first releases.
    @property
    def meters(self) -> Optional[MeterSource]:
        return self.sources.meters

    @meters.setter
    def meters(self, value: Optional[MeterSource]) -> None:
        self.sources.meters = value

    @property
    def prometheus(self) -> Optional[PrometheusSource]:
        return self.sources.prometheus

    @prometheus.setter
    def prometheus(self, value: Optional[PrometheusSource]) -> None:
        self.sources.prometheus = value

    @property
    def exchanges(self) -> Optional[ExchangeSource]:
        return self.sources.exchanges

    @exchanges.setter
    def exchanges(self, value: Optional[ExchangeSource]) -> None:
        self.sources.exchanges = value

    @property
    def logs(self) -> Optional[LogSource]:
        return self.sources.logs

    @logs.setter
    def logs(self, value: Optional[LogSource]) -> None:
        self.sources.logs = value

    @property
    def mappings_provider(self) -> Optional[MappingsProvider]:
        return self.sources.mappings

    @mappings_provider.setter
    def mappings_provider(self, value: Optional[MappingsProvider]) -> None:
        self.sources.mappings = value

    @property
    def shutdown_hook(self) -> Optional[Callable[[], None]]:
        return self.sources.shutdown_hook

    @shutdown_hook.setter
    def shutdown_hook(self, value: Optional[Callable[[], None]]) -> None:
        self.sources.shutdown_hook = value

    @property
    def resource_attributes(self) -> dict[str, Any]:
        return self.sources.resource_attributes

    def add_info_contributor(self, contributor: Callable[[], Mapping[str, Any]]) -> None:
        """Merge what ``contributor()`` returns into every info answer."""
        self.sources.info_contributors.append(contributor)

    def add_property_source(self, name: str, properties: Callable[[], Mapping[str, Any]]) -> None:
        """Show ``properties()`` as one more property source of env, after the built-in ones."""
        self.sources.property_sources.append((name, properties))

    def add_settings_model(self, model: Any, *, prefix: Optional[str] = None) -> None:
        """Show a settings model in configprops: a pydantic ``BaseSettings``/``BaseModel`` instance, or a mapping
        such as Flask's ``app.config`` (which needs a ``prefix``). Module-level ``BaseSettings`` are found anyway.
        """
        from otel_actuator.sources.configprops import model_provider

        self.sources.configuration.append(model_provider(model, prefix))

    def register_cache(
        self, name: str, cache: Any, *, manager: str = "cacheManager", meter_provider: Optional[Any] = None
    ) -> Any:
        """List ``cache`` in the caches endpoint and publish its ``cache.*`` meters; returns what to use for it.

        A cachetools cache comes back as a counting view to use in its place; a ``@cached`` function or an
        ``lru_cache`` wrapper comes back as it is. Meters go through ``meter_provider`` (the global one by default).
        """
        from otel_actuator.sources.caches import CacheRegistry

        registry = self.sources.caches
        if registry is None:
            registry = self.sources.caches = CacheRegistry()
        if not isinstance(registry, CacheRegistry):
            raise TypeError("sources.caches is a custom cache source; register caches with it instead")
        registry.instrument(meter_provider)
        return registry.register(name, cache, manager)

    def add_scheduler(self, scheduler: Any) -> None:
        """Show an APScheduler 3 scheduler's jobs in scheduledtasks, with their last execution from now on."""
        from otel_actuator.sources.scheduling import watch

        self.sources.scheduled_tasks.append(watch(scheduler))

    def startup_step(self, name: str, **tags: object) -> AbstractContextManager[object]:
        """Time a ``with`` block as one step of the startup endpoint's timeline (``app.init``, ``db.migrate`` ...)."""
        from otel_actuator.sources.startup import StartupTimeline

        timeline = self.sources.startup
        return timeline.step(name, **tags) if isinstance(timeline, StartupTimeline) else nullcontext()

    @property
    def dispatcher(self) -> Dispatcher:
        """Routes requests to the endpoints; built on first use, which logs what is exposed."""
        if self._dispatcher is None:
            with self.startup_step("otel_actuator.endpoints.create"):
                endpoints = create_endpoints(self.settings, self.sources, self.health, self.sanitizer)
            self._dispatcher = Dispatcher(self.settings.http_policy(), endpoints)
            self._log_exposure(self._dispatcher.exposed_ids())
        return self._dispatcher

    def _log_exposure(self, exposed: list[str]) -> None:
        _logger.info(
            "Exposing %d endpoint(s) beneath base path '%s': %s. Set OTEL_ACTUATOR_EXPOSURE_INCLUDE "
            "(e.g. '*' or 'health,info,metrics') to expose more.",
            len(exposed),
            self.settings.base_path,
            ", ".join(exposed) or "none",
        )
