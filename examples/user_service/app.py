"""The user service: a small FastAPI app with the actuator mounted.

Run it with ``python examples/user_service/app.py`` (port ``$PORT``, default 8000). Every
``OTEL_ACTUATOR_*`` variable is read from the environment; with ``REDIS_URL`` set the users live in
Redis and a Redis health indicator is registered.

What else Spring Boot Admin shows of it: its configuration is a pydantic-settings model
(Configuration Properties), a job on APScheduler logs the user count every 30 s (Scheduled Tasks),
``GET /users/{id}`` reads through a cachetools cache (Caches, and the Cache panel of the details
page), and its start-up and lifespan are steps of the Startup view.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Optional, Protocol

import cachetools
from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings

from otel_actuator import mount_fastapi, quiet_access_log

logger = logging.getLogger("user_service")
# INFO for the whole app, as Spring Boot's default: the log file and SBA's Loggers view show it.
logging.getLogger().setLevel(logging.INFO)


class UserServiceSettings(BaseSettings):
    """The service's configuration, from the environment (``REDIS_URL``, ``PORT`` ...)."""

    host: str = "127.0.0.1"
    port: int = 8000
    redis_url: Optional[str] = None
    user_cache_size: int = 1024
    user_cache_ttl_seconds: float = 60.0
    user_count_interval_seconds: float = 30.0


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)


class User(NewUser):
    id: int


class UserStore(Protocol):
    def all(self) -> list[User]: ...
    def get(self, user_id: int) -> Optional[User]: ...
    def add(self, new: NewUser) -> User: ...
    def count(self) -> int: ...


class MemoryStore:
    def __init__(self) -> None:
        self._users: dict[int, User] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def all(self) -> list[User]:
        return list(self._users.values())

    def get(self, user_id: int) -> Optional[User]:
        return self._users.get(user_id)

    def count(self) -> int:
        return len(self._users)

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

    def count(self) -> int:
        return int(self._redis.hlen("users"))

    def add(self, new: NewUser) -> User:
        user = User(id=int(self._redis.incr("users:next-id")), **new.model_dump())
        self._redis.hset("users", str(user.id), user.model_dump_json())
        return user


def create_app(settings: Optional[UserServiceSettings] = None) -> FastAPI:
    settings = settings or UserServiceSettings()
    scheduler = BackgroundScheduler()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        with actuator.startup_step("user_service.lifespan.startup"):
            scheduler.start()
        yield
        scheduler.shutdown(wait=False)

    app = FastAPI(title="user-service", lifespan=lifespan)
    actuator = mount_fastapi(app)
    actuator.add_settings_model(settings)
    # Spring Boot Admin polls the actuator several times a second: keep that out of the access log.
    quiet_access_log(actuator.settings.base_path)
    store: UserStore = MemoryStore()
    redis_url = settings.redis_url
    if redis_url:
        import redis

        from otel_actuator.health import RedisHealthIndicator

        client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        store = RedisStore(client)
        actuator.health.register("redis", RedisHealthIndicator(client))

    cache = cachetools.TTLCache(maxsize=settings.user_cache_size, ttl=settings.user_cache_ttl_seconds)
    users_by_id = actuator.register_cache("users", cache)

    def log_user_count() -> None:
        logger.info("%d user(s) registered", store.count())

    scheduler.add_job(log_user_count, "interval", seconds=settings.user_count_interval_seconds, id="user-count")
    actuator.add_scheduler(scheduler)

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
        user: Optional[User] = users_by_id.get(id)
        if user is None:
            user = store.get(id)
            if user is None:
                raise HTTPException(status_code=404, detail=f"user {id} not found")
            users_by_id[id] = user
        return user

    return app


app = create_app()

if __name__ == "__main__":
    import uvicorn

    settings = UserServiceSettings()
    uvicorn.run(app, host=settings.host, port=settings.port)
