"""The request and response model shared by every server adapter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import quote

#: Characters RFC 3986 allows unencoded in a path, besides letters, digits and ``-._~``.
_PATH_SAFE = "/:@!$&'()*+,;="


@dataclass(frozen=True)
class Request:
    """One HTTP request, already stripped of the actuator base path.

    ``path`` is relative to the base path ("" or "/" for the index, "/health/db" ...) and percent-encoded
    as on the wire: the dispatcher decodes each segment exactly once (servers hand adapters decoded paths,
    so adapters encode them again with :func:`encoded_path`; decoding twice would let ``%2565nv`` reach
    ``env`` past a proxy rule that denies ``/actuator/env``);
    ``base_url`` is the absolute URL of the base path, used for links.
    Header names are lower-case; repeated headers are joined with ", ".
    """

    method: str
    path: str
    base_url: str
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    remote_addr: Optional[str] = None

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    def query_values(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]


@dataclass(frozen=True)
class Streamed:
    """A body too large to hold in memory (a log file): its exact length up front, its chunks read as sent."""

    length: int
    chunks: Iterable[bytes]


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: Sent instead of ``body`` when set.
    stream: Optional[Streamed] = None

    @property
    def content_length(self) -> int:
        return self.stream.length if self.stream is not None else len(self.body)

    def header(self, name: str) -> Optional[str]:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


def encoded_path(decoded: str) -> str:
    """A decoded request path percent-encoded again, the form :attr:`Request.path` takes."""
    return quote(decoded, safe=_PATH_SAFE, errors="replace")


REASONS = {
    200: "OK",
    204: "No Content",
    206: "Partial Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def reason(status: int) -> str:
    return REASONS.get(status, "")
