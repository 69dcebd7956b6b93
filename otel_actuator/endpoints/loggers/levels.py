"""Spring Boot log levels mapped onto Python logging levels, both ways.

Spring's ``TRACE`` becomes a real Python level below ``DEBUG`` (5, named "TRACE"), and ``OFF`` a level
above every standard one, so turning a logger OFF silences only that logger's subtree; the process-wide
``logging.disable`` is never used. Both names are registered with ``logging.addLevelName`` once, unless
the application already registered a TRACE level below DEBUG, whose number is then used as it is.
"""

from __future__ import annotations

import logging
import threading
from typing import Optional

#: Supported levels in Spring's order: most severe first.
SPRING_LEVELS: tuple[str, ...] = ("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE")

DEFAULT_TRACE = 5
#: Like Java's Level.OFF (Integer.MAX_VALUE): no record, even of a custom level above CRITICAL, passes it.
OFF = 2**31 - 1

_register_lock = threading.Lock()
_trace_level: Optional[int] = None

# Python spellings a user may send as well as Spring's names.
_ALIASES = {"WARNING": "WARN", "CRITICAL": "FATAL"}


def trace_level() -> int:
    """The Python level number of TRACE, registering TRACE and OFF names on first use."""
    global _trace_level
    if _trace_level is not None:
        return _trace_level
    with _register_lock:
        if _trace_level is None:
            existing = logging.getLevelName("TRACE")
            if isinstance(existing, int) and logging.NOTSET < existing < logging.DEBUG:
                _trace_level = existing
            else:
                logging.addLevelName(DEFAULT_TRACE, "TRACE")
                _trace_level = DEFAULT_TRACE
            if not isinstance(logging.getLevelName("OFF"), int):
                logging.addLevelName(OFF, "OFF")
        return _trace_level


def _thresholds() -> tuple[tuple[int, str], ...]:
    """Python threshold -> Spring name, ascending."""
    return (
        (trace_level(), "TRACE"),
        (logging.DEBUG, "DEBUG"),
        (logging.INFO, "INFO"),
        (logging.WARNING, "WARN"),
        (logging.ERROR, "ERROR"),
        (logging.CRITICAL, "FATAL"),
    )


def to_spring(level: int) -> str:
    """The Spring level that lets through exactly the standard records ``level`` lets through.

    A custom level between two standard ones rounds up (15 passes INFO but not DEBUG, so it is INFO);
    anything above CRITICAL passes no standard record and is OFF. 0 (root's NOTSET) passes everything.
    """
    for threshold, name in _thresholds():
        if level <= threshold:
            return name
    return "OFF"


def configured_to_spring(level: int) -> Optional[str]:
    """A logger's own level; NOTSET means "not configured" (None), never OFF."""
    return None if level == logging.NOTSET else to_spring(level)


def parse_spring(name: str) -> Optional[int]:
    """Spring level name (case-insensitive; WARNING and CRITICAL accepted too) -> Python level, or None."""
    key = name.strip().upper()
    key = _ALIASES.get(key, key)
    if key == "OFF":
        return OFF
    for threshold, spring_name in _thresholds():
        if spring_name == key:
            return threshold
    return None
