"""A Pyctuator customizer for Flask: the ``Blueprint`` it customizes guards every actuator request.

The blueprint's ``before_request`` functions run before the actuator sees the request (one returning a
response answers instead); routes the customizer adds are served beside the endpoints.
"""

from __future__ import annotations

from typing import Any, Callable

import flask

from otel_actuator.actuator import Actuator
from otel_actuator.compat.mounting import FLASK_VIEW


def guard_flask(app: flask.Flask, actuator: Actuator, customizer: Callable[[flask.Blueprint], Any]) -> None:
    blueprint = flask.Blueprint("pyctuator", __name__, url_prefix=actuator.settings.base_path)
    customizer(blueprint)
    hooks = list(blueprint.before_request_funcs.get(None, ()))
    app.register_blueprint(blueprint)

    def guard() -> Any:
        if not str(flask.request.endpoint).startswith(FLASK_VIEW + ":"):
            return None
        for hook in hooks:
            answer = app.ensure_sync(hook)()
            if answer is not None:
                return answer
        return None

    app.before_request(guard)
