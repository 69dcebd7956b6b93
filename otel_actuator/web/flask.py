"""Mount the actuator into a Flask application in one call."""

from __future__ import annotations

from typing import Any, Optional

from otel_actuator.actuator import Actuator
from otel_actuator.core.sources import RouteMapping
from otel_actuator.settings import Settings
from otel_actuator.web.common import ready_actuator
from otel_actuator.web.wsgi import ActuatorWSGI

_EXTENSION = "otel_actuator"
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def mount_flask(app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None) -> Actuator:
    """Serve the actuator inside ``app`` as ordinary URL rules; mounting twice returns the first actuator."""
    import flask

    existing: Optional[Actuator] = app.extensions.get(_EXTENSION)
    if existing is not None:
        return existing
    actuator = ready_actuator(actuator, settings)
    wsgi = ActuatorWSGI(actuator)

    def actuator_view(subpath: str = "") -> Any:
        response = wsgi.respond(flask.request.environ)
        return flask.Response(response.body, status=response.status, headers=response.headers)

    base = actuator.settings.base_path.rstrip("/")
    options = {"view_func": actuator_view, "methods": _METHODS, "provide_automatic_options": False}
    app.add_url_rule(base or "/", endpoint="otel_actuator", strict_slashes=False, **options)
    app.add_url_rule(f"{base}/<path:subpath>", endpoint="otel_actuator", **options)
    app.extensions[_EXTENSION] = actuator
    actuator.mappings_provider = lambda: flask_mappings(app)
    actuator.dispatcher  # noqa: B018 - builds the endpoints now so the exposure line is logged at start-up
    return actuator


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
