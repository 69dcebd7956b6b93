"""Errors an operation raises to answer a client with a 4xx and a message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, TypeVar


class ActuatorError(Exception):
    """Turned by the dispatcher into a JSON error body with this status."""

    def __init__(self, status: int, message: str, headers: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


def bad_request(message: str) -> ActuatorError:
    return ActuatorError(400, message)


def not_found(message: str = "Not Found") -> ActuatorError:
    return ActuatorError(404, message)


T = TypeVar("T")


def attached(source: Optional[T], what: str) -> T:
    """The endpoint's data source, or a 404 saying that none is attached."""
    if source is None:
        raise ActuatorError(404, f"No {what} source is attached")
    return source
