from __future__ import annotations

import asyncio
import base64
import json
import threading

from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import ActuatorError
from otel_actuator.core.http import Request
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from otel_actuator.settings import Settings

BASE = "http://127.0.0.1:8000/actuator"


def _echo(ctx: OperationContext) -> Result:
    return Result({"selector": ctx.selector, "version": ctx.api_version.name, "missing": None, "nested": [{"x": None}]})


async def _async_echo(ctx: OperationContext) -> Result:
    await asyncio.sleep(0)
    return Result({"async": True})


def _write(ctx: OperationContext) -> Result:
    body = ctx.json_body()
    if not isinstance(body, dict):
        raise ActuatorError(400, "expected an object")
    return Result(status=204)


def _blocking(ctx: OperationContext) -> Result:
    return Result({"thread": threading.current_thread().name})


def _explode(ctx: OperationContext) -> Result:
    raise RuntimeError("bug")


ENDPOINTS = [
    Endpoint(
        "echo",
        (Operation("GET", _echo), Operation("GET", _echo, selector="name"), Operation("POST", _write, selector="name")),
    ),
    Endpoint("open", (Operation("GET", _async_echo),), sensitive=False),
    Endpoint("deep", (Operation("GET", _echo, selector="path", multi_segment=True),)),
    Endpoint("slow", (Operation("GET", _blocking, blocking=True),)),
    Endpoint("boom", (Operation("GET", _explode),)),
    Endpoint("off", (Operation("GET", _echo),), enabled=False),
    Endpoint("absent", (Operation("GET", _echo),), available=lambda: False),
]


def _dispatcher(**settings: object) -> Dispatcher:
    return Dispatcher(Settings(exposure_include=("*",), **settings).http_policy(), ENDPOINTS)  # type: ignore[arg-type]


def _get(path: str, accept: str = "*/*", method: str = "GET", **kw: object) -> Request:
    headers = {"accept": accept, **kw.pop("headers", {})}  # type: ignore[dict-item]
    return Request(method=method, path=path, base_url=BASE, headers=headers, **kw)  # type: ignore[arg-type]


def test_v3_omits_nulls_v2_keeps_them() -> None:
    d = _dispatcher()
    v3 = d.handle(_get("/echo", V3_JSON))
    assert json.loads(v3.body) == {"version": "V3", "nested": [{}]}
    v2 = d.handle(_get("/echo", V2_JSON))
    assert json.loads(v2.body) == {"selector": None, "version": "V2", "missing": None, "nested": [{"x": None}]}
    assert v2.header("content-type") == V2_JSON


def test_selectors_single_and_multi_segment() -> None:
    d = _dispatcher()
    assert json.loads(d.handle(_get("/echo/a.b")).body)["selector"] == "a.b"
    assert d.handle(_get("/echo/a/b")).status == 404
    assert json.loads(d.handle(_get("/deep/a/b%20c")).body)["selector"] == "a/b c"
    assert d.handle(_get("/deep")).status == 404


def test_route_templates_name_the_operation_a_path_reaches() -> None:
    d = _dispatcher()
    assert d.route_template("/") == "/actuator"
    assert d.route_template("/echo") == "/actuator/echo"
    assert d.route_template("/echo/a.b") == "/actuator/echo/{name}"
    assert d.route_template("/deep/a/b") == "/actuator/deep/{*path}"
    # What the dispatcher answers with 404 has no template: its metric says NOT_FOUND.
    assert d.route_template("/echo/a/b") is None
    assert d.route_template("/deep") is None
    assert d.route_template("/nothing") is None
    assert d.route_template("/off") is None
    assert Dispatcher(Settings(exposure_include=("open",)).http_policy(), ENDPOINTS).route_template("/echo") is None
    assert _dispatcher(base_path="/manage").route_template("/echo") == "/manage/echo"


def test_async_handler_under_sync_and_blocking_under_async() -> None:
    d = _dispatcher()
    assert json.loads(d.handle(_get("/open")).body) == {"async": True}
    response = asyncio.run(d.handle_async(_get("/slow")))
    assert json.loads(response.body)["thread"] != threading.main_thread().name


def test_disabled_and_unavailable_endpoints_are_absent() -> None:
    d = _dispatcher()
    assert d.handle(_get("/off")).status == 404
    assert d.handle(_get("/absent")).status == 404
    links = json.loads(d.handle(_get("")).body)["_links"]
    assert "off" not in links and "absent" not in links
    assert links["echo-name"] == {"href": BASE + "/echo/{name}", "templated": True}
    assert links["deep-path"]["href"] == BASE + "/deep/{*path}"
    assert "deep" not in links


def test_write_operation_statuses() -> None:
    d = _dispatcher()
    ok = d.handle(_get("/echo/x", method="POST", body=b"{}", headers={"content-type": "application/json"}))
    assert ok.status == 204 and ok.body == b""
    assert (
        d.handle(_get("/echo/x", method="POST", body=b"[]", headers={"content-type": "application/json"})).status == 400
    )
    assert (
        d.handle(_get("/echo/x", method="POST", body=b"{", headers={"content-type": "application/json"})).status == 400
    )
    assert d.handle(_get("/echo/x", method="POST", body=b"{}", headers={"content-type": "text/xml"})).status == 415
    too_big = d.handle(
        _get("/echo/x", method="POST", body=b"{}" + b" " * 70000, headers={"content-type": "application/json"})
    )
    assert too_big.status == 413
    wrong = d.handle(_get("/echo", method="POST"))
    assert wrong.status == 405
    assert wrong.header("allow") == "GET, HEAD, OPTIONS"


def test_unexpected_failure_is_a_json_500_and_logged(caplog: object) -> None:
    response = _dispatcher().handle(_get("/boom"))
    assert response.status == 500
    assert json.loads(response.body)["path"] == "/actuator/boom"


def test_head_and_options() -> None:
    d = _dispatcher()
    head = d.handle(_get("/echo", method="HEAD"))
    assert head.status == 200 and head.body == b"" and head.header("content-type") == V3_JSON
    options = d.handle(_get("/echo/x", method="OPTIONS"))
    assert options.status == 200 and options.header("allow") == "GET, HEAD, POST, OPTIONS"


def test_auth_and_authorized_flag() -> None:
    d = _dispatcher(username="u", password="p")
    assert d.handle(_get("/echo")).status == 401
    assert d.handle(_get("")).status == 401
    assert d.handle(_get("/open")).status == 200
    token = base64.b64encode(b"u:p").decode()
    assert d.handle(_get("/echo", headers={"authorization": f"Basic {token}"})).status == 200
    assert d.handle(_get("/echo", headers={"authorization": "Bearer x"})).status == 401


def test_cors_only_for_allowed_origins() -> None:
    d = _dispatcher(cors_allowed_origins=("https://admin.example",))
    allowed = d.handle(_get("/echo", headers={"origin": "https://admin.example"}))
    assert allowed.header("access-control-allow-origin") == "https://admin.example"
    assert allowed.header("access-control-allow-credentials") is None
    other = d.handle(_get("/echo", headers={"origin": "https://evil.example"}))
    assert other.header("access-control-allow-origin") is None
    preflight = d.handle(
        _get(
            "/echo",
            method="OPTIONS",
            headers={"origin": "https://admin.example", "access-control-request-method": "GET"},
        )
    )
    assert preflight.status == 204


def test_not_acceptable() -> None:
    response = _dispatcher().handle(_get("/echo", "text/html"))
    assert response.status == 406
    assert "available" in json.loads(response.body)["message"]
