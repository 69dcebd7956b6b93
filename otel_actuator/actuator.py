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
from otel_actuator.core.endpoint import Endpoint
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

        A cachetools cache comes back as a counting view to use in its place; a ``@cached`` function, an
        ``lru_cache`` wrapper or an aiocache cache (counted by a plugin it gets) comes back as it is. Meters go
        through ``meter_provider`` (the global one by default).
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
        """Show a scheduler's tasks in scheduledtasks: an APScheduler 3 scheduler's jobs, with their last execution
        from now on, or a Celery app's beat entries (a beat ``Service`` or ``Scheduler`` in this process adds their
        last runs).
        """
        from otel_actuator.sources.celery_beat import provider_for
        from otel_actuator.sources.scheduling import watch

        celery_beat = provider_for(scheduler)
        self.sources.scheduled_tasks.append(celery_beat if celery_beat is not None else watch(scheduler))

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
            self._log_exposure(self._dispatcher)
        return self._dispatcher

    def _log_exposure(self, dispatcher: Dispatcher) -> None:
        """Say at INFO what is exposed, and at WARNING what the user asked for that cannot be served."""
        exposed = dispatcher.exposed_ids()
        more = ""
        if "*" not in self.settings.exposure_include:
            more = " Set OTEL_ACTUATOR_EXPOSURE_INCLUDE (e.g. '*' or 'health,info,metrics') to expose more."
        _logger.info(
            "Exposing %d endpoint(s) beneath base path '%s': %s.%s",
            len(exposed),
            self.settings.base_path,
            ", ".join(exposed) or "none",
            more,
        )
        for hint in self._unserved_hints(dispatcher.endpoints, exposed):
            _logger.warning("%s", hint)

    def _unserved_hints(self, endpoints: list[Endpoint], exposed: list[str]) -> list[str]:
        """What keeps the endpoints the user asked for from answering: one line per missing thing.

        Naming an endpoint asks for it; ``*`` asks for those OpenTelemetry feeds (an app without caches or a
        shutdown switch did not ask for those by exposing everything).
        """
        include, exclude = self.settings.exposure_include, self.settings.exposure_exclude
        lacking: dict[str, list[str]] = {}
        for endpoint in endpoints:
            name = endpoint.id
            if name in exposed or name in exclude or "*" in exclude:
                continue
            if name in include or ("*" in include and name in _FED_BY):
                need = _FED_BY.get(name, "its data source") if endpoint.enabled else "enabling"
                lacking.setdefault(need, []).append(name)
        setup_off = "" if self.settings.telemetry_setup else "OTEL_ACTUATOR_TELEMETRY_SETUP is off, so "
        return [_hint(names, need, setup_off if need in _TELEMETRY else "") for need, names in lacking.items()]


#: What each OpenTelemetry-fed endpoint reads, as the start-up hint names it.
_FED_BY = {
    "metrics": "a meter provider",
    "prometheus": "a meter provider",
    "httpexchanges": "a tracer provider",
    "httptrace": "a tracer provider",
    "logfile": "a log source",
}

_REMEDIES = {
    "a meter provider": "pass your MeterProvider to otel_actuator.connect(meter_provider=...) before mounting, "
    "or run under opentelemetry-instrument with OTEL_METRICS_EXPORTER=actuator",
    "a tracer provider": "pass your TracerProvider to otel_actuator.connect(tracer_provider=...) before mounting, "
    "or run under opentelemetry-instrument with OTEL_TRACES_EXPORTER=actuator",
    "a log source": "set OTEL_ACTUATOR_LOGFILE_PATH, or mount the actuator (which adds the in-memory log tail)",
    "enabling": "set OTEL_ACTUATOR_{NAME}_ENABLED=true",
    "its data source": "set actuator.sources.{name} (or the helper that registers it) before mounting",
}
_TELEMETRY = ("a meter provider", "a tracer provider")


def _hint(names: list[str], need: str, reason: str) -> str:
    """``metrics and prometheus need a meter provider: pass your MeterProvider ...``."""
    subject = " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "needs" if len(names) == 1 else "need"
    remedy = _REMEDIES[need].replace("{NAME}", names[0].upper()).replace("{name}", names[0])
    return f"{reason}{subject} {verb} {need}: {remedy}"
