"""The user service in Tornado, with the actuator mounted.

Run it with ``python examples/tornado/app.py`` (port ``$PORT``, default 8000), or zero-code under
``opentelemetry-instrument python examples/tornado/app.py``. Every ``OTEL_ACTUATOR_*`` variable is read
from the environment; with ``REDIS_URL`` set a Redis health indicator is registered.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import re
import signal
from typing import Any

import tornado.web

from otel_actuator import mount_tornado, quiet_access_log

logger = logging.getLogger("user_service")
# INFO for the whole app, as Spring Boot's default: the log file and SBA's Loggers view show it.
logging.getLogger().setLevel(logging.INFO)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Users:
    def __init__(self) -> None:
        self.by_id: dict[int, dict[str, Any]] = {}
        self.ids = itertools.count(1)


class _JsonHandler(tornado.web.RequestHandler):
    def initialize(self, users: _Users) -> None:
        self.users = users

    def reply(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class UsersHandler(_JsonHandler):
    def get(self) -> None:
        self.reply(list(self.users.by_id.values()))

    def post(self) -> None:
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self.reply({"detail": "send a JSON object with name and email"}, 422)
        name, email = body.get("name"), body.get("email")
        if not isinstance(name, str) or not 0 < len(name) <= 100:
            return self.reply({"detail": "name must be a string of 1 to 100 characters"}, 422)
        if not isinstance(email, str) or not _EMAIL.match(email):
            return self.reply({"detail": "email must be an e-mail address"}, 422)
        user_id = next(self.users.ids)
        user = {"id": user_id, "name": name, "email": email}
        self.users.by_id[user_id] = user
        logger.info("created user %s", name)
        self.reply(user, 201)


class UserHandler(_JsonHandler):
    def get(self, id: str) -> None:
        logger.debug("looking up user %s", id)
        user = self.users.by_id.get(int(id))
        if user is None:
            return self.reply({"detail": f"user {id} not found"}, 404)
        self.reply(user)


def create_app() -> tornado.web.Application:
    users = _Users()
    app = tornado.web.Application(
        [
            (r"/users", UsersHandler, {"users": users}),
            # The parameter's name is the route's: /users/{id} in metrics.
            (r"/users/([0-9]+)", UserHandler, {"users": users}),
        ]
    )
    actuator = mount_tornado(app)
    # Spring Boot Admin polls the actuator several times a second: keep that out of the access log.
    quiet_access_log(actuator.settings.base_path)
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        from otel_actuator.health import RedisHealthIndicator

        client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        actuator.health.register("redis", RedisHealthIndicator(client))
    return app


async def main() -> None:
    logging.basicConfig(level=logging.INFO)
    server = create_app().listen(int(os.environ.get("PORT", "8000")), address=os.environ.get("HOST", "127.0.0.1"))
    # SIGTERM ends the process cleanly, so exit hooks run (the actuator deregisters from Spring Boot Admin).
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await stopping.wait()
    server.stop()


if __name__ == "__main__":
    asyncio.run(main())
