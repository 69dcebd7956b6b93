"""Health statuses, how several of them aggregate into one, and which HTTP status each maps to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

#: Most severe first, as Spring Boot's ``SimpleStatusAggregator`` orders them.
DEFAULT_ORDER: tuple[str, ...] = ("DOWN", "OUT_OF_SERVICE", "UP", "UNKNOWN")


@dataclass(frozen=True)
class Status:
    """A health status code with an optional description; equal when the codes are equal.

    Any code is allowed; the four Spring Boot ones are class attributes (``Status.UP`` ...).
    """

    code: str
    description: str = field(default="", compare=False)

    UP: ClassVar[Status]
    DOWN: ClassVar[Status]
    OUT_OF_SERVICE: ClassVar[Status]
    UNKNOWN: ClassVar[Status]

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code.strip():
            raise ValueError(f"a health status code must be a non-empty string, got {self.code!r}")

    def __str__(self) -> str:
        return self.code


Status.UP = Status("UP")
Status.DOWN = Status("DOWN")
Status.OUT_OF_SERVICE = Status("OUT_OF_SERVICE")
Status.UNKNOWN = Status("UNKNOWN")


def uniform_code(code: str) -> str:
    """Spring compares codes by their letters and digits only, case-insensitively (``out-of-service``)."""
    return "".join(ch.lower() for ch in code if ch.isalnum())


class StatusAggregator:
    """Picks the most severe of several statuses, as Spring's ``SimpleStatusAggregator`` does.

    Statuses missing from ``order`` take no part; when only such statuses are present the result is
    UNKNOWN. With nothing to aggregate (no components at all) the result is UP: there is nothing
    that could be unhealthy, and Spring Boot Admin must not see an application stuck in UNKNOWN.
    """

    def __init__(self, order: Sequence[str] = DEFAULT_ORDER) -> None:
        self._rank = {uniform_code(code): index for index, code in enumerate(order or DEFAULT_ORDER)}

    def aggregate(self, statuses: Iterable[Status]) -> Status:
        seen = list(statuses)
        ranked = [(self._rank[code], s.code) for s in seen if (code := uniform_code(s.code)) in self._rank]
        if ranked:
            return Status(min(ranked)[1])
        return Status.UNKNOWN if seen else Status.UP


_UNAVAILABLE = frozenset({uniform_code("DOWN"), uniform_code("OUT_OF_SERVICE")})


def http_status(status: Status) -> int:
    """503 for DOWN and OUT_OF_SERVICE, 200 for everything else (Spring's default mapping)."""
    return 503 if uniform_code(status.code) in _UNAVAILABLE else 200
