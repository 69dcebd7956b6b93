"""Requests to the actuator core without a server: through a dispatcher, or straight to one operation.

``call`` builds the :class:`Request` a server adapter would build; ``json_of`` reads the JSON answer of
the core or of a real server; ``operate`` runs one endpoint operation with the context the dispatcher
would give it, for tests of a body that need no routing, negotiation or auth.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

import httpx

from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.endpoint import Endpoint, OperationContext, Result
from otel_actuator.core.http import Request, Response
from otel_actuator.core.negotiation import V2_JSON, V3_JSON, ApiVersion

#: The absolute URL of the base path, as links show it.
BASE = "http://127.0.0.1:8080/actuator"


def call(
    dispatcher: Dispatcher,
    method: str,
    path: str,
    headers: Optional[Mapping[str, str]] = None,
    body: bytes = b"",
    *,
    accept: Optional[str] = None,
    query: Sequence[tuple[str, str]] = (),
    base: str = BASE,
) -> Response:
    """``method path`` below the base path; header names are lower-cased, as the adapters do."""
    sent = {name.lower(): value for name, value in (headers or {}).items()}
    if accept is not None:
        sent["accept"] = accept
    return dispatcher.handle(Request(method, path, base, query=tuple(query), headers=sent, body=body))


def json_of(response: Union[Response, httpx.Response], status: int = 200) -> Any:
    """The JSON body of an answer that must have ``status``."""
    if isinstance(response, httpx.Response):
        seen = f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}"
        assert response.status_code == status, seen
        return response.json()
    assert response.status == status, f"{response.status} {response.body[:300]!r}"
    return json.loads(response.body)


def operation_context(
    request: Request, *, version: ApiVersion = ApiVersion.V3, authorized: bool = False, selector: Optional[str] = None
) -> OperationContext:
    """What the dispatcher hands an operation once it has routed, negotiated and checked ``request``."""
    return OperationContext(
        request=request,
        api_version=version,
        media_type=V3_JSON if version is ApiVersion.V3 else V2_JSON,
        authorized=authorized,
        selector=selector,
    )


def operate(
    endpoint: Endpoint,
    method: str = "GET",
    selector: Optional[str] = None,
    *,
    query: Sequence[tuple[str, str]] = (),
    version: ApiVersion = ApiVersion.V3,
    authorized: bool = False,
) -> Result:
    """Run the operation of ``endpoint`` that ``method`` (and a ``selector``, or none) reaches."""
    operation = next(
        op for op in endpoint.operations if op.method == method and (op.selector is None) == (selector is None)
    )
    path = f"/{endpoint.id}" + (f"/{selector}" if selector else "")
    request = Request(method, path, BASE, query=tuple(query))
    result = operation.handler(operation_context(request, version=version, authorized=authorized, selector=selector))
    assert isinstance(result, Result), "operate() runs operations that answer at once, not coroutines"
    return result


def payload(result: Result) -> dict[str, Any]:
    """The body of a 200 result, checked to encode as JSON the way the dispatcher will encode it."""
    assert result.status == 200, result.body
    json.dumps(result.body)
    body: dict[str, Any] = result.body
    return body
