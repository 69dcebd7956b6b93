"""http.server.requests from the real FastAPI and Flask instrumentations under each semantic-convention mode.

OTEL_SEMCONV_STABILITY_OPT_IN is read once per process, so each mode runs in its own interpreter, which
prints the metric endpoint's bodies as JSON for the assertions here.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.launch import python_json

SCRIPT = r"""
import asyncio, json, sys
import httpx
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from flask import Flask, redirect
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider

from otel_actuator.bridge import Bridge
from otel_actuator.endpoints.metrics import describe
from otel_actuator.settings import Settings

framework = sys.argv[1]
bridge = Bridge(Settings(metrics_cache_ttl=0))
tracer_provider = TracerProvider()
meter_provider = MeterProvider(metric_readers=[bridge.metric_reader])

if framework == "fastapi":
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int):
        return {"id": item_id}

    @app.get("/boom")
    def boom():
        raise ValueError("kaboom")

    @app.get("/moved")
    def moved():
        return RedirectResponse("/items/1")

    FastAPIInstrumentor.instrument_app(app, tracer_provider=tracer_provider, meter_provider=meter_provider)

    async def run():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for path in ("/items/1", "/items/2", "/items/3", "/missing", "/boom", "/moved"):
                await client.get(path)

    asyncio.run(run())
else:
    app = Flask(__name__)

    @app.get("/items/<int:item_id>")
    def item(item_id):
        return {"id": item_id}

    @app.get("/boom")
    def boom():
        raise ValueError("kaboom")

    @app.get("/moved")
    def moved():
        return redirect("/items/1")

    FlaskInstrumentor.instrument_app(app, tracer_provider=tracer_provider, meter_provider=meter_provider)
    client = app.test_client()
    for path in ("/items/1", "/items/2", "/items/3", "/missing", "/boom", "/moved"):
        client.get(path)

reader = bridge.metric_reader
route = "/items/{item_id}" if framework == "fastapi" else "/items/<int:item_id>"
out = {
    "names": sorted(reader.meter_names()),
    "all": describe("http.server.requests", reader.meters("http.server.requests"), []),
    "route": describe("http.server.requests", reader.meters("http.server.requests"), [("uri", route)]),
    "boom": describe("http.server.requests", reader.meters("http.server.requests"), [("uri", "/boom")]),
    "active": describe("http.server.requests.active", reader.meters("http.server.requests.active"), []),
}
print(json.dumps(out))
"""


def _run(framework: str, mode: str) -> dict[str, Any]:
    result: dict[str, Any] = python_json(
        SCRIPT, framework, env={} if mode == "default" else {"OTEL_SEMCONV_STABILITY_OPT_IN": mode}
    )
    return result


def _stats(body: dict[str, Any]) -> dict[str, float]:
    return {m["statistic"]: m["value"] for m in body["measurements"]}


def _tags(body: dict[str, Any]) -> dict[str, list[str]]:
    return {t["tag"]: t["values"] for t in body["availableTags"]}


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
@pytest.mark.parametrize("mode", ["default", "http", "http/dup"])
def test_http_server_requests_in_every_mode(framework: str, mode: str) -> None:
    out = _run(framework, mode)
    route = "/items/{item_id}" if framework == "fastapi" else "/items/<int:item_id>"

    # Exactly one series per request even under http/dup, where both duration metrics exist.
    every = _stats(out["all"])
    assert every["COUNT"] == 6.0
    assert 0 <= every["MAX"] <= every["TOTAL_TIME"]
    assert out["all"]["baseUnit"] == "seconds"
    tags = _tags(out["all"])
    assert set(tags) == {"method", "uri", "status", "outcome", "error"}
    assert tags["uri"] == sorted([route, "/boom", "/moved", "NOT_FOUND"])
    assert tags["outcome"] == ["CLIENT_ERROR", "REDIRECTION", "SERVER_ERROR", "SUCCESS"]
    assert tags["method"] == ["GET"]
    assert "http.server.duration" not in out["names"]
    assert "http.server.request.duration" not in out["names"]

    assert _stats(out["route"])["COUNT"] == 3.0
    assert _tags(out["route"])["status"] == ["200"]
    assert "uri" not in _tags(out["route"])

    boom = _tags(out["boom"])
    assert boom["status"] == ["500"] and boom["outcome"] == ["SERVER_ERROR"]
    # The stable conventions' error.type is the status code here (the framework turned the exception into a 500
    # before the instrumentation saw it): Spring's tag for an error status without an exception is "none".
    assert boom["error"] == ["none"]

    assert _stats(out["active"]) == {"ACTIVE_TASKS": 0.0}
