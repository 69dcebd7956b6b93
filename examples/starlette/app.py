"""The user service in Starlette, with the actuator mounted.

Run it with ``uvicorn --app-dir examples/starlette app:app`` or ``python examples/starlette/app.py`` (port
``$PORT``, default 8000), or zero-code under ``opentelemetry-instrument``. Every ``OTEL_ACTUATOR_*`` variable
is read from the environment.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from otel_actuator import mount_starlette

logger = logging.getLogger("user_service")
# INFO for the whole app, as Spring Boot's default: the log file and SBA's Loggers view show it.
logging.getLogger().setLevel(logging.INFO)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_users: dict[int, dict[str, Any]] = {}
_ids = itertools.count(1)
_lock = threading.Lock()


async def list_users(request: Request) -> JSONResponse:
    return JSONResponse(list(_users.values()))


async def create_user(request: Request) -> JSONResponse:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({"detail": "send a JSON object with name and email"}, status_code=422)
    name, email = body.get("name"), body.get("email")
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        return JSONResponse({"detail": "name must be a string of 1 to 100 characters"}, status_code=422)
    if not isinstance(email, str) or not _EMAIL.match(email):
        return JSONResponse({"detail": "email must be an e-mail address"}, status_code=422)
    with _lock:
        user = {"id": next(_ids), "name": name, "email": email}
        _users[user["id"]] = user
    logger.info("created user %s", name)
    return JSONResponse(user, status_code=201)


async def get_user(request: Request) -> JSONResponse:
    user_id: int = request.path_params["user_id"]
    logger.debug("looking up user %s", user_id)
    user = _users.get(user_id)
    if user is None:
        return JSONResponse({"detail": f"user {user_id} not found"}, status_code=404)
    return JSONResponse(user)


app = Starlette(
    routes=[
        Route("/users", list_users, methods=["GET"]),
        Route("/users", create_user, methods=["POST"]),
        Route("/users/{user_id:int}", get_user, methods=["GET"]),
    ]
)
mount_starlette(app)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8000")))
