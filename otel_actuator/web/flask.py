"""Mount the actuator into a Flask application in one call."""

from __future__ import annotations

from typing import Any, Optional

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings
from otel_actuator.sources import RouteMapping
from otel_actuator.web.startup_steps import time_wsgi_app
from otel_actuator.web.wsgi import ActuatorWSGI

_EXTENSION = "otel_actuator"
_ENDPOINT = "otel_actuator"
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def mount_flask(app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None) -> Actuator:
    """Serve the actuator inside a Flask ``app`` as ordinary URL rules; mounting twice returns the first actuator.

    An explicit mount with its own actuator or settings replaces one made by the zero-code instrumentor
    (the URL rules stay; they serve whichever actuator is current).
    """
    return install(app, actuator, settings, automatic=False)


def install(
    app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None, *, automatic: bool
) -> Actuator:
    """``mount_flask``, and the zero-code instrumentor's mount (``automatic``), which an explicit one replaces."""
    from otel_actuator import boot

    mounted: Optional[_Mounted] = app.extensions.get(_EXTENSION)
    if mounted is not None:
        if not mounted.automatic or automatic or (actuator is None and settings is None):
            return mounted.actuator
        boot.retire(mounted.actuator)
        mounted.use(boot.prepare(actuator, settings))
        mounted.automatic = False
    else:
        mounted = _Mounted(boot.prepare(actuator, settings, instrument_app=lambda: instrument_flask(app)), automatic)
        app.extensions[_EXTENSION] = mounted
    actuator = mounted.actuator
    if boot.serves_on_app_port(actuator.settings):
        _add_rules(app, mounted, actuator.settings.base_path)
    actuator.sources.mappings = lambda: flask_mappings(app)
    boot.start(actuator)
    time_wsgi_app(app, actuator)
    return actuator


class _Mounted:
    def __init__(self, actuator: Actuator, automatic: bool) -> None:
        self.use(actuator)
        self.automatic = automatic

    def use(self, actuator: Actuator) -> None:
        self.actuator = actuator
        self.wsgi = ActuatorWSGI(actuator.dispatcher)

    def view(self, subpath: str = "") -> Any:
        """Serves whichever actuator is current (an explicit mount may replace an automatic one)."""
        import flask
        from werkzeug.routing import Rule

        template = self.wsgi.dispatcher.route_template("/" + subpath)
        rule = flask.request.url_rule
        if rule is not None:
            # OpenTelemetry's Flask instrumentation tags the request's metric with ``str(url_rule)`` once the
            # view returns: name the endpoint's template rather than the catch-all rule, and no rule at all
            # for a path no endpoint answers (tagged NOT_FOUND then, like any unmatched path).
            flask.request.url_rule = Rule(template, endpoint=rule.endpoint, methods=rule.methods) if template else None
        response = self.wsgi.respond(flask.request.environ)
        if response.stream is None:
            return flask.Response(response.body, status=response.status, headers=response.headers)
        headers = [*response.headers, ("Content-Length", str(response.content_length))]
        return flask.Response(response.stream.chunks, status=response.status, headers=headers, direct_passthrough=True)


def _add_rules(app: Any, mounted: _Mounted, base_path: str) -> None:
    """URL rules for ``base_path`` and below, once per base path."""
    base = base_path.rstrip("/")
    endpoint = f"{_ENDPOINT}:{base}"
    if endpoint in app.view_functions:
        return
    options = {"endpoint": endpoint, "view_func": mounted.view, "methods": _METHODS, "provide_automatic_options": False}
    app.add_url_rule(base or "/", strict_slashes=False, **options)
    app.add_url_rule(f"{base}/<path:subpath>", **options)


def instrument_flask(app: Any) -> None:
    """The contrib Flask instrumentation on this app (one mount call, no ``opentelemetry-instrument``)."""
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor().instrument_app(app)  # type: ignore[no-untyped-call]


def flask_mappings(app: Any) -> list[RouteMapping]:
    mappings: list[RouteMapping] = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        module = getattr(view, "__module__", "") or ""
        name = getattr(view, "__qualname__", rule.endpoint)
        methods = tuple(sorted(m for m in (rule.methods or ()) if m not in ("HEAD", "OPTIONS")))
        mappings.append(
            RouteMapping(
                patterns=(rule.rule,),
                methods=methods,
                handler=f"{module}.{name}" if module else name,
                handler_class=module,
                handler_name=name,
                framework="Flask",
            )
        )
    return mappings
