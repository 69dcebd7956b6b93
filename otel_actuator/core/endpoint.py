"""What an endpoint is: an id and its operations, with nothing framework-specific."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from otel_actuator.core.errors import ActuatorError
from otel_actuator.core.http import Request
from otel_actuator.core.negotiation import JSON_TYPES, ApiVersion
from otel_actuator.core.policy import SHOW_ALWAYS, SHOW_WHEN_AUTHORIZED


@dataclass
class Result:
    """What an operation returns.

    ``body`` is a JSON-able payload for JSON media types, or ``str``/``bytes`` sent as they are, or a
    :class:`~otel_actuator.core.http.Streamed` body read chunk by chunk as it is sent.
    ``content_type`` overrides the negotiated type (e.g. ``text/plain;charset=UTF-8``).
    """

    body: Any = None
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: Optional[str] = None


@dataclass
class OperationContext:
    request: Request
    api_version: ApiVersion
    media_type: str
    authorized: bool
    selector: Optional[str] = None

    def json_body(self) -> Any:
        """The request body as JSON; an empty body is ``None``; malformed JSON is a 400."""
        import json

        raw = self.request.body
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ActuatorError(400, f"Request body is not valid JSON: {exc}") from None
        except RecursionError:
            raise ActuatorError(400, "Request body is JSON nested too deeply") from None

    def may_see(self, policy: str) -> bool:
        """never / when-authorized / always, for health details and env values."""
        return policy == SHOW_ALWAYS or (policy == SHOW_WHEN_AUTHORIZED and self.authorized)


Handler = Callable[[OperationContext], Union[Result, Awaitable[Result]]]


@dataclass(frozen=True)
class Operation:
    """One HTTP operation of an endpoint.

    ``selector`` names the path variable after the endpoint id (``loggers/{name}``); ``multi_segment``
    lets it span several segments (``health/{*path}``). ``blocking`` handlers run off the event loop
    under ASGI.
    """

    method: str
    handler: Handler
    selector: Optional[str] = None
    multi_segment: bool = False
    produces: tuple[str, ...] = JSON_TYPES
    blocking: bool = False


@dataclass(frozen=True)
class Endpoint:
    """``sensitive`` endpoints need credentials when auth is on (all but health).

    ``index_versions`` limits which negotiated body versions list the endpoint in the index
    (httptrace is a Spring Boot 2 name, httpexchanges a Spring Boot 3 one); the path answers always.
    ``available`` says, per request, whether the endpoint's data source is attached (an endpoint
    without one is treated as absent); a disabled endpoint (shutdown by default) is never exposed.
    """

    id: str
    operations: tuple[Operation, ...]
    sensitive: bool = True
    index_versions: frozenset[ApiVersion] = frozenset({ApiVersion.V2, ApiVersion.V3})
    available: Optional[Callable[[], bool]] = None
    enabled: bool = True

    def link_names(self) -> Mapping[str, str]:
        """Index link name -> path suffix, as Spring names them (``loggers-name``: ``/loggers/{name}``)."""
        links: dict[str, str] = {}
        for op in self.operations:
            name = self.id if op.selector is None else f"{self.id}-{op.selector}"
            links.setdefault(name, self.operation_path(op))
        return links

    def operation_path(self, operation: Operation) -> str:
        """The operation's path template below the base path: ``/loggers/{name}``, ``/health/{*path}``."""
        if operation.selector is None:
            return f"/{self.id}"
        variable = f"{{*{operation.selector}}}" if operation.multi_segment else f"{{{operation.selector}}}"
        return f"/{self.id}/{variable}"
