"""Pyctuator's tutorial code, with only its import changed, on real servers registering with a fake SBA.

FastAPI runs on uvicorn and Flask on werkzeug, on 127.0.0.1 ports known before the app is built (the
tutorial puts the port in ``app_url``); ``tests.support.fake_admin.FakeAdmin`` records what SBA would get.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import pytest

from otel_actuator.compat import BasicAuth, Endpoints, Pyctuator
from otel_actuator.compat.health.db_health_provider import DbHealthProvider
from otel_actuator.compat.health.redis_health_provider import RedisHealthProvider
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from tests.support.fake_admin import FakeAdmin
from tests.support.polling import eventually
from tests.support.pyctuator_apps import PyctuatorApp, serving
from tests.support.requirements import require
from tests.support.servers import free_port
from tests.support.services import MariaDbServer, RedisServer, redis_version

FRAMEWORKS = ("fastapi", "flask")
#: What SBA's server sends when it queries an instance (it prefers Spring Boot 3 bodies).
SBA_ACCEPT = f"{V3_JSON},{V2_JSON},application/json"


@contextmanager
def fastapi_tutorial(registration_url: str, **options: Any) -> Iterator[PyctuatorApp]:
    from fastapi import FastAPI

    port = free_port()
    app = FastAPI(
        title="FastAPI Example Server",
        description="Demonstrate Spring Boot Admin Integration with FastAPI",
        docs_url="/api",
    )

    @app.get("/")
    def hello() -> str:
        return "Hello World!"

    example_app_address = "127.0.0.1"
    pyctuator = Pyctuator(
        app,
        "Example FastAPI",
        app_url=f"http://{example_app_address}:{port}",
        pyctuator_endpoint_url=f"http://{example_app_address}:{port}/pyctuator",
        registration_url=registration_url,
        **options,
    )
    with serving("fastapi", app, port, pyctuator) as tutorial:
        yield tutorial


@contextmanager
def flask_tutorial(registration_url: str, **options: Any) -> Iterator[PyctuatorApp]:
    from flask import Flask

    port = free_port()
    app_name = "Flask App with Pyctuator"
    app = Flask(app_name)

    @app.route("/")
    def hello() -> str:
        return "Hello World!"

    pyctuator = Pyctuator(
        app,
        app_name,
        app_url=f"http://127.0.0.1:{port}",
        pyctuator_endpoint_url=f"http://127.0.0.1:{port}/pyctuator",
        registration_url=registration_url,
        **options,
    )
    with serving("flask", app, port, pyctuator) as tutorial:
        yield tutorial


TUTORIALS: dict[str, Callable[..., Any]] = {"fastapi": fastapi_tutorial, "flask": flask_tutorial}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_tutorial_registers_with_the_explicit_urls(framework: str, fake_admin: FakeAdmin) -> None:
    with TUTORIALS[framework](f"{fake_admin.url}/instances", metadata={"team": "core", "user.name": "ops"}) as tutorial:
        first = eventually(lambda: fake_admin.registrations(), timeout=10, what="a registration")[0]
    assert first.path == "/instances"
    body = first.body
    assert body["name"] == tutorial.pyctuator.actuator.settings.app_name
    assert body["serviceUrl"] == tutorial.url + "/"
    assert body["managementUrl"] == tutorial.url + "/pyctuator"
    assert body["healthUrl"] == tutorial.url + "/pyctuator/health"
    metadata = body["metadata"]
    assert metadata["team"] == "core" and metadata["user.name"] == "ops"
    # Pyctuator's keys and nothing else: startup and the constructor's metadata.
    assert set(metadata) == {"startup", "team", "user.name"}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_endpoints_are_served_under_pyctuator_in_both_versions(framework: str, fake_admin: FakeAdmin) -> None:
    with TUTORIALS[framework](f"{fake_admin.url}/instances") as tutorial, tutorial.client() as http:
        assert http.get("/").status_code == 200
        sba = http.get("/pyctuator", headers={"Accept": SBA_ACCEPT})
        legacy = http.get("/pyctuator", headers={"Accept": V2_JSON})
        assert sba.headers["content-type"].startswith(V3_JSON)
        assert legacy.headers["content-type"].startswith(V2_JSON)
        links = sba.json()["_links"]
        assert links["health"]["href"] == tutorial.url + "/pyctuator/health"
        assert {"info", "env", "metrics", "loggers", "logfile", "threaddump", "httpexchanges", "mappings"} <= set(links)
        assert "httptrace" in legacy.json()["_links"]
        health_v3 = http.get("/pyctuator/health", headers={"Accept": SBA_ACCEPT}).json()
        health_v2 = http.get("/pyctuator/health", headers={"Accept": V2_JSON}).json()
        assert health_v3["components"]["diskSpace"]["details"]["threshold"] == 100 * 1024 * 1024
        assert health_v2["details"]["diskSpace"]["status"] == "UP"
        assert http.get("/pyctuator/env", params={"pattern": "^PID$"}).status_code == 200


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_application_requests_show_as_exchanges_and_metrics(framework: str, fake_admin: FakeAdmin) -> None:
    with TUTORIALS[framework](f"{fake_admin.url}/instances") as tutorial, tutorial.client() as http:
        for _ in range(3):
            assert http.get("/", params={"probe": "1"}).status_code == 200
        traces = http.get("/pyctuator/httptrace", headers={"Accept": V2_JSON}).json()["traces"]
        exchanges = http.get("/pyctuator/httpexchanges", headers={"Accept": V3_JSON}).json()["exchanges"]
        assert len([t for t in traces if t["request"]["uri"].endswith("/?probe=1")]) == 3
        assert len([e for e in exchanges if e["request"]["uri"].endswith("/?probe=1")]) == 3
        assert not [e for e in exchanges if "/pyctuator" in e["request"]["uri"]]
        requests = http.get("/pyctuator/metrics/http.server.requests", params={"tag": ["uri:/", "method:GET"]})
        assert requests.status_code == 200, requests.text
        counts = {m["statistic"]: m["value"] for m in requests.json()["measurements"]}
        assert counts["COUNT"] >= 3


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_git_and_build_info_show_in_info(framework: str, fake_admin: FakeAdmin) -> None:
    with TUTORIALS[framework](f"{fake_admin.url}/instances") as tutorial, tutorial.client() as http:
        tutorial.pyctuator.set_build_info(name="app", version="1.3.1", time=dt.datetime(2019, 12, 21, 10, 9, 54))
        tutorial.pyctuator.set_git_info(commit="7d4fef3", time=dt.datetime(2019, 12, 24, 14, 18, 32), branch="master")
        info = http.get("/pyctuator/info", headers={"Accept": SBA_ACCEPT}).json()
    assert info["build"] == {"name": "app", "version": "1.3.1", "time": "2019-12-21T10:09:54"}
    assert info["git"] == {"branch": "master", "commit": {"id": "7d4fef3", "time": "2019-12-24T14:18:32"}}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_disabled_endpoints_leave_the_index(framework: str, fake_admin: FakeAdmin) -> None:
    disabled = Endpoints.ENV | Endpoints.LOGGERS | Endpoints.HTTP_TRACE
    with (
        TUTORIALS[framework](f"{fake_admin.url}/instances", disabled_endpoints=disabled) as tutorial,
        tutorial.client() as http,
    ):
        for accept in (V2_JSON, V3_JSON):
            links = http.get("/pyctuator", headers={"Accept": accept}).json()["_links"]
            assert not {"env", "loggers", "httptrace", "httpexchanges"} & set(links), accept
            assert {"health", "info", "metrics"} <= set(links)
        for path in ("/pyctuator/env", "/pyctuator/loggers", "/pyctuator/httptrace", "/pyctuator/httpexchanges"):
            assert http.get(path).status_code == 404, path


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_stop_deregisters_and_ends_registration(framework: str, fake_admin: FakeAdmin) -> None:
    with TUTORIALS[framework](f"{fake_admin.url}/instances", registration_interval_sec=0.3) as tutorial:
        eventually(lambda: len(fake_admin.registrations()) >= 2, timeout=10, what="a second registration")
        tutorial.pyctuator.stop()  # within the interval: no registration is under way
        [deletion] = fake_admin.deregistrations()
        registered = len(fake_admin.registrations())
        with tutorial.client() as http:
            assert http.get("/pyctuator/health").status_code == 200, "the endpoints stay after stop()"
    assert deletion.path.startswith("/instances/")
    assert len(fake_admin.registrations()) == registered


def test_auto_deregister_off_keeps_the_instance_on_stop(fake_admin: FakeAdmin) -> None:
    with flask_tutorial(f"{fake_admin.url}/instances", auto_deregister=False) as tutorial:
        eventually(lambda: fake_admin.registrations(), timeout=10, what="a registration")
        tutorial.pyctuator.stop()
    assert fake_admin.deregistrations() == []


def test_registration_auth_reaches_admin(fake_admin: FakeAdmin) -> None:
    auth = BasicAuth("sba-user", "sba-pass")
    with fastapi_tutorial(f"{fake_admin.url}/instances", registration_auth=auth):
        first = eventually(lambda: fake_admin.registrations(), timeout=10, what="a registration")[0]
    expected = "Basic " + base64.b64encode(b"sba-user:sba-pass").decode()
    assert first.headers["Authorization"] == expected
    assert fake_admin.deregistrations()[0].headers["Authorization"] == expected


def test_environment_credentials_protect_the_endpoints_and_reach_admin(
    fake_admin: FakeAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_ACTUATOR_USERNAME", "ops")
    monkeypatch.setenv("OTEL_ACTUATOR_PASSWORD", "s3cret")
    with flask_tutorial(f"{fake_admin.url}/instances") as tutorial, tutorial.client() as http:
        first = eventually(lambda: fake_admin.registrations(), timeout=10, what="a registration")[0]
        assert http.get("/pyctuator/env").status_code == 401
        assert http.get("/pyctuator/env", auth=("ops", "s3cret")).status_code == 200
        assert http.get("/pyctuator/health").status_code == 200
    assert (first.body["metadata"]["user.name"], first.body["metadata"]["user.password"]) == ("ops", "s3cret")


def test_construction_does_not_wait_for_an_unanswering_admin() -> None:
    hanging = FakeAdmin(mode="blackhole")
    try:
        with fastapi_tutorial(f"{hanging.url}/instances") as tutorial, tutorial.client() as http:
            eventually(lambda: hanging.received, timeout=10, what="the registration attempt")
            assert http.get("/pyctuator/health").status_code == 200
    finally:
        hanging.close()


# -- the advanced example: health of the application's Redis and database -------------------------------


def test_advanced_example_shows_redis_and_db_health(
    fake_admin: FakeAdmin, redis_server: RedisServer, mariadb_server: MariaDbServer
) -> None:
    import redis
    from sqlalchemy import create_engine

    redis_client = redis.Redis(port=redis_server.port, socket_timeout=1, socket_connect_timeout=1)
    db_engine = create_engine(mariadb_server.url())
    try:
        with fastapi_tutorial(f"{fake_admin.url}/instances") as tutorial, tutorial.client() as http:
            tutorial.pyctuator.register_health_provider(DbHealthProvider(db_engine))
            tutorial.pyctuator.register_health_provider(RedisHealthProvider(redis_client))
            response = http.get("/pyctuator/health", headers={"Accept": V2_JSON})
    finally:
        redis_client.close()
        db_engine.dispose()
    assert response.status_code == 200
    details = response.json()["details"]
    assert details["redis"] == {"status": "UP", "details": {"version": redis_version()}}
    assert details["db"] == {"status": "UP", "details": {"database": "MariaDB", "validationQuery": "SELECT 1"}}


def test_a_redis_that_goes_away_turns_health_down(
    fake_admin: FakeAdmin, redis_factory: Callable[[], RedisServer]
) -> None:
    import redis

    server = redis_factory()
    redis_client = redis.Redis(port=server.port, socket_timeout=1, socket_connect_timeout=1)
    try:
        with flask_tutorial(f"{fake_admin.url}/instances") as tutorial, tutorial.client() as http:
            tutorial.pyctuator.register_health_provider(RedisHealthProvider(redis_client))
            # No Accept: Spring Boot 2's shape, as Pyctuator answered.
            assert http.get("/pyctuator/health").json()["details"]["redis"]["status"] == "UP"
            server.stop()
            down = http.get("/pyctuator/health")
    finally:
        redis_client.close()
    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "DOWN"
    assert body["details"]["redis"]["status"] == "DOWN"
    assert body["details"]["redis"]["details"]["error"]  # refused, or retried past the check's timeout
    assert body["details"]["ping"]["status"] == "UP"


# -- ssl_context: an SBA behind HTTPS with a certificate of its own ----------------------------------------


@pytest.fixture
def https_admin(tmp_path: Path) -> Iterator[tuple[FakeAdmin, str, Path]]:
    """The fake SBA on HTTPS with a self-signed certificate for 127.0.0.1: (fake, its URL, the certificate)."""
    openssl = shutil.which("openssl")
    require(openssl is not None, "openssl is not installed (Debian: apt-get install openssl)")
    assert openssl is not None
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert)),
            *("-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    fake = FakeAdmin()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    # FakeAdmin speaks plain HTTP; wrapping its listening socket turns it into an HTTPS server.
    fake._server.socket = context.wrap_socket(fake._server.socket, server_side=True)
    yield fake, fake.url.replace("http://", "https://"), cert
    fake.close()


def test_ssl_context_lets_registration_trust_the_admin_certificate(https_admin: tuple[FakeAdmin, str, Path]) -> None:
    fake, url, cert = https_admin
    trusting = ssl.create_default_context(cafile=str(cert))
    with flask_tutorial(f"{url}/instances", ssl_context=trusting):
        eventually(lambda: fake.registrations(), timeout=10, what="a registration over HTTPS")
    assert len(fake.deregistrations()) == 1


def test_an_untrusted_admin_certificate_is_refused(
    https_admin: tuple[FakeAdmin, str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    fake, url, _ = https_admin
    caplog.set_level(logging.WARNING, logger="otel_actuator.admin")
    with flask_tutorial(f"{url}/instances"):
        eventually(
            lambda: any("CERTIFICATE_VERIFY_FAILED" in r.getMessage() for r in caplog.records),
            timeout=10,
            what="the certificate failure",
        )
    assert fake.registrations() == []


def test_pyctuators_no_cert_variable_skips_verification(
    https_admin: tuple[FakeAdmin, str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, url, _ = https_admin
    monkeypatch.setenv("PYCTUATOR_REGISTRATION_NO_CERT", "1")
    with flask_tutorial(f"{url}/instances"):
        eventually(lambda: fake.registrations(), timeout=10, what="a registration over HTTPS")
