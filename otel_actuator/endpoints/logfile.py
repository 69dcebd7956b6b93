"""``logfile``: the application log as text, with byte ranges as Spring MVC serves a Resource.

The source is ``actuator.logs`` (the in-memory tail or the OTel log bridge) or else the file named by
``OTEL_ACTUATOR_LOGFILE_PATH``; with neither, the endpoint is absent.

Ranges: ``bytes=a-b``, ``bytes=a-`` and ``bytes=-N`` answer 206 with ``Content-Range: bytes a-b/total``;
no Range answers 200 with everything kept. As in Spring, a Range that is malformed, uses another unit,
or starts at or past the end (an empty log included) answers 416 with ``Content-Range: bytes */total``.
Several ranges are served as the single range covering them (RFC 9110 lets a server coalesce), not as
multipart. A bounded source that already dropped the start of a range serves from its first kept byte,
and the Content-Range says so; a range dropped entirely is 416, so Spring Boot Admin starts over.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import not_found
from otel_actuator.core.negotiation import TEXT_PLAIN
from otel_actuator.sources import LogSource
from otel_actuator.sources.logs import FileLogSource

if TYPE_CHECKING:
    from otel_actuator.sources import Sources

CONTENT_TYPE = "text/plain;charset=UTF-8"
MAX_RANGES = 100

_DIGITS = re.compile(r"[0-9]+")
#: Offsets with more digits than this are past any log: they stand for "beyond the end" without being
#: parsed (Python refuses to parse integers of thousands of digits, and there is no need to).
_MAX_DIGITS = 18
_BEYOND = 10**_MAX_DIGITS


def create(sources: Sources, path: Optional[str]) -> list[Endpoint]:
    file_source = FileLogSource(path) if path else None

    def source() -> Optional[LogSource]:
        return sources.logs if sources.logs is not None else file_source

    def read(ctx: OperationContext) -> Result:
        log = source()
        if log is None:
            raise not_found("No log file is configured")
        return serve(log, ctx.request.header("range"))

    return [
        Endpoint(
            "logfile",
            (Operation("GET", read, produces=(TEXT_PLAIN,), blocking=True),),
            available=lambda: source() is not None,
        )
    ]


def serve(log: LogSource, range_header: str) -> Result:
    total = log.size()
    first = log.first_offset()
    if not range_header.strip():
        return Result(log.read(first, total - 1), 200, [("Accept-Ranges", "bytes")], CONTENT_TYPE)
    span = parse_range(range_header, total)
    if span is None:
        return _unsatisfiable(total)
    start, end = max(span[0], first), span[1]
    body = log.read(start, end) if start <= end else b""
    if not body:
        # Dropped from the buffer, or the file shrank since size() was read.
        return _unsatisfiable(log.size())
    end = start + len(body) - 1
    headers = [("Accept-Ranges", "bytes"), ("Content-Range", f"bytes {start}-{end}/{total}")]
    return Result(body, 206, headers, CONTENT_TYPE)


def parse_range(header: str, total: int) -> Optional[tuple[int, int]]:
    """The inclusive byte span to serve for a Range header, or None when it is malformed or unsatisfiable."""
    unit, sep, specs = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    parts = [part.strip() for part in specs.split(",") if part.strip()]
    if not parts or len(parts) > MAX_RANGES:
        return None
    spans: list[tuple[int, int]] = []
    for part in parts:
        first, dash, last = (piece.strip() for piece in part.partition("-"))
        if not dash or (first and not _DIGITS.fullmatch(first)) or (last and not _DIGITS.fullmatch(last)):
            return None
        if not first:
            if not last:
                return None
            suffix = _offset(last)
            if suffix > 0:
                spans.append((max(total - suffix, 0), total - 1))
            continue
        start = _offset(first)
        stop = _offset(last) if last else total - 1
        if stop < start:
            return None
        spans.append((start, min(stop, total - 1)))
    spans = [(start, end) for start, end in spans if start <= end]
    if not spans:
        return None
    return min(s for s, _ in spans), max(e for _, e in spans)


def _offset(digits: str) -> int:
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= _MAX_DIGITS else _BEYOND


def _unsatisfiable(total: int) -> Result:
    headers = [("Accept-Ranges", "bytes"), ("Content-Range", f"bytes */{total}")]
    return Result(b"", 416, headers, CONTENT_TYPE)
