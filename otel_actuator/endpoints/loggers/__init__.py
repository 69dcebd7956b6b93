"""``loggers``: read and change Python logging levels in Spring Boot's terms.

Listed loggers are ROOT and every name in the logging manager, including the placeholder parents
Python creates for dotted names (as Logback lists intermediate loggers): a placeholder has no
configured level and the effective level of its nearest real ancestor. A POST to an unknown, well
formed name creates that logger, as Spring does, up to :data:`MAX_CREATED_LOGGERS` registry entries
(the logger and the placeholders of its dotted parents) per actuator: Python never forgets a logger, so
without a cap every POST of a new long dotted name would grow the process for good.

Listing every logger is as large as the registry; it runs off the event loop, and the sorted names are
kept until the registry grows (entries are never removed) instead of being copied on each request.

Resetting (``{}`` or ``{"configuredLevel": null}``) sets NOTSET, so the logger inherits again. ROOT
cannot inherit: its reset restores the level it had before its first change through this endpoint.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any, Optional

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import bad_request, not_found
from otel_actuator.endpoints.loggers import levels as logging_levels

ROOT = "ROOT"
MAX_NAME_LENGTH = 255
MAX_CREATED_LOGGERS = 1000


#: Groups every actuator has, as Spring Boot predefines ``web`` and ``sql``; a user group of the same name wins.
DEFAULT_GROUPS: Mapping[str, tuple[str, ...]] = {
    "web": (
        "uvicorn",
        "uvicorn.access",
        "uvicorn.error",
        "gunicorn.access",
        "gunicorn.error",
        "werkzeug",
        "fastapi",
        "starlette",
        "aiohttp.access",
        "aiohttp.server",
        "tornado.access",
        "tornado.application",
        "django.request",
        "django.server",
    ),
    "sql": ("sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm", "django.db.backends", "asyncpg", "aiosqlite"),
    "http": ("httpx", "httpcore", "urllib3", "requests", "aiohttp.client"),
    "otel": ("opentelemetry", "otel_actuator"),
}


def create(groups: Mapping[str, tuple[str, ...]]) -> list[Endpoint]:
    """``groups`` (OTEL_ACTUATOR_LOGGER_GROUPS) are added to :data:`DEFAULT_GROUPS`, replacing one of a same name."""
    loggers = LoggersEndpoint({**DEFAULT_GROUPS, **groups})
    return [
        Endpoint(
            "loggers",
            (
                Operation("GET", loggers.read_all, blocking=True),
                Operation("GET", loggers.read_one, selector="name"),
                # Setting a level clears the level cache of every logger: as large as the registry.
                Operation("POST", loggers.configure, selector="name", blocking=True),
            ),
        )
    ]


class LoggersEndpoint:
    """Operations of one actuator; remembers group levels and ROOT's level before it was first changed."""

    def __init__(self, groups: Mapping[str, tuple[str, ...]]) -> None:
        logging_levels.trace_level()
        self._groups = dict(groups)
        self._group_levels: dict[str, Optional[str]] = {}
        self._root_baseline: Optional[int] = None
        self._lock = threading.Lock()
        self._created = 0
        self._sorted_names: tuple[int, list[str]] = (-1, [])

    def read_all(self, ctx: OperationContext) -> Result:
        loggers: dict[str, Any] = {ROOT: _describe(logging.getLogger())}
        for name in self._names():
            loggers[name] = _describe_name(name)
        groups = {name: self._describe_group(name) for name in self._groups}
        return Result({"levels": list(logging_levels.SPRING_LEVELS), "loggers": loggers, "groups": groups})

    def read_one(self, ctx: OperationContext) -> Result:
        name = ctx.selector or ""
        if name in self._groups:
            return Result(self._describe_group(name))
        if _is_root(name):
            return Result(_describe(logging.getLogger()))
        if not _is_known(name):
            raise not_found(f"No logger named {name!r}")
        return Result(_describe_name(name))

    def configure(self, ctx: OperationContext) -> Result:
        name = ctx.selector or ""
        level_name = _requested_level(ctx.json_body())
        level = None if level_name is None else logging_levels.parse_spring(level_name)
        if level_name is not None and level is None:
            expected = ", ".join(logging_levels.SPRING_LEVELS)
            raise bad_request(f"Unknown level {level_name!r}; expected one of {expected} or null")
        if name in self._groups:
            with self._lock:
                self._group_levels[name] = None if level is None else logging_levels.to_spring(level)
                for member in self._groups[name]:
                    self._set_level(member, level)
            return Result(status=204)
        if _is_root(name) or _is_known(name):
            with self._lock:
                self._set_level(name, level)
            return Result(status=204)
        _check_new_name(name)
        with self._lock:
            created = _new_entries(name)
            if self._created + created > MAX_CREATED_LOGGERS:
                raise bad_request(
                    f"Logger {name!r} would add {created} logger(s) to the {self._created} already created "
                    f"through this endpoint; at most {MAX_CREATED_LOGGERS} may be"
                )
            self._set_level(name, level)
            self._created += created
        return Result(status=204)

    def _names(self) -> list[str]:
        """Every logger and placeholder name, sorted; a logger literally named "ROOT" would shadow the root one."""
        registry = logging.Logger.manager.loggerDict
        size, names = self._sorted_names
        if size != len(registry):
            size = len(registry)
            # list() of a dict is one step under the GIL: other threads may create loggers meanwhile.
            names = sorted(name for name in list(registry) if not _is_root(name))
            self._sorted_names = (size, names)
        return names

    def _set_level(self, name: str, level: Optional[int]) -> None:
        """Called with the lock held. ``None`` resets."""
        if _is_root(name):
            root = logging.getLogger()
            if self._root_baseline is None:
                self._root_baseline = root.level
            root.setLevel(self._root_baseline if level is None else level)
            return
        logging.getLogger(name).setLevel(logging.NOTSET if level is None else level)

    def _describe_group(self, name: str) -> dict[str, Any]:
        return {"configuredLevel": self._group_levels.get(name), "members": list(self._groups[name])}


def _is_root(name: str) -> bool:
    return name.upper() == ROOT


def _is_known(name: str) -> bool:
    return not _is_root(name) and name in logging.Logger.manager.loggerDict


def _new_entries(name: str) -> int:
    """How many registry entries creating ``name`` adds: itself and each missing dotted parent."""
    registry = logging.Logger.manager.loggerDict
    count = 0
    while name and name not in registry:
        count += 1
        name = name.rpartition(".")[0]
    return count


def _describe(logger: logging.Logger) -> dict[str, Any]:
    return {
        "configuredLevel": logging_levels.configured_to_spring(logger.level),
        "effectiveLevel": logging_levels.to_spring(logger.getEffectiveLevel()),
    }


def _describe_name(name: str) -> dict[str, Any]:
    entry = logging.Logger.manager.loggerDict.get(name)
    if isinstance(entry, logging.Logger):
        return _describe(entry)
    return {"configuredLevel": None, "effectiveLevel": _describe(_nearest_logger(name))["effectiveLevel"]}


def _nearest_logger(name: str) -> logging.Logger:
    """The closest real ancestor of a placeholder name (root when there is none)."""
    registry = logging.Logger.manager.loggerDict
    while "." in name:
        name = name.rpartition(".")[0]
        entry = registry.get(name)
        if isinstance(entry, logging.Logger):
            return entry
    return logging.getLogger()


def _requested_level(body: Any) -> Optional[str]:
    """The level in a POST body; an empty body or object and a null level all mean reset."""
    if body is None:
        return None
    if not isinstance(body, dict):
        raise bad_request('Request body must be a JSON object such as {"configuredLevel": "DEBUG"}')
    level = body.get("configuredLevel")
    if level is not None and not isinstance(level, str):
        raise bad_request(f"configuredLevel must be a level name or null, got {type(level).__name__}")
    return level


def _check_new_name(name: str) -> None:
    if not name:
        raise bad_request("Logger name must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise bad_request(f"Logger name is longer than {MAX_NAME_LENGTH} characters")
    if any(not ch.isprintable() or ch.isspace() for ch in name):
        raise bad_request("Logger name must not contain whitespace or control characters")
    if "" in name.split("."):
        raise bad_request(f"Logger name {name!r} has an empty segment")
