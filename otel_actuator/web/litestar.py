"""Serve the actuator inside a Litestar application: ``Litestar(..., plugins=[LitestarActuatorPlugin()])``.

Litestar has no contrib instrumentation: its own OpenTelemetry plugin (the contrib ASGI middleware) is the
data source. Its default span details name the raw path (``GET /users/7``: one metric series per URL), so
this plugin adds Litestar's plugin, or takes the app's own, with details naming the route template the
request will match (``/users/{user_id:int}``), and the endpoint's template for the actuator's own requests.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Callable, Optional

from litestar.plugins import InitPlugin

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings
from otel_actuator.sources import RouteMapping
from otel_actuator.web.asgi import ActuatorASGI, Receive, Scope, Send, _route_path

#: Litestar's CSRF middleware skips handlers with this opt set (``CSRFConfig.exclude_from_csrf_key``).
_CSRF_EXEMPT = "exclude_from_csrf"


class LitestarActuatorPlugin(InitPlugin):
    """Mounts the actuator at the base path and traces every request under its route template.

    ``actuator`` is the mounted actuator once the app is built (register health indicators on it).
    """

    def __init__(
        self, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None, *, automatic: bool = False
    ) -> None:
        super().__init__()
        self._given = actuator
        self._settings = settings
        self.automatic = automatic
        self.actuator: Optional[Actuator] = None

    def on_app_init(self, app_config: Any) -> Any:
        """Build the actuator and add its mount and Litestar's OpenTelemetry plugin to the app's config."""
        from otel_actuator import boot

        actuator = self.actuator = boot.prepare(self._given, self._settings)
        _trace_routes(app_config, actuator)
        if boot.serves_on_app_port(actuator.settings):
            app_config.route_handlers.append(_actuator_handler(actuator))
        log_handlers = _log_handlers()

        def started(app: Any) -> None:
            actuator.sources.mappings = lambda: litestar_mappings(app)
            # Litestar's logging config replaces the root logger's handlers once the plugins ran: the ones
            # feeding the log file (and OpenTelemetry's logs) go back.
            root = logging.getLogger()
            for handler in log_handlers:
                if handler not in root.handlers:
                    root.addHandler(handler)

        app_config.on_startup.append(started)
        boot.start(actuator)
        return app_config


def _log_handlers() -> list[logging.Handler]:
    """The root logger's handlers that feed the actuator's log file: its tail's and OpenTelemetry's."""
    from otel_actuator.sources.logs import LogTailHandler

    return [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, LogTailHandler) or type(handler).__name__ == "LoggingHandler"
    ]


def add_plugin(kwargs: dict[str, Any]) -> None:
    """Zero code: the plugin in a ``Litestar(...)`` call's keyword arguments, unless the app has one."""
    plugins = list(kwargs.get("plugins") or ())
    if not any(isinstance(plugin, LitestarActuatorPlugin) for plugin in plugins):
        kwargs["plugins"] = [*plugins, LitestarActuatorPlugin(automatic=True)]


def _trace_routes(app_config: Any, actuator: Actuator) -> None:
    """Litestar's OpenTelemetry plugin (the app's own, or a new one), naming route templates."""
    from litestar.middleware.base import DefineMiddleware
    from litestar.plugins.opentelemetry import (
        OpenTelemetryConfig,
        OpenTelemetryInstrumentationMiddleware,
        OpenTelemetryPlugin,
    )

    configs = [plugin.config for plugin in app_config.plugins if isinstance(plugin, OpenTelemetryPlugin)]
    configs += [
        middleware.kwargs["config"]
        for middleware in app_config.middleware
        if isinstance(middleware, DefineMiddleware)
        and isinstance(middleware.middleware, type)
        and issubclass(middleware.middleware, OpenTelemetryInstrumentationMiddleware)
    ]
    default = next(
        f.default for f in dataclasses.fields(OpenTelemetryConfig) if f.name == "scope_span_details_extractor"
    )
    if not configs:
        config = OpenTelemetryConfig(exclude_spans=["receive", "send"])
        app_config.plugins.append(OpenTelemetryPlugin(config))
        configs = [config]
    for config in configs:
        if config.scope_span_details_extractor is default:  # the app's own extractor stays
            config.scope_span_details_extractor = _span_details(actuator)


class _RouteTemplate:
    """What the ASGI instrumentation reads of a matched route for old-mode metrics (``http.target``)."""

    def __init__(self, path: str) -> None:
        self.path = self.path_format = path


def _span_details(actuator: Actuator) -> Callable[[Any], tuple[str, dict[str, Any]]]:
    def details(scope: Any) -> tuple[str, dict[str, Any]]:
        method = str(scope.get("method") or "")
        template = route_template(scope, actuator)
        if template is None:
            return method or "HTTP", {}
        scope["route"] = _RouteTemplate(template)
        return (f"{method} {template}" if method else template), {"http.route": template}

    return details


def route_template(scope: Scope, actuator: Actuator) -> Optional[str]:
    """The template of the route a request will match, worked out before Litestar routes it (when the
    instrumentation reads it); None when nothing matches."""
    from litestar.utils import normalize_path

    path = _route_path(scope)
    dispatcher = actuator.dispatcher
    if dispatcher.policy.owns(path):
        return dispatcher.route_template(path[len(dispatcher.policy.base_path.rstrip("/")) :])
    app = scope.get("app")
    try:
        # Litestar's own routing, cached by path and method: the request's routing reuses it.
        template: str = app.asgi_router.handle_routing(normalize_path(path), scope.get("method"))[4]  # type: ignore[union-attr]
    except Exception:  # 404 and 405 come as exceptions
        return None
    return template


def _actuator_handler(actuator: Actuator) -> Any:
    """A mount at the base path (Litestar's ASGI routes take no path parameters); the mount hands over the
    path below it, with a slash added, which the dispatcher ignores."""
    from litestar.handlers import asgi

    served = ActuatorASGI(actuator.dispatcher)
    base = actuator.settings.base_path.rstrip("/")

    async def otel_actuator(scope: Scope, receive: Receive, send: Send) -> None:
        below = scope["path"].rstrip("/")
        await served({**scope, "path": base + below, "root_path": scope.get("root_path", "")}, receive, send)

    return asgi(path=base, is_mount=True, opt={_CSRF_EXEMPT: True}, copy_scope=True)(otel_actuator)


def litestar_mappings(app: Any) -> list[RouteMapping]:
    mappings: list[RouteMapping] = []
    for route in app.routes:
        handlers = getattr(route, "route_handlers", None) or [route.route_handler]
        for handler in handlers:
            fn = getattr(handler.fn, "value", handler.fn)  # a Ref in some Litestar versions
            module = getattr(fn, "__module__", "") or ""
            name = getattr(fn, "__qualname__", "") or str(handler)
            methods = tuple(sorted(m for m in getattr(handler, "http_methods", ()) if m not in ("HEAD", "OPTIONS")))
            if not methods and getattr(handler, "http_methods", None):
                continue  # Litestar's own OPTIONS handlers
            mappings.append(
                RouteMapping(
                    patterns=(route.path_format,),
                    methods=methods,
                    handler=f"{module}.{name}" if module else name,
                    handler_class=module,
                    handler_name=name,
                    framework="Litestar",
                )
            )
    return mappings
