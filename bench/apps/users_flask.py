"""The user service's ``GET /users/<id>`` in Flask, with nothing mounted (see ``users_fastapi``)."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, abort, jsonify


def create_app() -> Flask:
    app = Flask("user_service")
    users = {i: {"id": i, "name": f"user {i}", "email": f"user{i}@example.com"} for i in range(1, 101)}

    @app.get("/users/<int:user_id>")
    def get_user(user_id: int) -> Any:
        user = users.get(user_id)
        if user is None:
            abort(404, description=f"user {user_id} not found")
        return jsonify(user)

    if os.environ.get("BENCH_PYCTUATOR"):
        from pyctuator.pyctuator import Pyctuator  # type: ignore[import-not-found]

        url = f"http://127.0.0.1:{os.environ['BENCH_PORT']}"
        Pyctuator(app, "user-service", app_url=url, pyctuator_endpoint_url=f"{url}/actuator", registration_url=None)
    return app


app = create_app()
