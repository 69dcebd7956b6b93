"""The user service in Litestar, with the actuator as a plugin.

Run it with ``uvicorn --app-dir examples/litestar app:app`` or ``python examples/litestar/app.py`` (port
``$PORT``, default 8000). Every ``OTEL_ACTUATOR_*`` variable is read from the environment. Under
``opentelemetry-instrument`` an app without the plugin gets it added.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
from typing import Any

from litestar import Litestar, get, post
from litestar.exceptions import HTTPException

from otel_actuator import LitestarActuatorPlugin

logger = logging.getLogger("user_service")
# INFO for the whole app, as Spring Boot's default: the log file and SBA's Loggers view show it.
logging.getLogger().setLevel(logging.INFO)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_users: dict[int, dict[str, Any]] = {}
_ids = itertools.count(1)
_lock = threading.Lock()


@get("/users", sync_to_thread=False)
def list_users() -> list[dict[str, Any]]:
    return list(_users.values())


@post("/users", sync_to_thread=False)
def create_user(data: dict[str, Any]) -> dict[str, Any]:
    name, email = data.get("name"), data.get("email")
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        raise HTTPException(status_code=422, detail="name must be a string of 1 to 100 characters")
    if not isinstance(email, str) or not _EMAIL.match(email):
        raise HTTPException(status_code=422, detail="email must be an e-mail address")
    with _lock:
        user = {"id": next(_ids), "name": name, "email": email}
        _users[user["id"]] = user
    logger.info("created user %s", name)
    return user


@get("/users/{user_id:int}", sync_to_thread=False)
def get_user(user_id: int) -> dict[str, Any]:
    logger.debug("looking up user %s", user_id)
    user = _users.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail=f"user {user_id} not found")
    return user


app = Litestar(route_handlers=[list_users, create_user, get_user], plugins=[LitestarActuatorPlugin()])

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8000")))
