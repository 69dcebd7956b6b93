"""What a health check produces: ``Health`` for one check, ``AggregateHealth`` for a group of them."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from otel_actuator.health.status import Status


def error_text(error: BaseException) -> str:
    """``<exception class>: <message>``, the class module-qualified unless it is a builtin (as Spring shows it)."""
    cls = type(error)
    name = cls.__qualname__ if cls.__module__ == builtins.__name__ else f"{cls.__module__}.{cls.__qualname__}"
    message = str(error)
    return f"{name}: {message}" if message else name


@dataclass(frozen=True)
class Health:
    """The outcome of one health check: a status and free-form details (JSON-able values)."""

    status: Status
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, status: Union[Status, str], **details: Any) -> Health:
        return cls(status if isinstance(status, Status) else Status(status), details)

    @classmethod
    def up(cls, **details: Any) -> Health:
        return cls(Status.UP, details)

    @classmethod
    def down(cls, error: Optional[Union[BaseException, str]] = None, **details: Any) -> Health:
        """DOWN; an ``error`` becomes the ``error`` detail, exceptions written as ``Class: message``."""
        if error is not None:
            details["error"] = error_text(error) if isinstance(error, BaseException) else error
        return cls(Status.DOWN, details)

    @classmethod
    def out_of_service(cls, **details: Any) -> Health:
        return cls(Status.OUT_OF_SERVICE, details)

    @classmethod
    def unknown(cls, **details: Any) -> Health:
        return cls(Status.UNKNOWN, details)


@dataclass(frozen=True)
class AggregateHealth:
    """The outcome of several named checks: their aggregated status and each one's outcome, sorted by name."""

    status: Status
    components: Mapping[str, HealthResult]


HealthResult = Union[Health, AggregateHealth]

#: What a check may return; see ``health_from``.
HealthValue = Union[Health, Status, str, bool, Mapping[str, Any], None]


def health_from(value: object) -> Health:
    """Turn what a check returned into a ``Health``.

    ``Health`` as it is; a ``Status`` or a status string; ``True``/``False`` for UP/DOWN; a mapping whose
    ``status`` key (default UP) is the status and whose other keys are details; ``None`` for UP, so a
    check that only raises on failure needs no return value.
    """
    if isinstance(value, Health):
        return value
    if value is None:
        return Health.up()
    if isinstance(value, bool):
        return Health.up() if value else Health.down()
    if isinstance(value, (Status, str)):
        return Health.of(value)
    if isinstance(value, Mapping):
        details = {str(key): item for key, item in value.items()}
        status = details.pop("status", Status.UP)
        return Health(status if isinstance(status, Status) else Status(str(status)), details)
    raise TypeError(
        f"a health check returned {type(value).__name__}; expected Health, Status, str, bool, a mapping or None"
    )
