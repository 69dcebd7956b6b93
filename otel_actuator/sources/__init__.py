"""What the endpoints read: small protocols, and one :class:`Sources` object that gathers them.

The OpenTelemetry bridge, the log tail, the framework mount helpers and user code fill a ``Sources``;
the endpoints only read it. Data flows one way: OTel -> bridge -> Sources -> endpoints -> HTTP.
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, runtime_checkable

if TYPE_CHECKING:
    # Defined beside the code that builds them, which imports nothing from here (no import cycle).
    from otel_actuator.sources.caches import CacheDescription
    from otel_actuator.sources.configprops import ConfigurationBean
    from otel_actuator.sources.scheduling import ScheduledTask
    from otel_actuator.sources.startup import StartupStep


@dataclass(frozen=True)
class Meter:
    """One time series in Micrometer terms: name, tags and its statistics (COUNT, TOTAL_TIME, MAX, VALUE ...)."""

    name: str
    tags: Mapping[str, str]
    measurements: Mapping[str, float]
    description: Optional[str] = None
    base_unit: Optional[str] = None


@runtime_checkable
class MeterSource(Protocol):
    def meter_names(self) -> Sequence[str]:
        """Every meter name currently known."""

    def meters(self, name: str) -> Sequence[Meter]:
        """Every series of one meter (empty when unknown)."""


@runtime_checkable
class PrometheusSource(Protocol):
    def render(self, openmetrics: bool, included_names: Optional[Collection[str]] = None) -> tuple[bytes, str]:
        """The exposition text and its content type: OpenMetrics 1.0 or the Prometheus text format 0.0.4.

        ``included_names`` keeps only the metric families named (by family or sample name); None keeps all.
        """


@dataclass(frozen=True)
class Exchange:
    """One recorded HTTP server exchange. Header values are already redacted where needed."""

    timestamp: _dt.datetime
    method: str
    uri: str
    status: int
    time_taken_ns: int
    request_headers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    response_headers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    remote_address: Optional[str] = None
    principal: Optional[str] = None
    trace_id: Optional[str] = None
    span_id: Optional[str] = None


@runtime_checkable
class ExchangeSource(Protocol):
    def exchanges(self) -> Sequence[Exchange]:
        """The recorded exchanges, newest first."""


@runtime_checkable
class LogSource(Protocol):
    """A byte-addressed log whose offsets stay stable while it grows (for Range requests)."""

    def size(self) -> int:
        """Total bytes the log holds now (its end offset)."""

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``start`` .. ``end`` inclusive; ``start`` may be below what is still kept."""

    def first_offset(self) -> int:
        """Lowest offset still readable (0 for a file; grows as a bounded buffer drops old lines)."""


@dataclass(frozen=True)
class RouteMapping:
    """One route of the host application, for the mappings endpoint."""

    patterns: tuple[str, ...]
    methods: tuple[str, ...]
    handler: str
    handler_class: str = ""
    handler_name: str = ""
    produces: tuple[str, ...] = ()
    consumes: tuple[str, ...] = ()
    #: What serves the route ("FastAPI", "Flask"): the title of its group in SBA's Mappings view.
    framework: str = ""


MappingsProvider = Callable[[], Sequence[RouteMapping]]

#: A property source for the env endpoint: its name and a callable giving its properties now.
PropertySource = tuple[str, Callable[[], Mapping[str, Any]]]

#: An info contributor: returns a mapping merged (deeply) into the info payload.
InfoContributor = Callable[[], Mapping[str, Any]]


#: Gives the configuration beans now (a discovery, or one registered model).
ConfigurationProvider = Callable[[], Sequence["ConfigurationBean"]]


#: Gives the scheduled tasks of one scheduler (or of every scheduler it finds) now.
ScheduledTasksProvider = Callable[[], Sequence["ScheduledTask"]]


@runtime_checkable
class CacheSource(Protocol):
    def caches(self) -> Sequence[CacheDescription]:
        """Every registered cache."""

    def clear(self, manager: str, name: str) -> None:
        """Evict every entry of one cache (one that ``caches()`` listed)."""


@runtime_checkable
class SbomSource(Protocol):
    def ids(self) -> Sequence[str]:
        """The ids of the software bills of materials offered (``application`` ...)."""

    def document(self, sbom_id: str) -> Optional[tuple[bytes, str]]:
        """One SBOM and its media type, or None for an unknown id."""


@runtime_checkable
class StartupSource(Protocol):
    def start_time(self) -> _dt.datetime:
        """When the process started."""

    def steps(self) -> Sequence[StartupStep]:
        """The steps still buffered, in the order they began."""

    def drain(self) -> Sequence[StartupStep]:
        """The buffered steps, removed from the buffer."""


def _discovered_configuration() -> list[ConfigurationProvider]:
    """pydantic-settings models found without user code, when the library is installed."""
    if importlib.util.find_spec("pydantic_settings") is None:
        return []
    from otel_actuator.sources.configprops import discovered_settings

    return [discovered_settings]


def _discovered_schedulers() -> list[ScheduledTasksProvider]:
    """APScheduler schedulers and Celery apps found without user code, for the libraries installed."""
    providers: list[ScheduledTasksProvider] = []
    if importlib.util.find_spec("apscheduler") is not None:
        from otel_actuator.sources.scheduling import discovered_apscheduler_tasks

        providers.append(discovered_apscheduler_tasks)
    if importlib.util.find_spec("celery") is not None:
        from otel_actuator.sources.celery_beat import discovered_celery_tasks

        providers.append(discovered_celery_tasks)
    return providers


def _installed_distributions_sbom() -> Optional[SbomSource]:
    """The installed distributions as a CycloneDX SBOM, when cyclonedx-python-lib is installed."""
    if importlib.util.find_spec("cyclonedx") is None:
        return None
    from otel_actuator.sources.sbom import InstalledDistributionsSbom

    return InstalledDistributionsSbom()


def _process_startup() -> StartupSource:
    from otel_actuator.sources.startup import process_timeline

    return process_timeline()


@dataclass
class Sources:
    """Everything the endpoints read, filled by the bridge, the mount helpers and user code.

    A missing source (``None``) makes its endpoint absent from the index and answer 404, so an app without
    OpenTelemetry metrics still serves health, info, env and the rest.
    """

    meters: Optional[MeterSource] = None
    prometheus: Optional[PrometheusSource] = None
    exchanges: Optional[ExchangeSource] = None
    logs: Optional[LogSource] = None
    mappings: Optional[MappingsProvider] = None
    property_sources: list[PropertySource] = field(default_factory=list)
    info_contributors: list[InfoContributor] = field(default_factory=list)
    #: The OpenTelemetry resource (service.name, service.instance.id ...), shown by env and sent to SBA.
    resource_attributes: dict[str, Any] = field(default_factory=dict)
    #: Called by an enabled shutdown endpoint instead of sending SIGTERM to the process.
    shutdown_hook: Optional[Callable[[], None]] = None
    #: Settings models for configprops; found ones first, then those registered with add_settings_model.
    configuration: list[ConfigurationProvider] = field(default_factory=_discovered_configuration)
    #: Schedulers for scheduledtasks (found APScheduler ones, registered APScheduler or Celery beat ones).
    scheduled_tasks: list[ScheduledTasksProvider] = field(default_factory=_discovered_schedulers)
    #: The caches for the caches endpoint; set by the first ``register_cache``.
    caches: Optional[CacheSource] = None
    sbom: Optional[SbomSource] = field(default_factory=_installed_distributions_sbom)
    startup: Optional[StartupSource] = field(default_factory=_process_startup)
