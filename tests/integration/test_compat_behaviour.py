"""Pyctuator's documented behaviour, checked against the drop-in on FastAPI, Flask, aiohttp and Tornado apps.

Written from Pyctuator's README and the bodies it returns, not from its tests: what a Pyctuator user's
code, scripts and dashboards rely on. Registration goes to a mock Spring Boot Admin on ``/register``
(SBA behind a gateway path), to show that any registration URL is posted to as given.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import pytest

from otel_actuator.compat import Pyctuator
from otel_actuator.compat.facade import PYCTUATOR_MEDIA_TYPE
from otel_actuator.compat.telemetry import CAPTURED_HEADERS
from tests.support.fake_admin import FakeAdmin
from tests.support.polling import eventually
from tests.support.pyctuator_apps import PyctuatorApp, serving
from tests.support.servers import free_port

V3 = "application/vnd.spring-boot.actuator.v3+json"


def _pyctuator(app: Any, port: int, admin: FakeAdmin) -> Pyctuator:
    return Pyctuator(
        app,
        "Pyctuator behaviour",
        app_url=f"http://127.0.0.1:{port}",
        pyctuator_endpoint_url=f"http://127.0.0.1:{port}/pyctuator",
        registration_url=f"{admin.url}/register",
        registration_interval_sec=1,
        metadata={"team": "core"},
    )


def _fastapi() -> Any:
    from fastapi import FastAPI

    app = FastAPI()
    app.get("/")(lambda: "Hello World!")
    return app


def _flask() -> Any:
    from flask import Flask

    app = Flask("behaviour")
    app.route("/")(lambda: "Hello World!")
    return app


def _aiohttp() -> Any:
    from aiohttp import web

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="Hello World!")

    app = web.Application()
    app.router.add_get("/", hello)
    return app


def _tornado() -> Any:
    import tornado.web

    class Hello(tornado.web.RequestHandler):
        def get(self) -> None:
            self.write("Hello World!")

    return tornado.web.Application([(r"/", Hello)])


#: The app under test and the mock SBA it registers with.
Served = tuple[PyctuatorApp, FakeAdmin]
#: framework -> a Hello World app of its own
APPS: dict[str, Callable[[], Any]] = {"fastapi": _fastapi, "flask": _flask, "aiohttp": _aiohttp, "tornado": _tornado}


@pytest.fixture(params=list(APPS))
def served(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    # What the drop-in sets when unset, restored after the test so other tests keep their own.
    for name, value in CAPTURED_HEADERS.items():
        monkeypatch.setenv(name, value)
    framework = str(request.param)
    admin = FakeAdmin()
    try:
        port, app = free_port(), APPS[framework]()
        with serving(framework, app, port, _pyctuator(app, port, admin)) as under_test:
            yield under_test, admin
    finally:
        admin.close()


def test_registers_at_the_url_given_with_pyctuator_s_document(served: Served) -> None:
    app, admin = served
    first = eventually(lambda: admin.registrations(), what="a registration")[0]
    assert first.path == "/register"
    assert set(first.body) == {"name", "managementUrl", "healthUrl", "serviceUrl", "metadata"}
    assert first.body["name"] == "Pyctuator behaviour"
    assert first.body["managementUrl"] == app.url + "/pyctuator"
    assert first.body["healthUrl"] == app.url + "/pyctuator/health"
    assert first.body["serviceUrl"] == app.url + "/"
    assert set(first.body["metadata"]) == {"startup", "team"}
    eventually(lambda: len(admin.registrations()) >= 2, what="the registration repeated every interval")


def test_the_registration_handler_stops_and_deregisters(served: Served) -> None:
    app, admin = served
    handler = app.pyctuator.boot_admin_registration_handler
    assert handler is not None
    eventually(lambda: handler.instance_id, what="the instance id")
    instance_id = handler.instance_id
    handler.stop()
    handler.deregister_from_admin_server()
    deletions = admin.deregistrations()
    assert [d.path for d in deletions] == [f"/register/{instance_id}"]
    count = len(admin.registrations())
    assert not handler.should_continue_registration_schedule
    assert len(admin.registrations()) == count


@pytest.mark.parametrize("accept", [None, "*/*"])
def test_a_client_that_names_no_type_gets_spring_boot_2_bodies(served: Served, accept: Any) -> None:
    app, _ = served
    headers = {"Accept": accept} if accept else {}
    with app.client() as http:
        if accept is None:
            http.headers.pop("Accept", None)
        health = http.get("/pyctuator/health", headers=headers)
        index = http.get("/pyctuator", headers=headers)
        logfile = http.get("/pyctuator/logfile", headers=headers)
    assert health.headers["content-type"] == PYCTUATOR_MEDIA_TYPE
    assert "details" in health.json() and "components" not in health.json()
    assert "health" in index.json()["_links"]
    assert logfile.status_code == 200 and logfile.headers["content-type"].startswith("text/plain")


def test_spring_boot_admin_still_negotiates_version_3(served: Served) -> None:
    app, _ = served
    with app.client() as http:
        health = http.get("/pyctuator/health", headers={"Accept": f"{V3}, application/json"})
    assert health.headers["content-type"].startswith(V3)
    assert "components" in health.json()


@pytest.mark.parametrize("name", ["memory.rss", "thread.count"])
def test_pyctuator_s_metric_names_answer(served: Served, name: str) -> None:
    app, _ = served
    with app.client() as http:
        assert name in http.get("/pyctuator/metrics").json()["names"]
        metric = http.get(f"/pyctuator/metrics/{name}").json()
    assert metric["name"] == name
    assert metric["measurements"][0]["statistic"] == "VALUE"
    assert metric["measurements"][0]["value"] >= 1


def test_loggers_are_set_without_a_content_type(served: Served) -> None:
    app, _ = served
    with app.client() as http:
        changed = http.post("/pyctuator/loggers/behaviour.test", content=b'{"configuredLevel": "DEBUG"}')
        assert changed.status_code == 204, changed.text
        assert http.get("/pyctuator/loggers/behaviour.test").json()["configuredLevel"] == "DEBUG"
        reset = http.post("/pyctuator/loggers/behaviour.test", content=b'{"configuredLevel": null}')
        assert reset.status_code == 204
        assert http.get("/pyctuator/loggers/behaviour.test").json()["configuredLevel"] is None


def test_httptrace_records_headers_as_sent_with_secrets_masked(served: Served) -> None:
    app, _ = served
    with app.client() as http:
        assert http.get("/", headers={"X-Request-Tag": "abc", "Authorization": "Bearer s3cret"}).status_code == 200
        trace = eventually(
            lambda: [t for t in http.get("/pyctuator/httptrace").json()["traces"] if t["request"]["uri"].endswith("/")],
            what="the trace of GET /",
        )[0]
    headers = trace["request"]["headers"]
    if _tornado_app(app):
        # Tornado's instrumentation captures only headers named one by one, not patterns (migration guide).
        assert "x-request-tag" not in headers
        return
    assert headers["x-request-tag"] == ["abc"]
    assert headers["authorization"] != ["Bearer s3cret"]
    assert all(name == name.lower() for name in headers)


def _tornado_app(app: PyctuatorApp) -> bool:
    from otel_actuator.web.tornado import ActuatorHandler

    mappings = app.pyctuator.actuator.sources.mappings
    return mappings is not None and any(m.handler.endswith(ActuatorHandler.__name__) for m in mappings())
