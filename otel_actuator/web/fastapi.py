"""Mount the actuator into a FastAPI (or Starlette) application in one call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings
from otel_actuator.sources import RouteMapping
from otel_actuator.web.asgi import ActuatorASGI, _route_path
from otel_actuator.web.startup_steps import time_asgi_app

#: Every method the endpoints answer.
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ActuatorRoute(BaseRoute):
    """One route matching the base path and everything below it, placed first in the app's routes.

    It matches nothing when the actuator has a management port of its own (it then only marks the app
    as mounted). The app router's dependencies (``FastAPI(dependencies=[Depends(auth)])``) guard it as
    they guard every route of the app.
    """

    def __init__(self, actuator: Actuator, router: Any = None, *, on_app_port: bool = True) -> None:
        self.actuator = actuator
        self.asgi = ActuatorASGI(actuator.dispatcher)
        self.path = actuator.settings.base_path.rstrip("/") + "/{*path}"
        self.name = "otel_actuator"
        self.automatic = False
        self.on_app_port = on_app_port
        self._router = router
        self._guard: Optional[tuple[list[Any], Any]] = None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.on_app_port and scope["type"] == "http" and self.asgi.owns(_route_path(scope)):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        from starlette.routing import NoMatchFound

        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # OpenTelemetry's ASGI middleware reads the metric's route from ``scope["route"].path_format``
        # once the response is sent: name the endpoint's template, not this catch-all route.
        dispatcher = self.asgi.dispatcher
        base = dispatcher.policy.base_path.rstrip("/")
        template = dispatcher.route_template(_route_path(scope)[len(base) :])
        if template is not None:
            scope["route"] = _RouteTemplate(template)
        guard = self._guarded()
        if guard is None:
            await self.asgi(scope, receive, send)
        else:
            await guard.handle(scope, receive, send)

    def _guarded(self) -> Any:
        """An APIRoute running the router's dependencies before the actuator; None without dependencies.

        Read per request, so dependencies added after mounting count as well.
        """
        dependencies = list(getattr(self._router, "dependencies", None) or ())
        if not dependencies:
            return None
        if self._guard is None or self._guard[0] != dependencies:
            from fastapi.routing import APIRoute

            asgi = self.asgi

            async def actuator_endpoint() -> Response:
                return _Delegated(asgi)

            path = self.actuator.settings.base_path.rstrip("/") + "/{path:path}"
            route = APIRoute(path, actuator_endpoint, methods=_METHODS, dependencies=dependencies)
            self._guard = (dependencies, route)
        return self._guard[1]


class _Delegated(Response):
    """Hands the request, its body unread, to the actuator once the dependencies passed."""

    def __init__(self, asgi: ActuatorASGI) -> None:
        super().__init__()
        self.asgi = asgi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)


class _RouteTemplate:
    """What the ASGI instrumentation reads of a matched route."""

    def __init__(self, path: str) -> None:
        self.path = self.path_format = path


def mount_fastapi(app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None) -> Actuator:
    """Serve the actuator inside a FastAPI (or Starlette) ``app``; mounting twice returns the first actuator.

    An explicit mount with its own actuator or settings replaces one made by the zero-code instrumentor,
    so the app still has exactly one.
    """
    return install(app, actuator, settings, automatic=False)


def install(
    app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None, *, automatic: bool
) -> Actuator:
    """``mount_fastapi``, and the zero-code instrumentor's mount (``automatic``), which an explicit one replaces."""
    from otel_actuator import boot

    route = next((r for r in app.router.routes if isinstance(r, ActuatorRoute)), None)
    if route is not None:
        if not route.automatic or automatic or (actuator is None and settings is None):
            return route.actuator
        app.router.routes.remove(route)
        boot.retire(route.actuator)
    actuator = boot.prepare(actuator, settings, instrument_app=lambda: instrument_fastapi(app))
    actuator.sources.mappings = lambda: fastapi_mappings(app.routes)
    route = ActuatorRoute(actuator, app.router, on_app_port=boot.serves_on_app_port(actuator.settings))
    route.automatic = automatic
    app.router.routes.insert(0, route)
    boot.start(actuator)
    time_asgi_app(app, actuator)
    return actuator


def instrument_fastapi(app: Any) -> None:
    """The contrib FastAPI instrumentation on this app (one mount call, no ``opentelemetry-instrument``)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # The ASGI send/receive spans would only be dropped by the exchange recorder.
    FastAPIInstrumentor.instrument_app(app, exclude_spans=["receive", "send"])


def fastapi_mappings(routes: Sequence[Any]) -> list[RouteMapping]:
    mappings: list[RouteMapping] = []
    for route in routes:
        path = getattr(route, "path", None)
        if path is None:
            continue
        endpoint = getattr(route, "endpoint", None)
        methods = tuple(sorted(m for m in (getattr(route, "methods", None) or ()) if m != "HEAD"))
        module = getattr(endpoint, "__module__", "") if endpoint else type(route).__module__
        name = getattr(endpoint, "__qualname__", "") if endpoint else type(route).__name__
        mappings.append(
            RouteMapping(
                patterns=(path,),
                methods=methods,
                handler=f"{module}.{name}" if module else name,
                handler_class=module,
                handler_name=name,
                framework="FastAPI",
            )
        )
    return mappings
