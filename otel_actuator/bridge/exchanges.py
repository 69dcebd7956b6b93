"""HTTP exchanges recorded from SERVER spans, for the httpexchanges and httptrace endpoints.

The span processor runs on the request's thread, so ``on_end`` only filters (a few dictionary look-ups)
and keeps a reference to the immutable span in a bounded ring. Turning spans into :class:`Exchange`
values (header names, redaction, URL masking) happens when the endpoint is read, every few seconds
at most, instead of on every request.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections import deque
from collections.abc import Mapping
from typing import Optional

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.trace import SpanKind, StatusCode

from otel_actuator.bridge import http_attributes as http
from otel_actuator.sanitize import MASK, Sanitizer
from otel_actuator.settings import Settings
from otel_actuator.sources import Exchange

#: Header values never shown, whatever the settings say (Spring Boot leaves these out too). Headers whose
#: names look secret to the sanitizer (``X-Api-Key``, ``X-Auth-Token`` ...) are redacted as well.
ALWAYS_REDACTED_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})


class ExchangeRecorder:
    """A bounded, thread-safe ring of recent server exchanges (implements ``ExchangeSource``)."""

    def __init__(self, settings: Optional[Settings] = None) -> None:
        settings = settings or Settings.from_env()
        redacted = {_normalize_header(name) for name in settings.exchanges_redact_headers}
        self._redacted = frozenset(ALWAYS_REDACTED_HEADERS | redacted)
        self._sanitizer = Sanitizer(settings.sanitize_keys)
        self._include_actuator = settings.exchanges_include_actuator
        # A root base path would make every request an actuator request; nothing can be told apart then.
        self._actuator_path = settings.base_path if settings.base_path != "/" else None
        self._lock = threading.Lock()
        self._spans: deque[ReadableSpan] = deque(maxlen=max(settings.exchanges_capacity, 0))

    def offer(self, span: ReadableSpan) -> None:
        """Keep ``span`` if it is an HTTP server span worth showing; cheap enough for the request path.

        The ASGI middleware's send/receive spans are INTERNAL: the kind test drops them.
        """
        if span.kind is not SpanKind.SERVER:
            return
        scope = span.instrumentation_scope
        if scope is None or scope.name not in http.HTTP_SERVER_SCOPES:
            return
        if not self._include_actuator and self._is_actuator(span.attributes):
            return
        with self._lock:
            self._spans.append(span)

    def exchanges(self) -> list[Exchange]:
        with self._lock:
            spans = list(self._spans)
        spans.reverse()
        return [self._to_exchange(span) for span in spans]

    def _is_actuator(self, attributes: Optional[Mapping[str, object]]) -> bool:
        base = self._actuator_path
        if base is None or attributes is None:
            return False
        # Each key missing from the SDK's attribute mapping costs an exception: try the key the contrib
        # instrumentations' default (old) conventions write first. Their target may carry the query.
        target = attributes.get("http.target") or attributes.get("url.path")
        path = str(target) if target else http.path(attributes)
        return path.startswith(base) and (len(path) == len(base) or path[len(base)] in "/?")

    def _to_exchange(self, span: ReadableSpan) -> Exchange:
        attributes = span.attributes or {}
        start = span.start_time or 0
        end = span.end_time or start
        status = http.status_code(attributes)
        if status is None:
            # No response was recorded: the request failed before one was sent.
            status = 500 if span.status.status_code is StatusCode.ERROR else 200
        context = span.context
        principal = attributes.get("enduser.id")
        return Exchange(
            timestamp=_dt.datetime.fromtimestamp(start / 1e9, tz=_dt.timezone.utc),
            method=http.method(attributes) or "GET",
            uri=self._sanitizer.sanitize_url(http.full_uri(attributes)),
            status=status,
            time_taken_ns=max(end - start, 0),
            request_headers=self._headers(attributes, http.REQUEST_HEADER_PREFIX),
            response_headers=self._headers(attributes, http.RESPONSE_HEADER_PREFIX),
            remote_address=http.client_address(attributes),
            principal=str(principal) if principal else None,
            trace_id=format(context.trace_id, "032x") if context is not None else None,
            span_id=format(context.span_id, "016x") if context is not None else None,
        )

    def _headers(self, attributes: Mapping[str, object], prefix: str) -> dict[str, list[str]]:
        headers: dict[str, list[str]] = {}
        for key, value in attributes.items():
            if not key.startswith(prefix):
                continue
            name = http.header_name(key[len(prefix) :])
            values = [str(v) for v in value] if isinstance(value, (tuple, list)) else [str(value)]
            if _normalize_header(name) in self._redacted or self._sanitizer.is_sensitive_key(name):
                headers[name] = [MASK for _ in values]
            else:
                headers[name] = [self._sanitizer.sanitize_url(v) for v in values]
        return headers


class ActuatorSpanProcessor(SpanProcessor):
    """Feeds a recorder synchronously from ``on_end``; add it to any SDK ``TracerProvider``."""

    def __init__(self, recorder: ExchangeRecorder) -> None:
        self.recorder = recorder

    def on_end(self, span: ReadableSpan) -> None:
        self.recorder.offer(span)


def _normalize_header(name: str) -> str:
    return name.strip().lower().replace("_", "-")
