"""``logfile``: the application log as text, with byte ranges as Spring MVC serves a Resource.

The source is ``actuator.logs`` (the in-memory tail or the OTel log bridge) or else the file named by
``OTEL_ACTUATOR_LOGFILE_PATH``; with neither, the endpoint is absent.

Ranges: ``bytes=a-b``, ``bytes=a-`` and ``bytes=-N`` answer 206 with ``Content-Range: bytes a-b/total``;
no Range answers 200 with everything kept. As in Spring, a Range that is malformed, uses another unit,
or starts at or past the end (an empty log included) answers 416 with ``Content-Range: bytes */total``.
Several ranges answer ``multipart/byteranges`` with exactly the parts asked for, as Spring does; like
Spring, several ranges adding up to the whole log or more are refused (416), so that no small request
makes the server send a log many times over. A bounded source that already dropped the start of a range
serves from its first kept byte, and the Content-Range says so; a range dropped entirely is 416, so
Spring Boot Admin starts over.

A log file is sent in chunks of :data:`CHUNK_BYTES` read from disk as they go out, so a request for a
large file holds one chunk in memory, not the file; the in-memory tail is bounded and read at once.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Optional, Union

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import not_found
from otel_actuator.core.http import Streamed
from otel_actuator.core.negotiation import TEXT_PLAIN
from otel_actuator.sources import LogSource
from otel_actuator.sources.logs import FileLogSource

if TYPE_CHECKING:
    from otel_actuator.sources import Sources

CONTENT_TYPE = "text/plain;charset=UTF-8"
MAX_RANGES = 100
CHUNK_BYTES = 65536

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
        return Result(_body(log, [(first, total - 1)]), 200, [("Accept-Ranges", "bytes")], CONTENT_TYPE)
    spans = parse_ranges(range_header, total)
    if spans is None:
        return _unsatisfiable(total)
    if len(spans) == 1:
        return _single(log, spans[0], total, first)
    return _multipart(log, spans, total, first)


def _single(log: LogSource, span: tuple[int, int], total: int, first: int) -> Result:
    start, end = max(span[0], first), span[1]
    if isinstance(log, FileLogSource):
        body: Union[bytes, Streamed] = _body(log, [(start, end)])
    else:
        body = log.read(start, end) if start <= end else b""
        end = start + len(body) - 1
    if start > end or not body:
        # Dropped from the buffer, or the file shrank since size() was read.
        return _unsatisfiable(log.size())
    headers = [("Accept-Ranges", "bytes"), ("Content-Range", f"bytes {start}-{end}/{total}")]
    return Result(body, 206, headers, CONTENT_TYPE)


def _multipart(log: LogSource, spans: list[tuple[int, int]], total: int, first: int) -> Result:
    boundary = secrets.token_hex(16)
    kept = [(max(start, first), end) for start, end in spans if end >= first]
    if not kept:
        return _unsatisfiable(total)
    pieces: list[Union[bytes, tuple[int, int]]] = []
    for start, end in kept:
        head = f"--{boundary}\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Range: bytes {start}-{end}/{total}\r\n\r\n"
        pieces += [head.encode("ascii"), (start, end), b"\r\n"]
    pieces.append(f"--{boundary}--\r\n".encode("ascii"))
    content_type = f"multipart/byteranges; boundary={boundary}"
    if isinstance(log, FileLogSource):
        return Result(_streamed(log, pieces), 206, [("Accept-Ranges", "bytes")], content_type)
    body = b"".join(p if isinstance(p, bytes) else log.read(p[0], p[1]) for p in pieces)
    return Result(body, 206, [("Accept-Ranges", "bytes")], content_type)


def _body(log: LogSource, spans: list[tuple[int, int]]) -> Union[bytes, Streamed]:
    """The bytes of ``spans``: streamed from a file, read at once from a bounded in-memory source."""
    if isinstance(log, FileLogSource):
        return _streamed(log, list(spans))
    return b"".join(log.read(start, end) for start, end in spans)


def _streamed(log: FileLogSource, pieces: list[Union[bytes, tuple[int, int]]]) -> Streamed:
    length = sum(len(p) if isinstance(p, bytes) else p[1] - p[0] + 1 for p in pieces)

    def chunks() -> Iterator[bytes]:
        for piece in pieces:
            if isinstance(piece, bytes):
                yield piece
                continue
            # A file that shrank meanwhile ends the body early; the client sees it cut short.
            yield from log.chunks(piece[0], piece[1], CHUNK_BYTES)

    return Streamed(max(length, 0), chunks())


def parse_ranges(header: str, total: int) -> Optional[list[tuple[int, int]]]:
    """The inclusive byte spans to serve for a Range header, in the order asked, or None when the header is
    malformed or unsatisfiable (several spans adding up to the whole log or more included, as in Spring)."""
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
    if not spans or (len(spans) > 1 and sum(end - start + 1 for start, end in spans) >= total):
        return None
    return spans


def _offset(digits: str) -> int:
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= _MAX_DIGITS else _BEYOND


def _unsatisfiable(total: int) -> Result:
    headers = [("Accept-Ranges", "bytes"), ("Content-Range", f"bytes */{total}")]
    return Result(b"", 416, headers, CONTENT_TYPE)
