"""Every setting of otel_actuator, in one frozen dataclass read once from ``OTEL_ACTUATOR_*``.

Each field carries its environment variable name and a one-line description in its metadata; the
configuration reference in docs/ and the ``opentelemetry-instrument`` flags are derived from them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union, get_args, get_origin, get_type_hints

from otel_actuator.core.policy import SHOW_ALWAYS, SHOW_CHOICES, SHOW_NEVER, SHOW_WHEN_AUTHORIZED, HttpPolicy

PREFIX = "OTEL_ACTUATOR_"

__all__ = ["PREFIX", "SHOW_ALWAYS", "SHOW_CHOICES", "SHOW_NEVER", "SHOW_WHEN_AUTHORIZED", "Settings", "SettingsError"]


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


def _setting(
    default: Any,
    doc: str,
    *,
    choices: tuple[str, ...] = (),
    minimum: Optional[float] = None,
    above: Optional[float] = None,
    maximum: Optional[float] = None,
    parse: Optional[Callable[[str], Any]] = None,
) -> Any:
    """A field with its one-line doc and the checks its value must pass.

    ``minimum``/``maximum`` are inclusive bounds, ``above`` an exclusive lower bound; ``parse`` turns the
    environment variable's text into the field's type (and raises ValueError on malformed text).
    """
    meta = {"doc": doc, "choices": choices, "minimum": minimum, "above": above, "maximum": maximum, "parse": parse}
    if isinstance(default, (list, set)):
        raise TypeError("use tuples for sequence defaults")
    if isinstance(default, dict):
        frozen = dict(default)
        return field(default_factory=lambda: dict(frozen), metadata=meta)
    return field(default=default, metadata=meta)


def parse_groups(raw: str) -> dict[str, tuple[str, ...]]:
    """``name=a+b,other=c`` -> {"name": ("a", "b"), "other": ("c",)}; a group may be empty (``name=``)."""
    groups: dict[str, tuple[str, ...]] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        name, sep, members = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"item {item!r}: expected name=member+member")
        groups[name.strip()] = tuple(m.strip() for m in members.split("+") if m.strip())
    return groups


def parse_pairs(raw: str) -> dict[str, str]:
    """``key=value,key2=value2`` -> {"key": "value", "key2": "value2"}."""
    pairs: dict[str, str] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"item {item!r}: expected key=value")
        pairs[key.strip()] = value.strip()
    return pairs


@dataclass(frozen=True)
class Settings:
    """The actuator's configuration. Build with ``Settings.from_env()`` or keyword arguments."""

    base_path: str = _setting("/actuator", "Path under which the actuator endpoints are served.")
    exposure_include: tuple[str, ...] = _setting(("health",), "Endpoint ids exposed over HTTP (comma list, * for all).")
    exposure_exclude: tuple[str, ...] = _setting(
        (), "Endpoint ids never exposed, even when included (comma list, * for all)."
    )
    username: Optional[str] = _setting(
        None, "HTTP Basic user protecting every endpoint except health (auth is off when unset)."
    )
    password: Optional[str] = _setting(None, "HTTP Basic password that goes with OTEL_ACTUATOR_USERNAME.")
    forwarded_headers: bool = _setting(
        False, "Build absolute links from X-Forwarded-Proto/Host/Port/Prefix (only behind a trusted proxy)."
    )
    max_body_bytes: int = _setting(
        65536, "Largest request body accepted by write operations; larger bodies get 413.", minimum=0
    )
    cors_allowed_origins: tuple[str, ...] = _setting(
        (), "Origins allowed by CORS (comma list); CORS is off when empty."
    )

    health_show_details: str = _setting(SHOW_NEVER, "Who sees health components and details.", choices=SHOW_CHOICES)
    health_timeout: float = _setting(2.0, "Seconds each health check may take before its component is DOWN.", above=0)
    health_cache_ttl: float = _setting(
        0.0, "Seconds a health result is reused before checks run again (0 = never cached).", minimum=0
    )
    health_groups: Mapping[str, tuple[str, ...]] = _setting(
        {}, "Extra health groups as name=component+component (comma list).", parse=parse_groups
    )
    health_disk_path: str = _setting(".", "Path whose file system the diskSpace indicator watches.")
    health_disk_threshold: int = _setting(10485760, "Free bytes below which diskSpace is DOWN.", minimum=0)

    env_show_values: str = _setting(SHOW_NEVER, "Who sees values in the env endpoint.", choices=SHOW_CHOICES)
    sanitize_keys: tuple[str, ...] = _setting((), "Extra key fragments whose values are always masked (comma list).")

    logfile_path: Optional[str] = _setting(
        None, "Log file served by the logfile endpoint (an in-memory tail is used when unset)."
    )
    logfile_max_bytes: int = _setting(1048576, "Bytes kept by the in-memory log tail.", above=0)
    logfile_pattern: str = _setting(
        "%(asctime)s %(levelname)5s %(process)d --- [%(threadName)s] %(name)s : %(message)s",
        "Python logging format of lines written to the in-memory log tail.",
    )

    app_name: Optional[str] = _setting(None, "Application name (defaults to OTEL_SERVICE_NAME).")
    app_description: Optional[str] = _setting(None, "Application description shown in info.")
    app_version: Optional[str] = _setting(None, "Application version shown in info and as build.version.")
    info_build_file: Optional[str] = _setting(None, "JSON or .properties file with build info (build.* keys).")
    info_git_file: Optional[str] = _setting(
        None, "JSON or .properties file with git info (git.* keys, as git.properties)."
    )

    shutdown_enabled: bool = _setting(False, "Allow POST /shutdown to stop the process gracefully.")

    telemetry_setup: bool = _setting(
        True,
        "Without opentelemetry-instrument, mounting sets up the OpenTelemetry providers the app lacks, adds the"
        " bridge to the app's own, and instruments the framework and installed client libraries.",
    )

    port: Optional[int] = _setting(
        None, "Serve the actuator on its own port (standalone management server).", minimum=0, maximum=65535
    )
    host: str = _setting("127.0.0.1", "Address the standalone management server binds to.")
    serve_on_app_port: bool = _setting(
        False, "With OTEL_ACTUATOR_PORT set, serve the actuator on the application's port as well."
    )

    exchanges_capacity: int = _setting(100, "HTTP exchanges kept for httpexchanges/httptrace.", minimum=0)
    exchanges_include_actuator: bool = _setting(False, "Record requests to the actuator itself as exchanges.")
    exchanges_redact_headers: tuple[str, ...] = _setting(
        (), "Extra header names whose values are redacted in exchanges."
    )

    metrics_jvm_aliases: bool = _setting(
        True, "Publish Python runtime values under jvm.* names so SBA draws its panels."
    )
    metrics_max_series: int = _setting(
        1000, "Tag combinations kept per meter; the rest fold into one overflow series.", minimum=1
    )

    admin_url: tuple[str, ...] = _setting((), "Spring Boot Admin base URLs to register with (comma list).")
    admin_username: Optional[str] = _setting(None, "HTTP Basic user for Spring Boot Admin.")
    admin_password: Optional[str] = _setting(None, "HTTP Basic password for Spring Boot Admin.")
    admin_interval: float = _setting(10.0, "Seconds between registrations.", above=0)
    admin_register_once: bool = _setting(True, "Register with the first admin URL that answers (false: with all).")
    admin_service_url: Optional[str] = _setting(None, "serviceUrl sent to SBA (discovered from the server when unset).")
    admin_management_url: Optional[str] = _setting(None, "managementUrl sent to SBA (discovered when unset).")
    admin_health_url: Optional[str] = _setting(None, "healthUrl sent to SBA (managementUrl + /health when unset).")
    admin_prefer_ip: bool = _setting(False, "Advertise the host's IP address instead of its name.")
    admin_tags: Mapping[str, str] = _setting({}, "Tags shown by SBA as key=value (comma list).", parse=parse_pairs)
    admin_timeout: float = _setting(5.0, "Connect and read timeout, in seconds, of calls to SBA.", above=0)

    # OpenTelemetry bridge: metrics collection
    metrics_cache_ttl: float = _setting(
        1.0, "Seconds one metrics collection is reused by metrics/prometheus requests (0 = collect on each).", minimum=0
    )
    metrics_collect_pause_gc: bool = _setting(
        True, "Pause the cyclic GC while metrics are collected: temporaries promoted to gen 2 trigger full collections."
    )

    # OpenTelemetry bridge: trace sampling (zero code, no OTEL_TRACES_SAMPLER, actuator the only trace exporter)
    traces_per_second: float = _setting(
        10.0,
        "New traces recorded per second at most under load (every one below it); requests beyond it are"
        " counted in the metrics but not in the HTTP exchanges.",
        minimum=0,
    )

    # loggers endpoint
    logger_groups: Mapping[str, tuple[str, ...]] = _setting(
        {},
        "Logger groups whose level is set together via /loggers/{group}, as name=logger+logger (comma list).",
        parse=parse_groups,
    )

    # health endpoint: status aggregation
    health_status_order: tuple[str, ...] = _setting(
        ("DOWN", "OUT_OF_SERVICE", "UP", "UNKNOWN"),
        "Health statuses, most severe first (comma list); statuses not listed are left out of aggregation.",
    )

    # Spring Boot Admin metadata: how SBA's UI groups, links and shows the instance
    admin_group: Optional[str] = _setting(None, "Group SBA's application list shows the instance under.")
    admin_hide_url: bool = _setting(False, "Hide the service URL in SBA's UI.")
    admin_disable_url: bool = _setting(False, "Show the service URL in SBA's UI as text, not as a link.")
    admin_sidebar_links: Mapping[str, str] = _setting(
        {}, "Links in the instance's sidebar in SBA, as label=url (comma list).", parse=parse_pairs
    )
    admin_service_path: Optional[str] = _setting(
        None, "Path of the service under its host and port, for SBA servers that discover it (e.g. through Eureka)."
    )

    # Eureka registration
    eureka_url: tuple[str, ...] = _setting(
        (), "Eureka service URLs to register with, tried in turn (comma list, e.g. http://host:8761/eureka)."
    )
    eureka_interval: float = _setting(
        30.0, "Seconds between heartbeats (and health status checks) sent to Eureka.", above=0
    )
    eureka_username: Optional[str] = _setting(None, "HTTP Basic user for Eureka.")
    eureka_password: Optional[str] = _setting(None, "HTTP Basic password for Eureka.")
    eureka_timeout: float = _setting(5.0, "Connect and read timeout, in seconds, of calls to Eureka.", above=0)

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """Field name -> environment variable name."""
        return {f.name: PREFIX + f.name.upper() for f in dataclasses.fields(cls)}

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None, **overrides: Any) -> Settings:
        """Read every ``OTEL_ACTUATOR_*`` variable; keyword overrides win over the environment."""
        env = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = PREFIX + f.name.upper()
            raw = env.get(name)
            if f.name in _CREDENTIALS and raw is not None:
                values[f.name] = raw  # as given: an empty one is refused below, whitespace may belong to it
            elif raw is not None and raw.strip() != "":
                text = raw if f.name.endswith("password") else raw.strip()
                values[f.name] = _parse(name, text, hints[f.name], f.metadata.get("parse"))
        values.update(overrides)
        return cls(**values)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check(PREFIX + f.name.upper(), getattr(self, f.name), f.metadata)
        if not self.base_path.startswith("/"):
            raise SettingsError(f"{PREFIX}BASE_PATH must start with '/', got {self.base_path!r}")
        if (self.username is None) != (self.password is None):
            raise SettingsError(f"{PREFIX}USERNAME and {PREFIX}PASSWORD must be set together")
        for credential in _CREDENTIALS:
            if getattr(self, credential) == "":
                # An empty secret is a deployment that lost it, not a wish to turn auth off.
                raise SettingsError(f"{PREFIX}{credential.upper()} is empty; unset it to turn auth off")
        if self.username is not None and ":" in self.username:
            raise SettingsError(f"{PREFIX}USERNAME must not contain ':' (HTTP Basic separates user and password by it)")
        object.__setattr__(self, "base_path", self.base_path.rstrip("/") or "/")
        for group, members in self.health_groups.items():
            if "/" in group or any("/" in member for member in members):
                raise SettingsError(f"{PREFIX}HEALTH_GROUPS group {group!r}: no '/' in group or component names")
        for group, members in self.logger_groups.items():
            if not members:
                raise SettingsError(f"{PREFIX}LOGGER_GROUPS group {group!r}: name at least one logger")

    @property
    def auth_enabled(self) -> bool:
        return self.username is not None

    def http_policy(self) -> HttpPolicy:
        """The part of the settings the HTTP core reads."""
        return HttpPolicy(
            base_path=self.base_path,
            exposure_include=self.exposure_include,
            exposure_exclude=self.exposure_exclude,
            username=self.username,
            password=self.password,
            max_body_bytes=self.max_body_bytes,
            cors_allowed_origins=self.cors_allowed_origins,
            forwarded_headers=self.forwarded_headers,
        )

    @property
    def service_name(self) -> str:
        return self.app_name or os.environ.get("OTEL_SERVICE_NAME") or "python-application"


#: Actuator credentials, read from the environment exactly as given.
_CREDENTIALS = ("username", "password")


def _check(name: str, value: Any, meta: Mapping[str, Any]) -> None:
    """One field's value against its choices and bounds; the error names the variable."""
    choices = meta.get("choices") or ()
    if choices and value not in choices:
        raise SettingsError(f"{name}={value!r}: expected one of {', '.join(choices)}")
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if value != value:  # NaN passes every comparison below
        raise SettingsError(f"{name}={value!r}: expected a number")
    minimum, above, maximum = meta.get("minimum"), meta.get("above"), meta.get("maximum")
    if minimum is not None and value < minimum:
        raise SettingsError(f"{name}={value!r}: must be at least {minimum:g}")
    if above is not None and value <= above:
        raise SettingsError(f"{name}={value!r}: must be more than {above:g}")
    if maximum is not None and value > maximum:
        raise SettingsError(f"{name}={value!r}: must be at most {maximum:g}")


def _parse(name: str, raw: str, hint: Any, parse: Optional[Callable[[str], Any]] = None) -> Any:
    target = _unwrap_optional(hint)
    try:
        if parse is not None:
            return parse(raw)
        if target is bool:
            lowered = raw.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if target is int:
            return int(raw)
        if target is float:
            return float(raw)
        if get_origin(target) is tuple:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        return raw
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r}: {exc}") from None


def _unwrap_optional(hint: Any) -> Any:
    if get_origin(hint) is Union:
        args = [a for a in get_args(hint) if a is not type(None)]
        return args[0]
    return hint
