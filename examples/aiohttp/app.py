"""The user service in aiohttp, with the actuator mounted.

Run it with ``python examples/aiohttp/app.py`` (port ``$PORT``, default 8000), or zero-code under
``opentelemetry-instrument python examples/aiohttp/app.py``. Every ``OTEL_ACTUATOR_*`` variable is read
from the environment; with ``REDIS_URL`` set a Redis health indicator is registered.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from typing import Any

from aiohttp import web

from otel_actuator import mount_aiohttp

logger = logging.getLogger("user_service")
# INFO for the whole app, as Spring Boot's default: the log file and SBA's Loggers view show it.
logging.getLogger().setLevel(logging.INFO)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _problem(detail: str, status: int) -> web.Response:
    return web.json_response({"detail": detail}, status=status)


def create_app() -> web.Application:
    app = web.Application()
    actuator = mount_aiohttp(app)
    users: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        from otel_actuator.health import RedisHealthIndicator

        client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        actuator.health.register("redis", RedisHealthIndicator(client))

    async def list_users(request: web.Request) -> web.Response:
        return web.json_response(list(users.values()))

    async def create_user(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _problem("send a JSON object with name and email", 422)
        name, email = body.get("name"), body.get("email")
        if not isinstance(name, str) or not 0 < len(name) <= 100:
            return _problem("name must be a string of 1 to 100 characters", 422)
        if not isinstance(email, str) or not _EMAIL.match(email):
            return _problem("email must be an e-mail address", 422)
        user_id = next(ids)
        user = {"id": user_id, "name": name, "email": email}
        users[user_id] = user
        logger.info("created user %s", name)
        return web.json_response(user, status=201)

    async def get_user(request: web.Request) -> web.Response:
        raw = request.match_info["id"]
        user = users.get(int(raw)) if raw.isdigit() else None
        logger.debug("looking up user %s", raw)
        if user is None:
            return _problem(f"user {raw} not found", 404)
        return web.json_response(user)

    app.router.add_get("/users", list_users)
    app.router.add_post("/users", create_user)
    app.router.add_get("/users/{id}", get_user)
    return app


if __name__ == "__main__":
    web.run_app(
        create_app(),
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        access_log=None,  # SBA polls the actuator several times a second
    )
