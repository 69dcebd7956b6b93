"""Security round, HTTP findings: each test reproduces one finding against real servers on loopback.

The management port moves the actuator off the application's port; the application's own protection
(FastAPI app-wide dependencies, Flask ``before_request``) guards the mounted actuator; writes need a JSON
Content-Type; without credentials every actuator path is 401 and the body is barely read; the Basic
scheme is case-insensitive; a base path of ``/`` is refused on the application's port.
"""

from __future__ import annotations

import base64
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from otel_actuator import Actuator, Settings, SettingsError, boot
from tests.support.apps import FRAMEWORKS, served
from tests.support.servers import free_port, serve_asgi, serve_wsgi

USER, PASSWORD = "ops", "s3cret pass"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@contextmanager
def _stopped_after(actuator: Actuator) -> Iterator[None]:
    try:
        yield
    finally:
        handle = boot.running(actuator)
        if handle is not None:
            handle.stop()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_management_port_moves_the_actuator_off_the_application_port(framework: str) -> None:
    port = free_port()
    settings = Settings(port=port, exposure_include=("*",))
    with served(framework, settings) as (url, actuator), _stopped_after(actuator):
        assert httpx.get(f"{url}/items/1").status_code == 200
        assert httpx.get(f"{url}/actuator/env").status_code == 404
        write = httpx.post(f"{url}/actuator/loggers/ROOT", json={"configuredLevel": "DEBUG"})
        assert write.status_code in (404, 405)
        assert httpx.get(f"http://127.0.0.1:{port}/actuator/env").status_code == 200


def test_the_zero_code_mount_honours_the_management_port() -> None:
    from fastapi import FastAPI

    from otel_actuator.web import fastapi as fastapi_mount

    port = free_port()
    app = FastAPI()
    actuator = fastapi_mount.install(
        app, settings=Settings(port=port, exposure_include=("*",), telemetry_setup=False), automatic=True
    )
    with _stopped_after(actuator), serve_asgi(app) as url:
        assert httpx.get(f"{url}/actuator/env").status_code == 404
        assert httpx.get(f"http://127.0.0.1:{port}/actuator/env").status_code == 200


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_serve_on_app_port_keeps_both(framework: str) -> None:
    port = free_port()
    settings = Settings(port=port, serve_on_app_port=True, exposure_include=("*",))
    with served(framework, settings) as (url, actuator), _stopped_after(actuator):
        assert httpx.get(f"{url}/actuator/env").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/actuator/env").status_code == 200


def _require_token(authorization: str) -> None:
    from fastapi import HTTPException

    if authorization != "Bearer app-token":
        raise HTTPException(status_code=401, detail="token required")


def test_fastapi_app_wide_dependencies_guard_the_actuator() -> None:
    from fastapi import Depends, FastAPI, Header

    from otel_actuator.web.fastapi import mount_fastapi

    def require_token(authorization: str = Header(default="")) -> None:
        _require_token(authorization)

    app = FastAPI(dependencies=[Depends(require_token)])

    @app.get("/users")
    def users() -> list[str]:
        return []

    mount_fastapi(app, settings=Settings(exposure_include=("*",), telemetry_setup=False))
    token = {"Authorization": "Bearer app-token"}
    with serve_asgi(app) as url:
        assert httpx.get(f"{url}/users").status_code == 401
        assert httpx.get(f"{url}/actuator/env").status_code == 401
        assert httpx.get(f"{url}/actuator/env", headers=token).status_code == 200
        # The guard leaves the body to the actuator.
        name = "findings.fastapi.guarded"
        written = httpx.post(f"{url}/actuator/loggers/{name}", json={"configuredLevel": "WARN"}, headers=token)
        assert written.status_code == 204
        assert logging.getLogger(name).level == logging.WARNING


def test_flask_before_request_guards_the_actuator() -> None:
    import flask

    from otel_actuator.web.flask import mount_flask

    app = flask.Flask("guarded")

    @app.before_request
    def require_token() -> Any:
        if flask.request.headers.get("Authorization") != "Bearer app-token":
            return flask.Response("token required", status=401)
        return None

    mount_flask(app, settings=Settings(exposure_include=("*",), telemetry_setup=False))
    with serve_wsgi(app) as url:
        assert httpx.get(f"{url}/actuator/env").status_code == 401
        assert httpx.get(f"{url}/actuator/env", headers={"Authorization": "Bearer app-token"}).status_code == 200


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_write_without_content_type_is_415_and_changes_nothing(framework: str) -> None:
    # sendBeacon and no-cors fetch send a Blob without a type: no preflight, so no CORS check stops them.
    name = f"findings.no_content_type.{framework}"
    logging.getLogger(name).setLevel(logging.INFO)
    settings = Settings(exposure_include=("*",))
    with served(framework, settings) as (url, _):
        answer = httpx.post(f"{url}/actuator/loggers/{name}", content=b'{"configuredLevel": "OFF"}')
        assert "content-type" not in answer.request.headers
        assert answer.status_code == 415
        assert "application/octet-stream" in answer.json()["message"]
        assert logging.getLogger(name).level == logging.INFO
        typed = httpx.post(f"{url}/actuator/loggers/{name}", json={"configuredLevel": "DEBUG"})
        assert typed.status_code == 204


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_without_credentials_every_actuator_path_is_401(framework: str) -> None:
    settings = Settings(exposure_include=("health", "info"), username=USER, password=PASSWORD)
    with served(framework, settings) as (url, _):
        for path in ("/actuator/env", "/actuator/heapdump", "/actuator/no-such-endpoint", "/actuator/info"):
            assert httpx.get(url + path).status_code == 401, path
        assert httpx.get(f"{url}/actuator/env", headers={"Authorization": BASIC}).status_code == 404
        assert httpx.get(f"{url}/actuator/health").status_code == 200


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_basic_scheme_is_case_insensitive(framework: str) -> None:
    settings = Settings(exposure_include=("*",), username=USER, password=PASSWORD)
    token = BASIC.split(" ", 1)[1]
    with served(framework, settings) as (url, _):
        for scheme in ("basic", "BASIC", "Basic"):
            assert httpx.get(f"{url}/actuator/env", headers={"Authorization": f"{scheme} {token}"}).status_code == 200


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_unauthenticated_body_is_not_read_before_the_401(framework: str) -> None:
    settings = Settings(exposure_include=("*",), username=USER, password=PASSWORD)
    with served(framework, settings) as (url, _):
        host, port = url.rsplit("/", 1)[-1].split(":")
        head = (
            "POST /actuator/loggers/ROOT HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\nContent-Type: application/json\r\nContent-Length: 300000000\r\n\r\n"
        )
        with socket.create_connection((host, int(port)), timeout=20) as sock:
            # A few KiB of the announced 300 MB: an adapter that reads on would wait here for the rest.
            sock.sendall(head.encode() + b" " * 4096)
            answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_base_path_root_is_refused_on_the_application_port() -> None:
    from fastapi import FastAPI

    from otel_actuator.web.fastapi import mount_fastapi

    with pytest.raises(SettingsError, match="BASE_PATH=/"):
        mount_fastapi(FastAPI(), settings=Settings(base_path="/", telemetry_setup=False))


def test_base_path_root_works_on_a_management_port() -> None:
    from fastapi import FastAPI

    from otel_actuator.web.fastapi import mount_fastapi

    port = free_port()
    app = FastAPI()

    @app.get("/users")
    def users() -> list[str]:
        return ["ada"]

    actuator = mount_fastapi(app, settings=Settings(base_path="/", port=port, telemetry_setup=False))
    with _stopped_after(actuator), serve_asgi(app) as url:
        assert httpx.get(f"{url}/users").json() == ["ada"]
        assert httpx.get(f"http://127.0.0.1:{port}/health").json()["status"] == "UP"
