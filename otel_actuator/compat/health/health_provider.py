"""Pyctuator's health-provider contract (``pyctuator.health.health_provider``), run by the actuator's registry.

A provider written for Pyctuator keeps working unchanged: ``Pyctuator.register_health_provider`` wraps it
in :class:`ProviderIndicator`, so it gets what every health check here gets (its own timeout, concurrent
evaluation, a raising provider turns only its component DOWN).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as _dt
import enum
import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from otel_actuator.health.indicator import HealthIndicator
from otel_actuator.health.result import Health, error_text, health_from
from otel_actuator.health.status import Status as ActuatorStatus


class Status(str, enum.Enum):
    UP = "UP"
    DOWN = "DOWN"
    UNKNOWN = "UNKNOWN"


@dataclass
class HealthDetails:
    """Base of the dataclasses providers put their details in (a plain mapping works too)."""


@dataclass
class HealthStatus:
    """``status`` is a :class:`Status` or any status code (``OUT_OF_SERVICE`` ...)."""

    status: Union[Status, str]
    details: Any = None


class HealthProvider(ABC):
    @abstractmethod
    def is_supported(self) -> bool: ...

    @abstractmethod
    def get_name(self) -> str: ...

    @abstractmethod
    def get_health(self) -> HealthStatus: ...


class ProviderIndicator:
    """A Pyctuator health provider as an actuator health indicator."""

    def __init__(self, provider: HealthProvider) -> None:
        self.provider = provider

    def health(self) -> Health:
        return to_health(self.provider.get_health())


class IndicatorProvider(HealthProvider):
    """A Pyctuator-style provider backed by an actuator indicator, registered as that indicator.

    ``get_health`` runs the check on the calling thread (an ``async`` one in a private event loop), for
    code that calls providers directly, as Pyctuator's could be.
    """

    def __init__(self, name: str, indicator: HealthIndicator) -> None:
        self.name = name
        self.indicator = indicator

    def is_supported(self) -> bool:
        return True

    def get_name(self) -> str:
        return self.name

    def get_health(self) -> HealthStatus:
        try:
            outcome = self.indicator.health()
            value = asyncio.run(_await(outcome)) if inspect.isawaitable(outcome) else outcome
            health = health_from(value)
        except Exception as exc:
            return HealthStatus(Status.DOWN, {"error": error_text(exc)})
        code = health.status.code
        status: Union[Status, str] = Status(code) if code in Status.__members__ else code
        return HealthStatus(status, dict(health.details))


async def _await(outcome: Any) -> Any:
    return await outcome


def to_health(status: HealthStatus) -> Health:
    """Convert what a provider returned; details become plain JSON values (dataclasses, enums, datetimes)."""
    code = status.status.value if isinstance(status.status, enum.Enum) else status.status
    details = _plain(status.details) if status.details is not None else {}
    if not isinstance(details, dict):
        raise TypeError(f"health details must be a dataclass or a mapping, got {type(status.details).__name__}")
    return Health(ActuatorStatus(str(code)), details)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    return value
