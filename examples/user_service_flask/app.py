"""The user service in Flask, with the actuator mounted.

Run it with ``python examples/user_service_flask/app.py`` (port ``$PORT``, default 8000), or under
gunicorn: ``gunicorn --chdir examples/user_service_flask app:app``. Every ``OTEL_ACTUATOR_*``
variable is read from the environment; with ``REDIS_URL`` set a Redis health indicator is registered.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
from typing import Any

from flask import Flask, abort, jsonify, request

from otel_actuator import mount_flask, quiet_access_log

logger = logging.getLogger("user_service")
# INFO for the whole app, as Spring Boot's default: the log file and SBA's Loggers view show it.
logging.getLogger().setLevel(logging.INFO)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_app() -> Flask:
    app = Flask("user_service")
    actuator = mount_flask(app)
    # Spring Boot Admin polls the actuator several times a second: keep that out of the access log.
    quiet_access_log(actuator.settings.base_path)
    users: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)
    lock = threading.Lock()
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        from otel_actuator.health import RedisHealthIndicator

        client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        actuator.health.register("redis", RedisHealthIndicator(client))

    @app.get("/users")
    def list_users() -> Any:
        return jsonify(list(users.values()))

    @app.post("/users")
    def create_user() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify({"detail": "send a JSON object with name and email"}), 422
        name, email = body.get("name"), body.get("email")
        if not isinstance(name, str) or not 0 < len(name) <= 100:
            return jsonify({"detail": "name must be a string of 1 to 100 characters"}), 422
        if not isinstance(email, str) or not _EMAIL.match(email):
            return jsonify({"detail": "email must be an e-mail address"}), 422
        with lock:
            user = {"id": next(ids), "name": name, "email": email}
            users[user["id"]] = user
        logger.info("created user %s", name)
        return jsonify(user), 201

    @app.get("/users/<int:user_id>")
    def get_user(user_id: int) -> Any:
        logger.debug("looking up user %s", user_id)
        user = users.get(user_id)
        if user is None:
            abort(404, description=f"user {user_id} not found")
        return jsonify(user)

    return app


app = create_app()

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8000")), threaded=True)
