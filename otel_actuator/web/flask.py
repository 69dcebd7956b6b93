"""Mount the actuator into a Flask application in one call."""

from __future__ import annotations

from typing import Any, Optional

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings
from otel_actuator.sources import RouteMapping
from otel_actuator.web.common import monitor, ready_actuator, retire
from otel_actuator.web.wsgi import ActuatorWSGI

_EXTENSION = "otel_actuator"
_ENDPOINT = "otel_actuator"
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def mount_flask(
    app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None, *, automatic: bool = False
) -> Actuator:
    """Serve the actuator inside ``app`` as ordinary URL rules; mounting twice returns the first actuator.

    An explicit mount with its own actuator or settings replaces one made automatically by the
    zero-code instrumentor (the URL rules stay; they serve whichever actuator is current).
    """
    mounted: Optional[_Mounted] = app.extensions.get(_EXTENSION)
    if mounted is not None:
        if not mounted.automatic or automatic or (actuator is None and settings is None):
            return mounted.wsgi.actuator
        retire(mounted.wsgi.actuator)
        mounted.wsgi.actuator = ready_actuator(actuator, settings)
        mounted.automatic = False
        _add_rules(app, mounted, mounted.wsgi.actuator.settings.base_path)
        _finish(app, mounted.wsgi.actuator)
        return mounted.wsgi.actuator
    actuator = ready_actuator(actuator, settings)
    mounted = _Mounted(ActuatorWSGI(actuator), automatic)

    _add_rules(app, mounted, actuator.settings.base_path)
    app.extensions[_EXTENSION] = mounted
    _finish(app, actuator)
    return actuator


class _Mounted:
    def __init__(self, wsgi: ActuatorWSGI, automatic: bool) -> None:
        self.wsgi = wsgi
        self.automatic = automatic

    def view(self, subpath: str = "") -> Any:
        """Serves whichever actuator is current (an explicit mount may replace an automatic one)."""
        import flask
        from werkzeug.routing import Rule

        actuator = self.wsgi.actuator
        template = actuator.dispatcher.route_template("/" + subpath)
        rule = flask.request.url_rule
        if rule is not None:
            # OpenTelemetry's Flask instrumentation tags the request's metric with ``str(url_rule)`` once the
            # view returns: name the endpoint's template rather than the catch-all rule, and no rule at all
            # for a path no endpoint answers (tagged NOT_FOUND then, like any unmatched path).
            flask.request.url_rule = Rule(template, endpoint=rule.endpoint, methods=rule.methods) if template else None
        response = self.wsgi.respond(flask.request.environ)
        return flask.Response(response.body, status=response.status, headers=response.headers)


def _add_rules(app: Any, mounted: _Mounted, base_path: str) -> None:
    """URL rules for ``base_path`` and below, once per base path."""
    base = base_path.rstrip("/")
    endpoint = f"{_ENDPOINT}:{base}"
    if endpoint in app.view_functions:
        return
    options = {"endpoint": endpoint, "view_func": mounted.view, "methods": _METHODS, "provide_automatic_options": False}
    app.add_url_rule(base or "/", strict_slashes=False, **options)
    app.add_url_rule(f"{base}/<path:subpath>", **options)


def _finish(app: Any, actuator: Actuator) -> None:
    actuator.mappings_provider = lambda: flask_mappings(app)
    actuator.dispatcher  # noqa: B018 - builds the endpoints now so the exposure line is logged at start-up
    monitor(actuator)


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
            )
        )
    return mappings
