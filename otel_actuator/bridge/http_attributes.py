"""Reading HTTP server attributes under every semantic-convention mode (old, ``http``, ``http/dup``).

The contrib instrumentations still default to the old keys; ``OTEL_SEMCONV_STABILITY_OPT_IN=http``
switches to the stable ones and ``http/dup`` writes both. FastAPI's native telemetry writes only the
stable keys. Each reader below tries the stable key first and falls back to the old one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional
from urllib.parse import urlsplit

from otel_actuator.bridge import django_routes

#: Scopes whose SERVER spans and duration metrics describe HTTP requests served by the application.
HTTP_SERVER_SCOPES = frozenset(
    {
        "opentelemetry.instrumentation.fastapi",
        "opentelemetry.instrumentation.flask",
        "opentelemetry.instrumentation.aiohttp_server",
        "opentelemetry.instrumentation.asgi",
        "opentelemetry.instrumentation.wsgi",
        "opentelemetry.instrumentation.starlette",
        "opentelemetry.instrumentation.django",
        "opentelemetry.instrumentation.falcon",
        "opentelemetry.instrumentation.tornado",
        "opentelemetry.instrumentation.pyramid",
        "fastapi",
    }
)

#: Scopes whose old-mode ``http.target`` metric attribute holds the route template, not the raw path
#: (the ASGI middleware, which Starlette and Litestar use too, sets it only from a matched route).
ROUTE_IN_TARGET_SCOPES = frozenset(
    {
        "opentelemetry.instrumentation.fastapi",
        "opentelemetry.instrumentation.flask",
        "opentelemetry.instrumentation.asgi",
        "opentelemetry.instrumentation.starlette",
        "opentelemetry.instrumentation.tornado",
    }
)

DJANGO_SCOPE = "opentelemetry.instrumentation.django"
STARLETTE_SCOPE = "opentelemetry.instrumentation.starlette"
_CONVERTER = re.compile(r"\{(\w+):[^{}]+\}")

REQUEST_HEADER_PREFIX = "http.request.header."
RESPONSE_HEADER_PREFIX = "http.response.header."

_DEFAULT_PORTS = {"http": 80, "https": 443}

Attributes = Mapping[str, Any]


def method(attributes: Attributes) -> Optional[str]:
    """The request method; the original spelling when the stable conventions folded it into ``_OTHER``."""
    value = (
        attributes.get("http.request.method_original")
        or attributes.get("http.request.method")
        or attributes.get("http.method")
    )
    return str(value) if value else None


def status_code(attributes: Attributes) -> Optional[int]:
    value = attributes.get("http.response.status_code", attributes.get("http.status_code"))
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def route(attributes: Attributes, scope_name: str) -> Optional[str]:
    """The route template; old-mode FastAPI, Flask and Tornado metrics carry it in ``http.target``."""
    value = attributes.get("http.route")
    if not value and scope_name in ROUTE_IN_TARGET_SCOPES:
        value = attributes.get("http.target")
    if scope_name == DJANGO_SCOPE:
        # Django reports its own pattern syntax, in http.target in old-mode metrics (the raw path when
        # nothing matched).
        return django_routes.template(str(value or attributes.get("http.target") or "/"))
    if value and scope_name == STARLETTE_SCOPE:
        # Spans and stable-mode metrics carry Starlette's route.path (``/users/{id:int}``), old-mode
        # metrics its path_format (``/users/{id}``): one template for both.
        return _CONVERTER.sub(r"{\1}", str(value))
    return str(value) if value else None


def path(attributes: Attributes) -> str:
    """The request path without the query (old-mode WSGI puts the query inside ``http.target``)."""
    value = attributes.get("url.path")
    if value:
        return str(value)
    target = attributes.get("http.target")
    if target:
        return str(target).split("?", 1)[0]
    url = attributes.get("http.url")
    if url:
        return urlsplit(str(url)).path or "/"
    return "/"


def full_uri(attributes: Attributes) -> str:
    """The absolute request URI with its query, as the server saw it."""
    url = attributes.get("http.url")
    # Old-mode Tornado puts only the path and query in http.url: the host comes from the other attributes.
    if url and "://" in str(url):
        return str(url)
    scheme = str(attributes.get("url.scheme") or attributes.get("http.scheme") or "http")
    host = _host(attributes, scheme)
    url_path = attributes.get("url.path")
    if url_path:
        query = attributes.get("url.query")
        target = f"{url_path}?{query}" if query else str(url_path)
    else:
        target = str(attributes.get("http.target") or "/")
    return f"{scheme}://{host}{target}" if host else target


def client_address(attributes: Attributes) -> Optional[str]:
    value = attributes.get("client.address") or attributes.get("net.peer.ip")
    return str(value) if value else None


def error_type(attributes: Attributes) -> Optional[str]:
    """The exception's class name, as Spring's ``error`` tag; None for a plain error status.

    The stable conventions put the status code in ``error.type`` when a 5xx comes without an exception;
    Spring tags such a request ``error=none``.
    """
    value = attributes.get("error.type")
    text = str(value) if value else ""
    return text if text and not text.isdigit() else None


def outcome(status: Optional[int]) -> str:
    """Spring's ``outcome`` tag for a status code."""
    if status is None:
        return "UNKNOWN"
    return {1: "INFORMATIONAL", 2: "SUCCESS", 3: "REDIRECTION", 4: "CLIENT_ERROR", 5: "SERVER_ERROR"}.get(
        status // 100, "UNKNOWN"
    )


def header_name(attribute_suffix: str) -> str:
    """``x_request_id`` (how instrumentations key captured headers) -> ``X-Request-Id``."""
    return "-".join(part.capitalize() for part in attribute_suffix.split("_"))


def _host(attributes: Attributes, scheme: str) -> str:
    # ASGI scopes without a port produce "host:None"; server.address may already carry the port.
    raw = attributes.get("server.address") or attributes.get("http.host") or attributes.get("net.host.name")
    raw = raw or attributes.get("http.server_name")
    if not raw:
        return ""
    host = str(raw)
    if host.endswith(":None"):
        host = host[: -len(":None")]
    if host.count(":") > 1 and not host.startswith("["):
        host = f"[{host}]"
    if host.rsplit("]", 1)[-1].count(":") == 1:
        return host
    port = attributes.get("server.port", attributes.get("net.host.port"))
    if isinstance(port, int) and port != _DEFAULT_PORTS.get(scheme):
        return f"{host}:{port}"
    return host
