"""Routing, exposure, access and negotiation: everything endpoints get for free."""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as _dt
import hmac
import inspect
import json
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union
from urllib.parse import unquote

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import ActuatorError
from otel_actuator.core.http import Request, Response, Streamed, reason
from otel_actuator.core.negotiation import (
    APPLICATION_JSON,
    JSON_TYPES,
    ApiVersion,
    body_version,
    choose_media_type,
)
from otel_actuator.core.policy import HttpPolicy

_logger = logging.getLogger("otel_actuator")

_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_CONSUMED_TYPES = (*JSON_TYPES,)
#: Bytes of body read from a request that carries no valid credentials while auth is on: it is refused
#: without looking at the body, so a large one is not worth reading.
UNAUTHENTICATED_BODY_LIMIT = 1024


@dataclass
class _Prepared:
    """A request routed to one operation, ready to run."""

    operation: Operation
    context: OperationContext
    head: bool
    extra_headers: list[tuple[str, str]]


class Dispatcher:
    """Turns a :class:`Request` into a :class:`Response` for a fixed list of endpoints."""

    def __init__(self, policy: HttpPolicy, endpoints: Sequence[Endpoint]) -> None:
        self.policy = policy
        self.endpoints = list(endpoints)
        self._by_id = {e.id: e for e in self.endpoints}
        self._expected_auth: Optional[str] = None
        if policy.username is not None and policy.password is not None:
            self._expected_auth = base64.b64encode(f"{policy.username}:{policy.password}".encode()).decode("ascii")

    # -- exposure -------------------------------------------------------------------------------

    def is_exposed(self, endpoint: Endpoint) -> bool:
        if not endpoint.enabled:
            return False
        include, exclude = self.policy.exposure_include, self.policy.exposure_exclude
        if "*" in exclude or endpoint.id in exclude:
            return False
        if not ("*" in include or endpoint.id in include):
            return False
        return endpoint.available is None or endpoint.available()

    def exposed_ids(self) -> list[str]:
        return [e.id for e in self.endpoints if self.is_exposed(e)]

    def body_limit(self, authorization: str) -> int:
        """How many body bytes an adapter reads for a request with this Authorization header.

        One more than the largest accepted body, so that an oversized one is told apart (413); a request
        refused for lack of credentials gets only a small read.
        """
        if self._expected_auth is not None and not self._credentials_match(authorization):
            return UNAUTHENTICATED_BODY_LIMIT
        return self.policy.max_body_bytes + 1

    # -- entry points ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Serve a request on the calling thread (WSGI). Async handlers run in a private event loop."""
        prepared = self._prepare(request)
        if isinstance(prepared, Response):
            return prepared
        try:
            outcome = prepared.operation.handler(prepared.context)
            result = asyncio.run(_await(outcome)) if inspect.isawaitable(outcome) else outcome
        except ActuatorError as exc:
            return self._error(request, exc.status, exc.message, exc.headers)
        except Exception:
            return self._internal_error(request)
        return self._render(prepared, result)

    async def handle_async(self, request: Request) -> Response:
        """Serve a request on an event loop (ASGI). Blocking sync handlers go to a worker thread."""
        prepared = self._prepare(request)
        if isinstance(prepared, Response):
            return prepared
        operation = prepared.operation
        try:
            if operation.blocking:
                outcome = await asyncio.to_thread(operation.handler, prepared.context)
            else:
                outcome = operation.handler(prepared.context)
            result = await outcome if inspect.isawaitable(outcome) else outcome
        except ActuatorError as exc:
            return self._error(request, exc.status, exc.message, exc.headers)
        except Exception:
            return self._internal_error(request)
        return self._render(prepared, result)

    # -- routing ----------------------------------------------------------------------------------

    def route_template(self, path: str) -> Optional[str]:
        """The route template of a path below the base path, as Spring tags its ``uri``.

        ``/metrics/http.server.requests`` -> ``/actuator/metrics/{requiredMetricName}``; None when no
        exposed endpoint answers the path (the metric then says NOT_FOUND or UNKNOWN, as for any app).
        """
        base = self.policy.base_path.rstrip("/")
        segments = _segments(path)
        if not segments:
            return base or "/"
        endpoint = self._by_id.get(segments[0])
        if endpoint is None or not self.is_exposed(endpoint):
            return None
        operation = next((op for op in endpoint.operations if _shape_matches(op, segments[1:])), None)
        return None if operation is None else base + endpoint.operation_path(operation)

    def _prepare(self, request: Request) -> Union[_Prepared, Response]:
        extra = self._cors_headers(request)
        method = request.method.upper()
        segments = _segments(request.path)
        if method == "OPTIONS" and extra and request.header("access-control-request-method"):
            return Response(204, headers=extra)
        if not segments:
            return self._index(request, method, extra)
        endpoint = self._by_id.get(segments[0])
        if endpoint is None or not self.is_exposed(endpoint):
            # As Spring Security does: without credentials, an absent endpoint looks like a protected one.
            if not self._authorized(request):
                return self._unauthorized(request, extra)
            return self._error(request, 404, f"No endpoint '{segments[0]}' is exposed at this path", extra)
        if endpoint.sensitive and not self._authorized(request):
            return self._unauthorized(request, extra)
        selector = "/".join(segments[1:]) if len(segments) > 1 else None
        candidates = [op for op in endpoint.operations if _shape_matches(op, segments[1:])]
        if not candidates:
            return self._error(request, 404, f"No such path under endpoint '{endpoint.id}'", extra)
        allowed = _allowed_methods(candidates)
        if method == "OPTIONS":
            return Response(200, headers=[("Allow", ", ".join(allowed)), *extra])
        head = method == "HEAD"
        wanted = "GET" if head else method
        operation = next((op for op in candidates if op.method == wanted), None)
        if operation is None:
            return self._error(
                request, 405, f"Method {method} is not supported here", [("Allow", ", ".join(allowed)), *extra]
            )
        if method in _WRITE_METHODS:
            rejected = self._check_body(request, extra)
            if rejected is not None:
                return rejected
        accept = request.header("accept")
        media_type = choose_media_type(accept, operation.produces)
        if media_type is None:
            return self._error(
                request,
                406,
                f"None of the acceptable media types is produced; available: {', '.join(operation.produces)}",
                extra,
            )
        context = OperationContext(
            request=request,
            api_version=body_version(accept),
            media_type=media_type,
            authorized=self._authorized(request) and self._expected_auth is not None,
            selector=selector,
        )
        return _Prepared(operation, context, head, extra)

    def _check_body(self, request: Request, extra: list[tuple[str, str]]) -> Optional[Response]:
        if len(request.body) > self.policy.max_body_bytes:
            return self._error(request, 413, f"Request body is larger than {self.policy.max_body_bytes} bytes", extra)
        content_type = request.header("content-type").split(";")[0].strip().lower()
        if not request.body or content_type in _CONSUMED_TYPES:
            return None
        if not content_type:
            if self.policy.accept_missing_content_type:
                return None
            content_type = "application/octet-stream"  # what Spring takes a body without a type for
        return self._error(request, 415, f"Content-Type {content_type} is not supported; send application/json", extra)

    # -- index ------------------------------------------------------------------------------------

    def _index(self, request: Request, method: str, extra: list[tuple[str, str]]) -> Response:
        if not self._authorized(request):
            return self._unauthorized(request, extra)
        if method == "OPTIONS":
            return Response(200, headers=[("Allow", "GET, HEAD, OPTIONS"), *extra])
        if method not in ("GET", "HEAD"):
            return self._error(
                request, 405, f"Method {method} is not supported here", [("Allow", "GET, HEAD, OPTIONS"), *extra]
            )
        accept = request.header("accept")
        media_type = choose_media_type(accept, JSON_TYPES)
        if media_type is None:
            return self._error(request, 406, "The index is produced only as actuator JSON", extra)
        version = body_version(accept)
        base = request.base_url.rstrip("/")
        links: dict[str, dict[str, Any]] = {"self": {"href": base, "templated": False}}
        for endpoint in self.endpoints:
            if version not in endpoint.index_versions or not self.is_exposed(endpoint):
                continue
            for name, suffix in endpoint.link_names().items():
                href = base + suffix
                links[name] = {"href": href, "templated": "{" in href}
        body = _encode({"_links": links}, version)
        return Response(200, b"" if method == "HEAD" else body, [("Content-Type", media_type), *extra])

    # -- rendering ----------------------------------------------------------------------------------

    def _render(self, prepared: _Prepared, result: Result) -> Response:
        headers = [*result.headers, *prepared.extra_headers]
        if result.body is None:
            return Response(result.status, b"", headers)
        if isinstance(result.body, Streamed):
            headers.insert(0, ("Content-Type", result.content_type or prepared.context.media_type))
            return Response(result.status, b"", headers, stream=None if prepared.head else result.body)
        if isinstance(result.body, bytes):
            body = result.body
        elif isinstance(result.body, str):
            body = result.body.encode("utf-8")
        else:
            body = _encode(result.body, prepared.context.api_version)
        headers.insert(0, ("Content-Type", result.content_type or prepared.context.media_type))
        return Response(result.status, b"" if prepared.head else body, headers)

    def _error(self, request: Request, status: int, message: str, headers: Sequence[tuple[str, str]] = ()) -> Response:
        payload = {
            "timestamp": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "status": status,
            "error": reason(status),
            "message": message,
            "path": _request_path(request),
        }
        body = b"" if request.method.upper() == "HEAD" else _encode(payload, ApiVersion.V3)
        return Response(status, body, [("Content-Type", APPLICATION_JSON), *headers])

    def _internal_error(self, request: Request) -> Response:
        _logger.exception("actuator operation failed: %s %s", request.method, _request_path(request))
        return self._error(request, 500, "The operation failed; see the application log")

    # -- access -----------------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        return self._expected_auth is None or self._credentials_match(request.header("authorization"))

    def _credentials_match(self, given: str) -> bool:
        token = _basic_token(given)
        expected = self._expected_auth
        return token is not None and expected is not None and hmac.compare_digest(token.encode(), expected.encode())

    def _unauthorized(self, request: Request, extra: list[tuple[str, str]]) -> Response:
        return self._error(
            request,
            401,
            "Full authentication is required to access this resource",
            [("WWW-Authenticate", 'Basic realm="actuator"'), *extra],
        )

    def _cors_headers(self, request: Request) -> list[tuple[str, str]]:
        origin = request.header("origin")
        allowed = self.policy.cors_allowed_origins
        # Only listed origins are echoed; "*" is no origin, so a listed "*" never becomes a wildcard answer.
        if not origin or origin == "*" or origin not in allowed:
            return []
        return [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"),
            ("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Range"),
            ("Access-Control-Expose-Headers", "Content-Range"),
            ("Vary", "Origin"),
        ]


async def _await(awaitable: Awaitable[Result]) -> Result:
    return await awaitable


def _basic_token(header: str) -> Optional[str]:
    """The credentials of a Basic Authorization header; the scheme is case-insensitive (RFC 7617)."""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "basic" or not token:
        return None
    try:
        base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        return None
    return token


def _segments(path: str) -> list[str]:
    """The decoded, non-empty segments of a path below the base path."""
    return [unquote(s) for s in path.strip("/").split("/") if s]


def _shape_matches(operation: Operation, rest: Sequence[str]) -> bool:
    if operation.selector is None:
        return not rest
    if operation.multi_segment:
        return bool(rest)
    return len(rest) == 1


def _allowed_methods(operations: Sequence[Operation]) -> list[str]:
    methods = {op.method for op in operations}
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    order = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
    return [m for m in order if m in methods]


def _request_path(request: Request) -> str:
    base = request.base_url.split("://", 1)[-1]
    prefix = "/" + base.split("/", 1)[1] if "/" in base else ""
    return prefix.rstrip("/") + (
        request.path if request.path.startswith("/") or not request.path else "/" + request.path
    )


def _strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


def _encode(payload: Any, version: ApiVersion) -> bytes:
    """Spring Boot 3 omits nulls from actuator JSON; Spring Boot 2 prints them."""
    if version is ApiVersion.V3:
        payload = _strip_none(payload)
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    # A lone surrogate (from a path or header no server decoded as UTF-8) has no UTF-8 form: "?" instead of a 500.
    return text.encode("utf-8", "replace")
