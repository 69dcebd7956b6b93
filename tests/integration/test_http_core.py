"""The actuator core over real sockets, the same for a uvicorn-served FastAPI app and a werkzeug-served Flask app."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from otel_actuator import Settings
from tests.support.apps import FRAMEWORKS, served

V3 = "application/vnd.spring-boot.actuator.v3+json"
V2 = "application/vnd.spring-boot.actuator.v2+json"
SBA_SERVER_ACCEPT = f"{V3}, {V2}, application/vnd.spring-boot.actuator.v1+json, application/json"
SBA_UI_27_ACCEPT = f"{V2},application/vnd.spring-boot.actuator.v1+json,application/json"


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def everything(framework: str) -> Iterator[httpx.Client]:
    settings = Settings(exposure_include=("*",), health_show_details="always")
    with served(framework, settings) as (url, _), httpx.Client(base_url=url, timeout=10) as client:
        yield client


@pytest.mark.parametrize(
    ("accept", "content_type", "health_key"),
    [
        (None, V3, "components"),
        ("*/*", V3, "components"),
        (V3, V3, "components"),
        (SBA_SERVER_ACCEPT, V3, "components"),
        (SBA_UI_27_ACCEPT, V2, "details"),
        (V2, V2, "details"),
        ("application/json", "application/json", "components"),
        ("application/*", V3, "components"),
    ],
)
def test_negotiation_table(everything: httpx.Client, accept: str | None, content_type: str, health_key: str) -> None:
    request = everything.build_request("GET", "/actuator/health")
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    response = everything.send(request)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    body = response.json()
    assert body["status"] == "UP"
    assert "ping" in body[health_key]
    other = "details" if health_key == "components" else "components"
    assert other not in body


def test_not_acceptable_is_406(everything: httpx.Client) -> None:
    response = everything.get("/actuator/health", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert "message" in response.json()


def test_text_plain_where_spring_offers_it(everything: httpx.Client) -> None:
    response = everything.get("/actuator/threaddump", headers={"Accept": "text/plain"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "Thread" in response.text
    as_json = everything.get("/actuator/threaddump", headers={"Accept": SBA_SERVER_ACCEPT})
    assert as_json.headers["content-type"] == V3
    assert isinstance(as_json.json()["threads"], list)


@pytest.mark.parametrize("path", ["/actuator", "/actuator/"])
def test_index_links(everything: httpx.Client, path: str) -> None:
    response = everything.get(path, headers={"Accept": SBA_SERVER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"] == V3
    links = response.json()["_links"]
    base = str(everything.base_url).rstrip("/") + "/actuator"
    assert links["self"] == {"href": base, "templated": False}
    assert links["health"] == {"href": f"{base}/health", "templated": False}
    assert links["health-path"] == {"href": base + "/health/{*path}", "templated": True}
    assert links["env-toMatch"]["templated"] is True
    assert links["loggers-name"]["href"] == base + "/loggers/{name}"
    assert links["metrics-requiredMetricName"]["href"] == base + "/metrics/{requiredMetricName}"
    for name in ("info", "env", "loggers", "threaddump", "mappings"):
        assert links[name]["templated"] is False
    assert "shutdown" not in links


def test_index_names_httpexchanges_only_under_v3(framework: str) -> None:
    settings = Settings(exposure_include=("*",))
    with served(framework, settings) as (url, actuator), httpx.Client(base_url=url) as client:
        assert actuator.exchanges is not None, "the served apps feed the actuator from a bridge"
        v3 = client.get("/actuator", headers={"Accept": V3}).json()["_links"]
        v2 = client.get("/actuator", headers={"Accept": V2}).json()["_links"]
        # httptrace stays in the v3 index: SBA 2.7's server asks for the index with a v3-first Accept.
        assert "httpexchanges" in v3 and "httptrace" in v3
        assert "httptrace" in v2 and "httpexchanges" not in v2
        assert client.get("/actuator/httptrace").status_code == 200
        assert client.get("/actuator/httpexchanges").status_code == 200


def test_default_exposure_is_health_only(framework: str) -> None:
    with served(framework, Settings()) as (url, _), httpx.Client(base_url=url) as client:
        links = client.get("/actuator").json()["_links"]
        assert set(links) == {"self", "health", "health-path"}
        assert client.get("/actuator/info").status_code == 404
        assert client.get("/actuator/env").status_code == 404
        health = client.get("/actuator/health").json()
        assert health == {"status": "UP"} or set(health) <= {"status", "groups"}


def test_exclude_wins_over_include(framework: str) -> None:
    settings = Settings(exposure_include=("*",), exposure_exclude=("env", "threaddump"))
    with served(framework, settings) as (url, _), httpx.Client(base_url=url) as client:
        links = client.get("/actuator").json()["_links"]
        assert "env" not in links and "threaddump" not in links and "info" in links
        assert client.get("/actuator/env").status_code == 404


def test_options_and_head(everything: httpx.Client) -> None:
    options = everything.request("OPTIONS", "/actuator/loggers/ROOT")
    assert options.status_code == 200
    allowed = {m.strip() for m in options.headers["allow"].split(",")}
    assert {"GET", "POST", "OPTIONS"} <= allowed
    assert everything.request("OPTIONS", "/actuator/health").status_code == 200
    head = everything.head("/actuator/info")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == V3


def test_unknown_paths_and_methods(everything: httpx.Client) -> None:
    assert everything.get("/actuator/nope").status_code == 404
    assert everything.get("/actuator/info/extra").status_code == 404
    wrong = everything.delete("/actuator/info")
    assert wrong.status_code == 405
    assert "GET" in wrong.headers["allow"]
    assert everything.post("/actuator").status_code == 405


def test_write_body_rules(everything: httpx.Client) -> None:
    too_big = everything.post(
        "/actuator/loggers/ROOT", content=b"{" + b" " * 70000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert too_big.status_code == 413
    wrong_type = everything.post(
        "/actuator/loggers/ROOT", content=b"level=INFO", headers={"Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    malformed = everything.post(
        "/actuator/loggers/ROOT", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert "JSON" in malformed.json()["message"]


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_basic_auth_protects_all_but_health(framework: str) -> None:
    settings = Settings(
        exposure_include=("*",), username="admin", password="s3cret", health_show_details="when-authorized"
    )
    with served(framework, settings) as (url, _), httpx.Client(base_url=url) as client:
        denied = client.get("/actuator/info")
        assert denied.status_code == 401
        assert denied.headers["www-authenticate"].startswith("Basic")
        assert client.get("/actuator").status_code == 401
        assert client.get("/actuator/info", headers=_basic("admin", "wrong")).status_code == 401
        assert client.get("/actuator/info", headers={"Authorization": "Basic !!!"}).status_code == 401
        assert client.get("/actuator/info", headers=_basic("admin", "s3cret")).status_code == 200
        anonymous = client.get("/actuator/health").json()
        assert "components" not in anonymous
        authorized = client.get("/actuator/health", headers=_basic("admin", "s3cret")).json()
        assert "ping" in authorized["components"]
        denied_write = client.post("/actuator/loggers/ROOT", json={"configuredLevel": "DEBUG"})
        assert denied_write.status_code == 401


def test_forwarded_headers_only_when_trusted(framework: str) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "admin.example.org", "X-Forwarded-Prefix": "/svc"}
    with served(framework, Settings(forwarded_headers=True)) as (url, _), httpx.Client(base_url=url) as client:
        links = client.get("/actuator", headers=forwarded).json()["_links"]
        assert links["health"]["href"] == "https://admin.example.org/svc/actuator/health"
    with served(framework, Settings()) as (url, _), httpx.Client(base_url=url) as client:
        links = client.get("/actuator", headers=forwarded).json()["_links"]
        assert links["health"]["href"] == f"{url}/actuator/health"


def test_custom_base_path(framework: str) -> None:
    with served(framework, Settings(base_path="/manage")) as (url, _), httpx.Client(base_url=url) as client:
        assert client.get("/manage/health").json()["status"] == "UP"
        assert client.get("/actuator/health").status_code == 404
        assert client.get("/items/3").json() == {"id": 3}


def test_app_routes_still_served(everything: httpx.Client) -> None:
    assert everything.get("/items/7").json() == {"id": 7}


def test_mount_is_idempotent() -> None:
    from fastapi import FastAPI
    from flask import Flask

    from otel_actuator import mount_fastapi, mount_flask

    fast = FastAPI()
    assert mount_fastapi(fast) is mount_fastapi(fast)
    assert sum(1 for r in fast.routes if getattr(r, "name", "") == "otel_actuator") == 1
    flask_app = Flask("twice")
    assert mount_flask(flask_app) is mount_flask(flask_app)


def test_standalone_management_server() -> None:
    from otel_actuator import Actuator, serve_management

    server = serve_management(Actuator(Settings(exposure_include=("health", "info"))), host="127.0.0.1", port=0)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
            assert client.get("/actuator/health").json()["status"] == "UP"
            links = client.get("/actuator").json()["_links"]
            assert set(links) >= {"health", "info"}
            assert client.get("/elsewhere").status_code == 404
    finally:
        server.stop()
