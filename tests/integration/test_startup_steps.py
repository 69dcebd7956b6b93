"""Start-up steps the web adapters time, over real servers: the framework's start-up and the first request.

Each case starts a small one-call app the plain way (``uvicorn app:app`` with its lifespan, ``python app.py``
for Flask) and reads ``/actuator/startup``. The launcher's readiness probe (``GET /``) is the first request.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx

from tests.support.launch import VENV_BIN, launch

FASTAPI_APP = """
import asyncio
import contextlib
from fastapi import FastAPI
from otel_actuator import Actuator, mount_fastapi

actuator = Actuator()

@contextlib.asynccontextmanager
async def lifespan(app):
    with actuator.startup_step("app.warm-up"):
        await asyncio.sleep(0.05)
    yield

app = FastAPI(lifespan=lifespan)
mount_fastapi(app, actuator)
"""

FLASK_APP = """
import os
from flask import Flask
from otel_actuator import mount_flask

app = Flask(__name__)
mount_flask(app)
if __name__ == "__main__":
    app.run(port=int(os.environ["PORT"]))
"""

ENV = {"OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*", "OTEL_SERVICE_NAME": "startup-steps"}


def _seconds(duration: str) -> float:
    """An ISO-8601 duration as the endpoint writes it (``PT1M2.5S``), in seconds."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", duration)
    assert match, duration
    hours, minutes, seconds = (float(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _events(client: httpx.Client) -> dict[str, dict[str, Any]]:
    response = client.get("/actuator/startup")
    assert response.status_code == 200, response.text
    return {event["startupStep"]["name"]: event for event in response.json()["timeline"]["events"]}


def test_fastapi_lists_its_lifespan_start_up_and_first_request(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(FASTAPI_APP))
    argv = [f"{VENV_BIN}/uvicorn", "--app-dir", str(tmp_path), "--port", "$PORT", "app:app"]
    with launch(argv, ENV) as app, app.client() as client:
        events = _events(client)

        lifespan, warm_up = events["asgi.lifespan.startup"], events["app.warm-up"]
        assert warm_up["startupStep"]["parentId"] == lifespan["startupStep"]["id"]
        assert _seconds(warm_up["duration"]) >= 0.05  # the app's own step slept that long inside the lifespan
        assert _seconds(lifespan["duration"]) >= _seconds(warm_up["duration"])

        first = events["http.server.first-request"]
        assert first["startupStep"]["tags"] == [{"key": "method", "value": "GET"}]
        assert _seconds(first["duration"]) > 0
        assert first["startTime"] >= lifespan["endTime"]  # uvicorn serves once the lifespan started

        client.get("/actuator/health")
        names = [event["startupStep"]["name"] for event in client.get("/actuator/startup").json()["timeline"]["events"]]
        assert names.count("http.server.first-request") == 1


def test_flask_lists_its_first_request(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(FLASK_APP))
    with launch([sys.executable, str(tmp_path / "app.py")], ENV) as app, app.client() as client:
        events = _events(client)
        first = events["http.server.first-request"]
        assert first["startupStep"]["tags"] == [{"key": "method", "value": "GET"}]
        assert _seconds(first["duration"]) > 0
        assert first["startTime"] >= events["python.startup"]["endTime"]

        client.get("/actuator/health")
        names = [event["startupStep"]["name"] for event in client.get("/actuator/startup").json()["timeline"]["events"]]
        assert names.count("http.server.first-request") == 1
