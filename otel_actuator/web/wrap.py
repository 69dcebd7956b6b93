"""The actuator in front of any ASGI or WSGI application: ``app = wrap_asgi(app)`` / ``app = wrap_wsgi(app)``.

For frameworks without a mount helper. The wrapper answers the base path and hands everything else to the
application unchanged. Without ``opentelemetry-instrument`` (and unless the app's providers are connected
already) the one-call set-up adds the contrib ASGI or WSGI middleware in front, so the app's requests are
traced and counted; their ``uri`` tag is the route only where the app's instrumentation reports one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable, Optional

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings
from otel_actuator.web.asgi import ActuatorASGI, Receive, Scope, Send, _route_path
from otel_actuator.web.wsgi import ActuatorWSGI, Environ, StartResponse

AsgiApp = Callable[[Scope, Receive, Send], Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class _Template:
    """What the ASGI instrumentation reads of a matched route (``scope["route"].path_format``)."""

    def __init__(self, path: str) -> None:
        self.path = self.path_format = path


class WrappedASGI:
    """Serves the base path; everything else, lifespan included, goes to ``app``."""

    def __init__(self, app: AsgiApp, actuator: Actuator, *, on_app_port: bool) -> None:
        self.app = app
        self.actuator = actuator
        self._asgi = ActuatorASGI(actuator.dispatcher)
        self._on_app_port = on_app_port
        self._entry: AsgiApp = self._route

    def trace(self) -> None:
        """The contrib ASGI middleware in front (one-call set-up)."""
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        self._entry = OpenTelemetryMiddleware(self._route, exclude_spans=["receive", "send"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._entry(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._on_app_port and scope["type"] == "http" and self._asgi.owns(_route_path(scope)):
            dispatcher = self._asgi.dispatcher
            base = dispatcher.policy.base_path.rstrip("/")
            template = dispatcher.route_template(_route_path(scope)[len(base) :])
            if template is not None:
                scope["route"] = _Template(template)
            await self._asgi(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class WrappedWSGI:
    """Serves the base path; everything else goes to ``app``."""

    def __init__(self, app: WsgiApp, actuator: Actuator, *, on_app_port: bool) -> None:
        self.app = app
        self.actuator = actuator
        self._wsgi = ActuatorWSGI(actuator.dispatcher)
        self._on_app_port = on_app_port
        self._entry: WsgiApp = self._route

    def trace(self) -> None:
        """The contrib WSGI middleware in front (one-call set-up)."""
        from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware

        self._entry = OpenTelemetryMiddleware(self._route)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        return self._entry(environ, start_response)

    def _route(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self._on_app_port and self._wsgi.dispatcher.policy.owns(environ.get("PATH_INFO", "") or "/"):
            return self._wsgi(environ, start_response)
        return self.app(environ, start_response)


def wrap_asgi(app: AsgiApp, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None) -> WrappedASGI:
    """``app`` with the actuator at the base path; its ``actuator`` attribute is the one it serves."""
    from otel_actuator import boot

    # The set-up asks for the instrumentation only when it connected the providers itself.
    traced: list[bool] = []
    actuator = boot.prepare(actuator, settings, instrument_app=lambda: traced.append(True))
    wrapped = WrappedASGI(app, actuator, on_app_port=boot.serves_on_app_port(actuator.settings))
    if traced:
        wrapped.trace()
    boot.start(actuator)
    return wrapped


def wrap_wsgi(app: WsgiApp, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None) -> WrappedWSGI:
    """``app`` with the actuator at the base path; its ``actuator`` attribute is the one it serves."""
    from otel_actuator import boot

    # The set-up asks for the instrumentation only when it connected the providers itself.
    traced: list[bool] = []
    actuator = boot.prepare(actuator, settings, instrument_app=lambda: traced.append(True))
    wrapped = WrappedWSGI(app, actuator, on_app_port=boot.serves_on_app_port(actuator.settings))
    if traced:
        wrapped.trace()
    boot.start(actuator)
    return wrapped
