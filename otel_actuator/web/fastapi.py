"""Mount the actuator into a FastAPI (or Starlette) application in one call."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, Callable, Optional

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


#: The endpoint template of the request the actuator's route just matched (see ``ActuatorRoute.path``).
_matched: ContextVar[Optional[str]] = ContextVar("otel_actuator_matched_template", default=None)


class ActuatorRoute(BaseRoute):
    """One route matching the base path and everything below it, placed first in the app's routes.

    It matches nothing when the actuator has a management port of its own (it then only marks the app
    as mounted). The app router's dependencies (``FastAPI(dependencies=[Depends(auth)])``) guard it as
    they guard every route of the app.
    """

    def __init__(self, actuator: Actuator, router: Any = None, *, on_app_port: bool = True) -> None:
        self.actuator = actuator
        self.asgi = ActuatorASGI(actuator.dispatcher)
        self.pattern = actuator.settings.base_path.rstrip("/") + "/{*path}"
        self.name = "otel_actuator"
        self.automatic = False
        self.on_app_port = on_app_port
        self._router = router
        self._guard: Optional[tuple[list[Any], Any]] = None

    @property
    def path(self) -> str:
        """The catch-all pattern; right after a match, the endpoint's template.

        The FastAPI and Starlette instrumentations name a request's ``http.route`` (spans, stable-mode
        metrics) by reading ``path`` of the route whose ``matches`` said FULL, before routing it.
        """
        return _matched.get() or self.pattern

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.on_app_port and scope["type"] == "http" and self.asgi.owns(_route_path(scope)):
            _matched.set(self._template(scope))
            return Match.FULL, {}
        return Match.NONE, {}

    def _template(self, scope: Scope) -> Optional[str]:
        dispatcher = self.asgi.dispatcher
        return dispatcher.route_template(_route_path(scope)[len(dispatcher.policy.base_path.rstrip("/")) :])

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        from starlette.routing import NoMatchFound

        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        _matched.set(None)  # the mappings endpoint reads the catch-all pattern
        # OpenTelemetry's ASGI middleware reads the old-mode metric's route from
        # ``scope["route"].path_format`` once the response is sent: name the endpoint's template too.
        template = self._template(scope)
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


def instrument_fastapi(app: Any) -> None:
    """The contrib FastAPI instrumentation on this app (one mount call, no ``opentelemetry-instrument``)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # The ASGI send/receive spans would only be dropped by the exchange recorder.
    FastAPIInstrumentor.instrument_app(app, exclude_spans=["receive", "send"])


def install(
    app: Any,
    actuator: Optional[Actuator] = None,
    settings: Optional[Settings] = None,
    *,
    automatic: bool,
    instrument: Callable[[Any], None] = instrument_fastapi,
    framework: str = "FastAPI",
) -> Actuator:
    """``mount_fastapi``, and the zero-code instrumentor's mount (``automatic``), which an explicit one replaces.

    ``instrument`` and ``framework`` are what differs for a plain Starlette app (``mount_starlette``).
    """
    from otel_actuator import boot

    route = next((r for r in app.router.routes if isinstance(r, ActuatorRoute)), None)
    if route is not None:
        if not route.automatic or automatic or (actuator is None and settings is None):
            return route.actuator
        app.router.routes.remove(route)
        boot.retire(route.actuator)
    actuator = boot.prepare(actuator, settings, instrument_app=lambda: instrument(app))
    actuator.sources.mappings = lambda: fastapi_mappings(app.routes, framework)
    route = ActuatorRoute(actuator, app.router, on_app_port=boot.serves_on_app_port(actuator.settings))
    route.automatic = automatic
    app.router.routes.insert(0, route)
    boot.start(actuator)
    time_asgi_app(app, actuator)
    return actuator


def fastapi_mappings(routes: Sequence[Any], framework: str = "FastAPI") -> list[RouteMapping]:
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
                framework=framework,
            )
        )
    return mappings
