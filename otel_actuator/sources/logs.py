"""Log sources for the logfile endpoint: an in-memory tail fed by logging, and a plain file.

Both address bytes by absolute offset, so offsets a client saw stay valid while the log grows; that is
what Spring Boot Admin's one-second tail (``Range: bytes={size-1}-``) relies on.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Iterator
from typing import Optional

from otel_actuator.sanitize import Sanitizer

#: Characters kept before the part of an oversized record that fits, so that a secret's name is seen.
_SANITIZE_MARGIN = 4096


class LogTail:
    """The last ``max_bytes`` of a log, thread-safe, keyed by absolute offset (a ``LogSource``).

    Each ``append`` is one record of one or more whole lines (a missing final newline is added), and
    old records are dropped whole, so the kept text always starts at a line. ``size()`` keeps growing
    after drops; ``first_offset()`` says where the kept text starts. A single record larger than the
    buffer keeps only its last ``max_bytes`` bytes.

    Text is sanitized on the way in, as exchanges are: credentials and secret parameters of the URLs it
    holds (an access log line with ``?token=...``), ``Authorization: Bearer ...`` and ``api_key=...``
    never reach a reader of the logfile endpoint.
    """

    def __init__(self, max_bytes: int, sanitizer: Optional[Sanitizer] = None) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self._max_bytes = max_bytes
        self._sanitizer = sanitizer or Sanitizer()
        self._records: deque[tuple[int, bytes]] = deque()  # (absolute offset, bytes)
        self._end = 0
        self._kept = 0
        self._lock = threading.Lock()

    def append(self, text: str) -> None:
        if not text:
            return
        if len(text) > self._max_bytes + _SANITIZE_MARGIN:
            # Only the end is kept: sanitize just that (a 48 MB line would hold the logging thread for
            # seconds). The margin lets a secret cut by the boundary still be recognized by its name.
            text = text[-(self._max_bytes + _SANITIZE_MARGIN) :]
        data = self._sanitizer.sanitize_text(text).encode("utf-8", "replace")
        if not data.endswith(b"\n"):
            data += b"\n"
        if len(data) > self._max_bytes:
            data = data[-self._max_bytes :]
        with self._lock:
            self._records.append((self._end, data))
            self._end += len(data)
            self._kept += len(data)
            while self._kept > self._max_bytes:
                self._kept -= len(self._records.popleft()[1])

    def size(self) -> int:
        with self._lock:
            return self._end

    def first_offset(self) -> int:
        with self._lock:
            return self._end - self._kept

    def read(self, start: int, end: int) -> bytes:
        """Kept bytes from ``start`` to ``end`` inclusive; dropped or future bytes are left out."""
        parts: list[bytes] = []
        with self._lock:
            start = max(start, self._end - self._kept)
            end = min(end, self._end - 1)
            if start > end:
                return b""
            # Newest first: reads are nearly always near the end (the tail poll).
            for offset, data in reversed(self._records):
                if offset > end:
                    continue
                parts.append(data[max(start - offset, 0) : end - offset + 1])
                if offset <= start:
                    break
        parts.reverse()
        return b"".join(parts)


class FileLogSource:
    """A log file on disk (a ``LogSource``). Never raises: a missing or unreadable file is empty.

    A rotated or truncated file is smaller than what a client saw, so its next tail request is
    unsatisfiable (416) and Spring Boot Admin starts over at the end of the new file.
    """

    def __init__(self, path: str) -> None:
        self.path = os.path.expanduser(path)

    def size(self) -> int:
        try:
            return os.stat(self.path).st_size
        except OSError:
            return 0

    def first_offset(self) -> int:
        return 0

    def read(self, start: int, end: int) -> bytes:
        return b"".join(self.chunks(start, end, max(end - start + 1, 1)))

    def chunks(self, start: int, end: int, size: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` inclusive, ``size`` bytes at a time, from one open file; ends early at EOF."""
        start = max(start, 0)
        try:
            with open(self.path, "rb") as log:
                log.seek(start)
                left = end - start + 1
                while left > 0:
                    chunk = log.read(min(size, left))
                    if not chunk:
                        return
                    left -= len(chunk)
                    yield chunk
        except OSError:
            return


#: Python level floors -> the names Spring Boot writes in its log lines, most severe first.
_SPRING_LEVEL_NAMES = (
    (logging.CRITICAL, "FATAL"),
    (logging.ERROR, "ERROR"),
    (logging.WARNING, "WARN"),
    (logging.INFO, "INFO"),
    (logging.DEBUG, "DEBUG"),
)


def spring_level_name(levelno: int) -> str:
    """Spring Boot's name for a Python level: WARN for WARNING, FATAL for CRITICAL, TRACE below DEBUG."""
    for floor, name in _SPRING_LEVEL_NAMES:
        if levelno >= floor:
            return name
    return "TRACE"


class SpringLevelFormatter(logging.Formatter):
    """A ``logging.Formatter`` writing levels as Spring Boot does (``WARN``, not ``WARNING``)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        # The record is shared with the other handlers: rename the level on a copy.
        renamed = logging.makeLogRecord(record.__dict__)
        renamed.levelname = spring_level_name(record.levelno)
        return super().formatMessage(renamed)


class LogTailHandler(logging.Handler):
    """Writes formatted records into a ``LogTail`` (the in-memory log file), levels in Spring's names."""

    def __init__(self, tail: LogTail, pattern: str) -> None:
        super().__init__()
        self.tail = tail
        self.setFormatter(SpringLevelFormatter(pattern))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.tail.append(self.format(record))
        except Exception:
            self.handleError(record)
