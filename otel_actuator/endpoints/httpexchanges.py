"""GET /httpexchanges (Spring Boot 3 shape) and GET /httptrace (Spring Boot 2 shape), newest first.

Both read the same recorded exchanges. ``httpexchanges`` reports ``timeTaken`` as an ISO-8601 duration
(``PT0.023S``) and is listed in the index for v3 clients; ``httptrace`` reports milliseconds and is
listed for v2 clients (Spring Boot Admin 2 looks only for it). Both paths answer for every client.

Each entry also carries ``traceId`` and ``spanId`` of the request's server span, as top-level keys
next to Spring's fields: Spring Boot Admin ignores keys it does not know, and a reader of the JSON can
jump from an exchange to its trace. They are not put among the response headers, which would claim
the application sent headers it did not send.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import attached
from otel_actuator.core.negotiation import ApiVersion
from otel_actuator.sources import Exchange, ExchangeSource

if TYPE_CHECKING:
    from otel_actuator.sources import Sources


def create(sources: Sources) -> list[Endpoint]:
    def source() -> ExchangeSource:
        return attached(sources.exchanges, "exchange")

    def read_exchanges(ctx: OperationContext) -> Result:
        return Result({"exchanges": [exchange_v3(e) for e in source().exchanges()]})

    def read_traces(ctx: OperationContext) -> Result:
        return Result({"traces": [trace_v2(e) for e in source().exchanges()]})

    def available() -> bool:
        return sources.exchanges is not None

    return [
        Endpoint(
            id="httpexchanges",
            operations=(Operation("GET", read_exchanges),),
            index_versions=frozenset({ApiVersion.V3}),
            available=available,
        ),
        # Listed under both versions: SBA 2.7's server reads the index with a v3-first Accept, and its UI
        # only has an HTTP Traces view, which it shows only when it saw httptrace in that index.
        Endpoint(
            id="httptrace",
            operations=(Operation("GET", read_traces),),
            available=available,
        ),
    ]


def exchange_v3(exchange: Exchange) -> dict[str, Any]:
    return {
        "timestamp": _timestamp(exchange.timestamp),
        "request": {
            "uri": exchange.uri,
            "method": exchange.method,
            "headers": _headers(exchange.request_headers),
            "remoteAddress": exchange.remote_address,
        },
        "response": {"status": exchange.status, "headers": _headers(exchange.response_headers)},
        "principal": _principal(exchange.principal),
        "session": None,
        "timeTaken": iso_duration(exchange.time_taken_ns),
        "traceId": exchange.trace_id,
        "spanId": exchange.span_id,
    }


def trace_v2(exchange: Exchange) -> dict[str, Any]:
    return {
        "timestamp": _timestamp(exchange.timestamp),
        "principal": _principal(exchange.principal),
        "session": None,
        "request": {
            "method": exchange.method,
            "uri": exchange.uri,
            "headers": _headers(exchange.request_headers),
            "remoteAddress": exchange.remote_address,
        },
        "response": {"status": exchange.status, "headers": _headers(exchange.response_headers)},
        "timeTaken": max(exchange.time_taken_ns, 0) // 1_000_000,
        "traceId": exchange.trace_id,
        "spanId": exchange.span_id,
    }


def iso_duration(nanoseconds: int) -> str:
    """An ISO-8601 duration as Java's ``Duration.toString`` writes it, to the microsecond (``PT1M2.5S``)."""
    micros = max(nanoseconds, 0) // 1000
    seconds, fraction = divmod(micros, 1_000_000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if seconds or fraction or text == "PT":
        text += f"{seconds}.{fraction:06d}".rstrip("0").rstrip(".") + "S"
    return text


def _timestamp(moment: _dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.astimezone(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _headers(headers: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    return {str(name): [str(v) for v in values] for name, values in headers.items()}


def _principal(name: Optional[str]) -> Optional[dict[str, str]]:
    return {"name": name} if name else None
