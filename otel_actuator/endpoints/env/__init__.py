"""GET /env and GET /env/{toMatch}: the process's configuration as Spring Boot property sources.

Sources, first match wins as in Spring: ``systemProperties`` (PID and runtime facts), ``systemEnvironment``,
``otelActuatorSettings`` (every set OTEL_ACTUATOR_* setting), ``otelResource`` (OpenTelemetry resource
attributes), then the application's own sources in the order they were added.

Values are masked (``******``) unless the caller may see them (``OTEL_ACTUATOR_ENV_SHOW_VALUES``); shown values
still go through the sanitizer. ``PID`` alone is always shown: SBA's Process panel reads it from here, and
info publishes it anyway.
"""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import json
import logging
import os
import platform
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import bad_request, not_found
from otel_actuator.core.negotiation import ApiVersion
from otel_actuator.endpoints.env.patterns import PatternTooComplex, compile_guarded
from otel_actuator.sanitize import MASK, Sanitizer
from otel_actuator.settings import PREFIX, Settings

if TYPE_CHECKING:
    from otel_actuator.sources import Sources

_logger = logging.getLogger("otel_actuator")

SYSTEM_PROPERTIES = "systemProperties"
SYSTEM_ENVIRONMENT = "systemEnvironment"
SETTINGS_SOURCE = "otelActuatorSettings"
RESOURCE_SOURCE = "otelResource"

#: Longest ``pattern`` accepted; the regex runs against every property name.
MAX_PATTERN_LENGTH = 256


@dataclass(frozen=True)
class _Property:
    value: Any
    origin: Optional[str] = None


@dataclass(frozen=True)
class _Source:
    name: str
    properties: Mapping[str, _Property]


def create(settings: Settings, sources: Sources, sanitizer: Sanitizer) -> list[Endpoint]:
    show_values = settings.env_show_values

    def read_all(ctx: OperationContext) -> Result:
        all_sources = _sources(settings, sources)
        matches = _name_filter(ctx, [key for source in all_sources for key in source.properties])
        shown = _Shown(ctx.may_see(show_values), sanitizer)
        rendered = [
            {
                "name": source.name,
                "properties": {
                    key: shown.property(source.name, key, prop)
                    for key, prop in source.properties.items()
                    if matches(key)
                },
            }
            for source in all_sources
        ]
        return Result({**_profiles(ctx), "propertySources": rendered})

    def read_one(ctx: OperationContext) -> Result:
        name = ctx.selector or ""
        shown = _Shown(ctx.may_see(show_values), sanitizer)
        found: Optional[dict[str, Any]] = None
        listed: list[dict[str, Any]] = []
        for source in _sources(settings, sources):
            prop = source.properties.get(name)
            if prop is None:
                listed.append({"name": source.name})
                continue
            rendered = shown.property(source.name, name, prop)
            if found is None:
                found = {"source": source.name, "value": rendered["value"]}
            listed.append({"name": source.name, "property": rendered})
        if found is None:
            raise not_found(f"No property source contains '{name}'")
        return Result({"property": found, **_profiles(ctx), "propertySources": listed})

    return [
        Endpoint(
            id="env",
            operations=(
                Operation("GET", read_all, blocking=True),
                Operation("GET", read_one, selector="toMatch", blocking=True),
            ),
        )
    ]


def _profiles(ctx: OperationContext) -> dict[str, Any]:
    """Spring Boot 3 added ``defaultProfiles``; a Spring Boot 2 body has only ``activeProfiles``."""
    if ctx.api_version is ApiVersion.V2:
        return {"activeProfiles": []}
    return {"activeProfiles": [], "defaultProfiles": ["default"]}


def _name_filter(ctx: OperationContext, keys: Sequence[str]) -> Callable[[str], bool]:
    patterns = ctx.request.query_values("pattern")
    if not patterns:
        return lambda _key: True
    pattern = patterns[0]
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise bad_request(f"pattern is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        compiled = compile_guarded(pattern, keys)
    except (re.error, OverflowError, RecursionError) as exc:  # OverflowError: a{99999999999}
        raise bad_request(f"pattern is not a valid regular expression: {exc}") from None
    except PatternTooComplex as exc:
        raise bad_request(str(exc)) from None
    return lambda key: compiled.search(key) is not None


class _Shown:
    """Renders one property as the caller may see it."""

    def __init__(self, visible: bool, sanitizer: Sanitizer) -> None:
        self._visible = visible
        self._sanitizer = sanitizer

    def property(self, source: str, key: str, prop: _Property) -> dict[str, Any]:
        if self._visible or (source == SYSTEM_PROPERTIES and key == "PID"):
            value = _display(self._sanitizer.sanitize_value(key, prop.value))
        else:
            value = MASK
        rendered: dict[str, Any] = {"value": value}
        if prop.origin is not None:
            rendered["origin"] = prop.origin
        return rendered


def _display(value: Any) -> Any:
    """Spring shows primitives as they are and everything else as text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _sources(settings: Settings, sources: Sources) -> list[_Source]:
    found = [
        _Source(SYSTEM_PROPERTIES, _system_properties()),
        _Source(
            SYSTEM_ENVIRONMENT,
            {k: _Property(v, f'System Environment Property "{k}"') for k, v in os.environ.copy().items()},
        ),
        _Source(SETTINGS_SOURCE, _settings_properties(settings)),
        _Source(RESOURCE_SOURCE, {str(k): _Property(v) for k, v in sources.resource_attributes.items()}),
    ]
    for name, provider in list(sources.property_sources):
        try:
            properties = provider()
            if not isinstance(properties, Mapping):
                raise TypeError(f"returned {type(properties).__name__}, not a mapping")
            found.append(_Source(name, {str(k): _Property(v) for k, v in properties.items()}))
        except Exception:
            _logger.warning("property source %r failed; it is left out of env", name, exc_info=True)
    return found


def _system_properties() -> dict[str, _Property]:
    facts: dict[str, Any] = {
        "PID": str(os.getpid()),
        "python.version": platform.python_version(),
        "python.implementation": platform.python_implementation(),
        "python.executable": sys.executable,
        "os.name": platform.system(),
        "os.version": platform.release(),
        "os.arch": platform.machine(),
        "file.encoding": sys.getfilesystemencoding(),
    }
    with contextlib.suppress(Exception):  # no login name and no passwd entry (e.g. an arbitrary container uid)
        facts["user.name"] = getpass.getuser()
    with contextlib.suppress(OSError):  # the working directory was removed
        facts["user.dir"] = os.getcwd()
    return {k: _Property(v) for k, v in facts.items()}


def _settings_properties(settings: Settings) -> dict[str, _Property]:
    """Each setting under its environment variable name, written as that variable would be."""
    properties: dict[str, _Property] = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if value is None:
            continue
        if isinstance(value, tuple):
            value = ",".join(str(v) for v in value)
        properties[PREFIX + f.name.upper()] = _Property(value)
    return properties
