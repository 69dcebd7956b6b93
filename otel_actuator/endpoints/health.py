"""GET /health, /health/{component}[/{child}...], /health/{group}[/{component}...] in Spring Boot shapes.

Children sit under ``components`` in v3 bodies and under ``details`` in v2 ones (SBA 2.x and SBA 3 up to
3.4.1 only read ``details``); a leaf's own details are ``details`` in both. DOWN and OUT_OF_SERVICE answer
503. When details are hidden (``OTEL_ACTUATOR_HEALTH_SHOW_DETAILS``) the root and group bodies are the
bare status and every deeper path is 404, as in Spring, so that hiding details also hides which
components exist.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import ActuatorError
from otel_actuator.core.negotiation import ApiVersion
from otel_actuator.health.result import Health, HealthResult
from otel_actuator.health.status import http_status
from otel_actuator.sanitize import Sanitizer

if TYPE_CHECKING:
    from otel_actuator.health.registry import HealthRegistry


def create(registry: HealthRegistry, sanitizer: Sanitizer, show_details: str) -> list[Endpoint]:

    def visible(ctx: OperationContext) -> bool:
        return ctx.may_see(show_details)

    async def read(ctx: OperationContext) -> Result:
        result = await registry.evaluate()
        body = to_json(result, ctx.api_version, visible(ctx), sanitizer)
        groups = registry.group_names()
        if groups:
            body["groups"] = groups
        return Result(body, status=http_status(result.status))

    async def read_path(ctx: OperationContext) -> Result:
        path = [segment for segment in (ctx.selector or "").split("/") if segment]
        group = path[0] if path and registry.has_group(path[0]) else None
        if group is not None:
            path = path[1:]
        if not path:
            result: Optional[HealthResult] = await registry.evaluate(group)
        elif visible(ctx):
            result = await registry.evaluate_path(path, group=group)
        else:
            result = None  # hidden components must not be told apart from missing ones
        if result is None:
            raise ActuatorError(404, f"No health component or group at '{ctx.selector}'")
        body = to_json(result, ctx.api_version, visible(ctx), sanitizer)
        return Result(body, status=http_status(result.status))

    return [
        Endpoint(
            id="health",
            sensitive=False,
            operations=(
                Operation("GET", read),
                Operation("GET", read_path, selector="path", multi_segment=True),
            ),
        )
    ]


def to_json(
    result: HealthResult, version: ApiVersion, show_details: bool, sanitizer: Optional[Sanitizer] = None
) -> dict[str, Any]:
    """The Spring Boot body of a result; empty ``components``/``details`` are left out.

    Details pass the sanitizer: a check's error text may quote a connection URL with its password.
    """
    body: dict[str, Any] = {"status": result.status.code}
    if not show_details:
        return body
    if isinstance(result, Health):
        if result.status.description:
            body["description"] = result.status.description
        if result.details:
            details = _jsonable(result.details)
            body["details"] = sanitizer.sanitize_mapping(details) if sanitizer is not None else details
    elif result.components:
        key = "components" if version is ApiVersion.V3 else "details"
        body[key] = {name: to_json(child, version, True, sanitizer) for name, child in result.components.items()}
    return body


def _jsonable(value: Any) -> Any:
    """Details come from user checks: anything JSON cannot carry is shown as its text, never a 500."""
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)
