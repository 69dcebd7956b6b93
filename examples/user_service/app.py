"""The user service: a small FastAPI app with the actuator mounted.

Run it with ``python examples/user_service/app.py`` (port ``$PORT``, default 8000). Every
``OTEL_ACTUATOR_*`` variable is read from the environment; with ``REDIS_URL`` set the users live in
Redis and a Redis health indicator is registered.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
from typing import Any, Optional, Protocol

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from otel_actuator import mount_fastapi

logger = logging.getLogger("user_service")
# INFO for the whole app, as Spring Boot's default: the log file and SBA's Loggers view show it.
logging.getLogger().setLevel(logging.INFO)


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)


class User(NewUser):
    id: int


class UserStore(Protocol):
    def all(self) -> list[User]: ...
    def get(self, user_id: int) -> Optional[User]: ...
    def add(self, new: NewUser) -> User: ...


class MemoryStore:
    def __init__(self) -> None:
        self._users: dict[int, User] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def all(self) -> list[User]:
        return list(self._users.values())

    def get(self, user_id: int) -> Optional[User]:
        return self._users.get(user_id)

    def add(self, new: NewUser) -> User:
        with self._lock:
            user = User(id=next(self._ids), **new.model_dump())
            self._users[user.id] = user
        return user


class RedisStore:
    """Users as JSON strings in one Redis hash, ids from INCR."""

    def __init__(self, client: Any) -> None:
        self._redis = client

    def all(self) -> list[User]:
        return [User(**json.loads(raw)) for raw in self._redis.hvals("users")]

    def get(self, user_id: int) -> Optional[User]:
        raw = self._redis.hget("users", str(user_id))
        return User(**json.loads(raw)) if raw else None

    def add(self, new: NewUser) -> User:
        user = User(id=int(self._redis.incr("users:next-id")), **new.model_dump())
        self._redis.hset("users", str(user.id), user.model_dump_json())
        return user


def create_app() -> FastAPI:
    app = FastAPI(title="user-service")
    actuator = mount_fastapi(app)
    store: UserStore = MemoryStore()
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        from otel_actuator.health import RedisHealthIndicator

        client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        store = RedisStore(client)
        actuator.health.register("redis", RedisHealthIndicator(client))

    @app.get("/users")
    def list_users() -> list[User]:
        return store.all()

    @app.post("/users", status_code=201)
    def create_user(new: NewUser) -> User:
        user = store.add(new)
        logger.info("created user %s", user.name)
        return user

    @app.get("/users/{id}")
    def get_user(id: int) -> User:
        logger.debug("looking up user %s", id)
        user = store.get(id)
        if user is None:
            raise HTTPException(status_code=404, detail=f"user {id} not found")
        return user

    return app


app = create_app()

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8000")))
