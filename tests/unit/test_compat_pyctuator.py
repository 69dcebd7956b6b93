"""The Pyctuator drop-in on FastAPI and Flask apps, driven in-process (no sockets, no registration)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, HTTPException
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from opentelemetry import metrics, trace

from otel_actuator.compat import Endpoints, Pyctuator
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from tests.support.launch import python_json

APP_URL = "http://host.docker.internal:8000"
ENDPOINT_URL = "http://host.docker.internal:8000/pyctuator"


def tutorial_fastapi(**options: Any) -> tuple[Any, Pyctuator]:
    from fastapi import FastAPI

    app = FastAPI(title="FastAPI Example Server", description="Demonstrate Spring Boot Admin Integration with FastAPI")

    @app.get("/")
    def hello() -> str:
        return "Hello World!"

    pyctuator = Pyctuator(
        app,
        "Example FastAPI",
        app_url=APP_URL,
        pyctuator_endpoint_url=ENDPOINT_URL,
        registration_url=None,
        **options,
    )
    return app, pyctuator


def tutorial_flask(**options: Any) -> tuple[Any, Pyctuator]:
    from flask import Flask

    app = Flask("Flask Example Server")

    @app.route("/")
    def hello() -> str:
        return "Hello World!"

    pyctuator = Pyctuator(
        app,
        "Example Flask",
        app_url="http://host.docker.internal:5000",
        pyctuator_endpoint_url="http://host.docker.internal:5000/pyctuator",
        registration_url=None,
        **options,
    )
    return app, pyctuator


async def asgi_get(app: Any, *paths: str, **headers: str) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return [await client.get(path, headers=headers) for path in paths]


security = HTTPBasic(realm="pyctuator")


def require_user(credentials: Annotated[HTTPBasicCredentials, Depends(security)]) -> None:
    if not secrets.compare_digest(credentials.password, "p2"):
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Basic"})


def test_anything_but_a_supported_app_is_refused() -> None:
    with pytest.raises(OSError, match="not a FastAPI, Flask, aiohttp or Tornado application"):
        Pyctuator(object(), "x", APP_URL, ENDPOINT_URL, None)


async def test_fastapi_tutorial_serves_the_endpoints_under_pyctuator() -> None:
    app, _ = tutorial_fastapi()
    [hello] = await asgi_get(app, "/")
    assert (hello.status_code, hello.json()) == (200, "Hello World!")
    [index_v2, health_v2] = await asgi_get(app, "/pyctuator", "/pyctuator/health", accept=V2_JSON)
    [index_v3, health_v3] = await asgi_get(app, "/pyctuator", "/pyctuator/health", accept=V3_JSON)
    assert index_v2.headers["content-type"].startswith(V2_JSON)
    assert index_v3.headers["content-type"].startswith(V3_JSON)
    links = index_v2.json()["_links"]
    assert links["self"]["href"] == "http://testserver/pyctuator"
    for name in ("health", "info", "env", "metrics", "loggers", "logfile", "threaddump", "httptrace", "mappings"):
        assert name in links, name
    assert "httpexchanges" in index_v3.json()["_links"]
    assert "shutdown" not in links
    assert "diskSpace" in health_v2.json()["details"]
    assert "diskSpace" in health_v3.json()["components"]


async def test_fastapi_requests_reach_httptrace_and_metrics() -> None:
    app, _ = tutorial_fastapi()
    await asgi_get(app, "/", "/")
    [trace_v2, exchanges, requests] = await asgi_get(
        app, "/pyctuator/httptrace", "/pyctuator/httpexchanges", "/pyctuator/metrics/http.server.requests?tag=uri:/"
    )
    assert [t["request"]["uri"] for t in trace_v2.json()["traces"]] == ["http://testserver/"] * 2
    assert len(exchanges.json()["exchanges"]) == 2
    counts = {m["statistic"]: m["value"] for m in requests.json()["measurements"]}
    assert counts["COUNT"] == 2


async def test_disabled_endpoints_leave_the_index_and_answer_404() -> None:
    app, _ = tutorial_fastapi(disabled_endpoints=Endpoints.ENV | Endpoints.HTTP_TRACE | Endpoints.LOGFILE)
    [index, env, traces, exchanges, logfile, health] = await asgi_get(
        app,
        "/pyctuator",
        "/pyctuator/env",
        "/pyctuator/httptrace",
        "/pyctuator/httpexchanges",
        "/pyctuator/logfile",
        "/pyctuator/health",
    )
    links = index.json()["_links"]
    assert not {"env", "httptrace", "httpexchanges", "logfile"} & set(links)
    assert [env.status_code, traces.status_code, exchanges.status_code, logfile.status_code] == [404] * 4
    assert health.status_code == 200


async def test_git_build_and_additional_info_show_in_info() -> None:
    app, pyctuator = tutorial_fastapi(
        app_description="Demonstrate Spring Boot Admin Integration with FastAPI",
        additional_app_info={"serviceLinks": {"metrics": "http://xyz/service/metrics"}, "app": {"team": "core"}},
    )
    pyctuator.set_build_info(name="app", version="1.3.1", time=dt.datetime(2019, 12, 21, 10, 9, 54, 876091))
    pyctuator.set_git_info(commit="7d4fef3", time=dt.datetime(2019, 12, 24, 14, 18, 32, 123432), branch="master")
    [info] = await asgi_get(app, "/pyctuator/info")
    body = info.json()
    assert body["app"] == {
        "name": "Example FastAPI",
        "description": "Demonstrate Spring Boot Admin Integration with FastAPI",
        "team": "core",
    }
    assert body["build"] == {"name": "app", "version": "1.3.1", "time": "2019-12-21T10:09:54.876091"}
    assert body["git"] == {"commit": {"id": "7d4fef3", "time": "2019-12-24T14:18:32.123432"}, "branch": "master"}
    assert body["serviceLinks"] == {"metrics": "http://xyz/service/metrics"}


async def test_build_info_takes_pyctuators_positional_order() -> None:
    app, pyctuator = tutorial_fastapi()
    pyctuator.set_build_info("artifact-id", "com.example", "app", "2.0")
    [info] = await asgi_get(app, "/pyctuator/info")
    assert info.json()["build"] == {"artifact": "artifact-id", "group": "com.example", "name": "app", "version": "2.0"}


async def test_environment_providers_are_flattened_and_sanitized() -> None:
    app, pyctuator = tutorial_fastapi()
    config = {"a": "s1", "b": {"secret": "ha ha", "c": 625}, "d": {"g": {"h": 123}}}
    pyctuator.register_environment_provider("conf", lambda: config)
    [env] = await asgi_get(app, "/pyctuator/env")
    sources = {source["name"]: source["properties"] for source in env.json()["propertySources"]}
    conf = {key: prop["value"] for key, prop in sources["conf"].items()}
    assert conf == {"a": "s1", "b.secret": "******", "b.c": 625, "d.g.h": 123}


def test_private_providers_leave_the_global_ones_alone() -> None:
    tracer_provider, meter_provider = trace.get_tracer_provider(), metrics.get_meter_provider()
    _, pyctuator = tutorial_fastapi()
    assert trace.get_tracer_provider() is tracer_provider
    assert metrics.get_meter_provider() is meter_provider
    assert pyctuator.telemetry.private == (pyctuator.telemetry.tracer_provider, pyctuator.telemetry.meter_provider)
    assert pyctuator.actuator.resource_attributes["service.name"] == "Example FastAPI"


async def test_application_meters_on_the_pyctuator_provider_show_in_metrics() -> None:
    app, pyctuator = tutorial_fastapi()
    pyctuator.telemetry.meter_provider.get_meter("shop").create_counter("orders.placed").add(3, {"region": "eu"})
    [placed] = await asgi_get(app, "/pyctuator/metrics/orders.placed?tag=region:eu")
    assert placed.json()["measurements"] == [{"statistic": "COUNT", "value": 3.0}]


# An application that installed global SDK providers itself (no opentelemetry-instrument); own process,
# since OpenTelemetry lets the global providers be set only once.
GLOBAL_PROVIDERS = """
import asyncio, json
import httpx
from fastapi import FastAPI
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from otel_actuator.compat import Pyctuator

tracer_provider, meter_provider = TracerProvider(), MeterProvider()
trace.set_tracer_provider(tracer_provider)
metrics.set_meter_provider(meter_provider)
app = FastAPI()
app.get("/items/{item_id}")(lambda item_id: item_id)
pyctuator = Pyctuator(app, "shop", "http://h:8000", "http://h:8000/pyctuator", None)

async def main():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.get("/items/5")
        exchanges = (await client.get("/pyctuator/httpexchanges")).json()["exchanges"]
        names = (await client.get("/pyctuator/metrics")).json()["names"]
    telemetry = pyctuator.telemetry
    print(json.dumps({
        "private": len(telemetry.private),
        "global": telemetry.tracer_provider is tracer_provider and telemetry.meter_provider is meter_provider,
        "exchanges": [e["request"]["uri"] for e in exchanges],
        "metrics": "http.server.requests" in names and "jvm.memory.used" in names,
    }))

asyncio.run(main())
"""


def test_global_sdk_providers_the_application_installed_are_used() -> None:
    expected = {"private": 0, "global": True, "exchanges": ["http://testserver/items/5"], "metrics": True}
    assert python_json(GLOBAL_PROVIDERS) == expected


async def test_fastapi_customizer_dependencies_guard_every_endpoint() -> None:
    def add_authentication_to_pyctuator(router: APIRouter) -> None:
        router.dependencies = [Depends(require_user)]

    app, _ = tutorial_fastapi(customizer=add_authentication_to_pyctuator)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/")).status_code == 200
        for path in ("/pyctuator", "/pyctuator/health", "/pyctuator/env"):
            assert (await client.get(path)).status_code == 401, path
            assert (await client.get(path, auth=("u1", "wrong"))).status_code == 401, path
            assert (await client.get(path, auth=("u1", "p2"))).status_code == 200, path
        changed = await client.post("/pyctuator/loggers/example", json={"configuredLevel": "DEBUG"}, auth=("u", "p2"))
        assert changed.status_code == 204
        assert logging.getLogger("example").level == logging.DEBUG
        assert (await client.post("/pyctuator/loggers/example", json={"configuredLevel": "INFO"})).status_code == 401
        assert logging.getLogger("example").level == logging.DEBUG


def test_flask_tutorial_serves_the_endpoints_and_records_requests() -> None:
    app, _ = tutorial_flask()
    client = app.test_client()
    assert client.get("/").text == "Hello World!"
    index = client.get("/pyctuator", headers={"Accept": V2_JSON})
    assert index.headers["Content-Type"].startswith(V2_JSON)
    assert "threaddump" in index.json["_links"]
    assert "details" in client.get("/pyctuator/health", headers={"Accept": V2_JSON}).json
    traces = client.get("/pyctuator/httptrace").json["traces"]
    assert [t["request"]["method"] for t in traces] == ["GET"]
    assert client.get("/pyctuator/metrics/http.server.requests", query_string={"tag": "uri:/"}).status_code == 200


def test_flask_customizer_before_request_guards_every_endpoint() -> None:
    from flask import Blueprint, Response, request

    def add_authentication_to_pyctuator(blueprint: Blueprint) -> None:
        @blueprint.before_request
        def require_user() -> Any:
            credentials = request.authorization
            if credentials is None or credentials.password != "p2":
                return Response("Unauthorized", 401, {"WWW-Authenticate": "Basic"})
            return None

    app, _ = tutorial_flask(customizer=add_authentication_to_pyctuator)
    client = app.test_client()
    assert client.get("/").status_code == 200
    for path in ("/pyctuator", "/pyctuator/health", "/pyctuator/env"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, auth=("u1", "p2")).status_code == 200, path


def test_stop_without_registration_does_nothing_and_can_repeat() -> None:
    app, pyctuator = tutorial_flask()
    pyctuator.stop()
    pyctuator.stop()
    assert app.test_client().get("/pyctuator/health").status_code == 200
