"""Small FastAPI and Flask apps with the actuator mounted, served for real by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from otel_actuator import Actuator, Settings
from tests.support.servers import serve_asgi, serve_wsgi

FRAMEWORKS = ("fastapi", "flask")


def fastapi_app(settings: Settings) -> tuple[Any, Actuator]:
    from fastapi import FastAPI

    from otel_actuator.web.fastapi import mount_fastapi

    app = FastAPI()

    @app.get("/items/{item_id}")
    def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return app, mount_fastapi(app, settings=settings)


def flask_app(settings: Settings) -> tuple[Any, Actuator]:
    from flask import Flask

    from otel_actuator.web.flask import mount_flask

    app = Flask("items")

    @app.get("/items/<int:item_id>")
    def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return app, mount_flask(app, settings=settings)


@contextmanager
def served(framework: str, settings: Settings) -> Iterator[tuple[str, Actuator]]:
    """Yields (base URL of the app, its actuator) with the app running on a real server."""
    if framework == "fastapi":
        app, actuator = fastapi_app(settings)
        with serve_asgi(app) as url:
            yield url, actuator
    else:
        app, actuator = flask_app(settings)
        with serve_wsgi(app) as url:
            yield url, actuator
