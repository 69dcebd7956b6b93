"""A Pyctuator customizer for FastAPI: the ``APIRouter`` it customizes fronts every actuator request.

Whatever the customizer sets on the router (``router.dependencies = [Depends(auth)]`` is the usual
case) runs before the actuator sees the request; routes it adds are served beside the endpoints.
"""

from __future__ import annotations

from typing import Any, Callable

from fastapi import APIRouter, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from otel_actuator.actuator import Actuator
from otel_actuator.web.asgi import ActuatorASGI

#: Every method the endpoints answer, so none reaches the actuator's own (unguarded) route.
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


class _Delegated(Response):
    """Hands the request, its body unread, to the actuator once the router's dependencies passed."""

    def __init__(self, asgi: ActuatorASGI) -> None:
        super().__init__()
        self.asgi = asgi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)


def guard_fastapi(app: Any, actuator: Actuator, customizer: Callable[[APIRouter], Any]) -> None:
    """Insert the customized router's routes for the base path ahead of the actuator's own route."""
    asgi = ActuatorASGI(actuator.dispatcher)

    async def actuator_endpoint(request: Request) -> Response:
        return _Delegated(asgi)

    router = APIRouter()
    customizer(router)
    for path in ("", "/{path:path}"):
        router.add_api_route(path, actuator_endpoint, methods=_METHODS, include_in_schema=False)
    prefixed = APIRouter()
    prefixed.include_router(router, prefix=actuator.settings.base_path)
    app.router.routes[0:0] = prefixed.routes
