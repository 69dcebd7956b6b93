"""The user service's ``GET /users/{id}`` in FastAPI, with nothing mounted.

Served as is it is the bare app; under ``opentelemetry-instrument`` it is the OpenTelemetry and the
zero-code otel-actuator variant (the instrumentor mounts the actuator); with ``BENCH_PYCTUATOR=1``
(in the Pyctuator virtual environment) Pyctuator is attached the way its README shows.
"""

from __future__ import annotations

import os
from typing import Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)


class User(NewUser):
    id: int


def create_app() -> FastAPI:
    app = FastAPI(title="user-service")
    users = {i: User(id=i, name=f"user {i}", email=f"user{i}@example.com") for i in range(1, 101)}

    @app.get("/users/{id}")
    def get_user(id: int) -> User:
        user: Optional[User] = users.get(id)
        if user is None:
            raise HTTPException(status_code=404, detail=f"user {id} not found")
        return user

    if os.environ.get("BENCH_PYCTUATOR"):
        from pyctuator.pyctuator import Pyctuator  # type: ignore[import-not-found]

        url = f"http://127.0.0.1:{os.environ['BENCH_PORT']}"
        Pyctuator(app, "user-service", app_url=url, pyctuator_endpoint_url=f"{url}/actuator", registration_url=None)
    return app


app = create_app()
