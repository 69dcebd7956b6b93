"""The ``release`` fixture: an event that lets go of whatever a test left blocked on it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown, so a thread or a health check that hangs on it never outlives its test."""
    event = threading.Event()
    yield event
    event.set()
