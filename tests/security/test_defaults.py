"""Safe defaults, as Spring Boot 3 has them: only health exposed, values and details hidden, no shutdown,
no heap dump, no CORS, credentials for every write, bounded request bodies.

Most checks drive the dispatcher directly; the ones where the server adapter matters (bodies, CORS headers,
paths) run over real uvicorn and werkzeug servers too.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any, Callable

import httpx
import pytest

from otel_actuator import Actuator, Settings
from otel_actuator.core.http import Response
from otel_actuator.sanitize import MASK
from tests.support.apps import FRAMEWORKS, Telemetry, bridged_actuator, served
from tests.support.requests import call, json_of

V3 = "application/vnd.spring-boot.actuator.v3+json"
V2 = "application/vnd.spring-boot.actuator.v2+json"
MEDIA_TYPES = (V3, V2, "application/json")
USER, PASSWORD = "ops", "correct horse battery staple"
JSON = {"content-type": "application/json"}
MakeActuator = Callable[..., Actuator]
#: Endpoint ids besides health that a bridge-fed actuator offers.
OTHER_IDS = (
    "info",
    "env",
    "loggers",
    "logfile",
    "threaddump",
    "metrics",
    "prometheus",
    "httpexchanges",
    "httptrace",
    "mappings",
)


def basic(user: str = USER, password: str = PASSWORD) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def make_actuator() -> Iterator[MakeActuator]:
    """Builds actuators fed by a real bridge (so every endpoint has its data source)."""
    made: list[Telemetry] = []

    def make(**settings: Any) -> Actuator:
        actuator, telemetry = bridged_actuator(Settings(**settings))
        actuator.logs = telemetry.bridge.log_tail
        made.append(telemetry)
        return actuator

    yield make
    for telemetry in made:
        telemetry.shutdown()


def links(actuator: Actuator, accept: str = V3) -> dict[str, Any]:
    found: dict[str, Any] = json_of(call(actuator.dispatcher, "GET", "", accept=accept))["_links"]
    return found


def test_settings_default_to_spring_boot_3s_safe_choices() -> None:
    for settings in (Settings(), Settings.from_env({})):
        assert settings.exposure_include == ("health",)
        assert settings.exposure_exclude == ()
        assert settings.health_show_details == "never"
        assert settings.env_show_values == "never"
        assert settings.shutdown_enabled is False
        assert settings.cors_allowed_origins == ()
        assert settings.forwarded_headers is False
        assert settings.exchanges_include_actuator is False
        assert settings.host == "127.0.0.1"
        assert 0 < settings.max_body_bytes <= 1 << 20


def test_only_health_is_exposed_by_default(make_actuator: MakeActuator) -> None:
    actuator = make_actuator()
    for accept in MEDIA_TYPES:
        assert set(links(actuator, accept)) == {"self", "health", "health-path"}
    for endpoint_id in OTHER_IDS:
        response = call(actuator.dispatcher, "GET", f"/{endpoint_id}")
        assert response.status == 404, endpoint_id
        assert call(actuator.dispatcher, "HEAD", f"/{endpoint_id}").status == 404
        assert call(actuator.dispatcher, "OPTIONS", f"/{endpoint_id}").status == 404
    assert call(actuator.dispatcher, "POST", "/loggers/ROOT", JSON, b"{}").status == 404
    assert call(actuator.dispatcher, "GET", "/health").status == 200


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_only_health_is_exposed_over_http(framework: str) -> None:
    with served(framework, Settings()) as (url, _), httpx.Client(base_url=url, timeout=10) as client:
        assert set(client.get("/actuator").json()["_links"]) == {"self", "health", "health-path"}
        for endpoint_id in (*OTHER_IDS, "shutdown", "heapdump"):
            assert client.get(f"/actuator/{endpoint_id}").status_code == 404, endpoint_id
        health = client.get("/actuator/health")
        assert health.status_code == 200
        assert set(health.json()) <= {"status", "groups"}


@pytest.mark.parametrize("authorized", [False, True])
def test_health_details_are_never_shown_by_default(make_actuator: MakeActuator, authorized: bool) -> None:
    auth = {"username": USER, "password": PASSWORD} if authorized else {}
    actuator = make_actuator(exposure_include=("*",), **auth)
    headers = basic() if authorized else {}
    for accept in MEDIA_TYPES:
        body = json_of(call(actuator.dispatcher, "GET", "/health", headers, accept=accept))
        assert set(body) <= {"status", "groups"}, body
        for group in ("liveness", "readiness"):
            group_body = json_of(call(actuator.dispatcher, "GET", f"/health/{group}", headers, accept=accept))
            assert set(group_body) == {"status"}
    # A hidden component answers exactly like a missing one, so component names do not leak either.
    missing = _error_shape(call(actuator.dispatcher, "GET", "/health/noSuchComponent", headers), "noSuchComponent")
    for existing in ("ping", "diskSpace", "readiness/ping"):
        hidden = call(actuator.dispatcher, "GET", f"/health/{existing}", headers)
        assert hidden.status == 404
        assert _error_shape(hidden, existing) == missing


def _error_shape(response: Response, name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response.body)
    del body["timestamp"]
    return {key: str(value).replace(name, "<name>") for key, value in body.items()}


def test_env_values_are_masked_by_default_even_for_authorized_callers(
    make_actuator: MakeActuator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLAIN_SETTING", "plainly-visible-value")
    actuator = make_actuator(exposure_include=("env",), username=USER, password=PASSWORD)
    for accept in MEDIA_TYPES:
        for source in json_of(call(actuator.dispatcher, "GET", "/env", basic(), accept=accept))["propertySources"]:
            for key, prop in source["properties"].items():
                if (source["name"], key) != ("systemProperties", "PID"):  # SBA's Process panel needs the PID
                    assert prop["value"] == MASK, (source["name"], key)
    one = json_of(call(actuator.dispatcher, "GET", "/env/PLAIN_SETTING", basic()))
    assert one["property"]["value"] == MASK
    assert b"plainly-visible-value" not in call(actuator.dispatcher, "GET", "/env", basic()).body


@pytest.mark.parametrize("exposure", [("*",), ("shutdown",), ("*", "shutdown")])
def test_shutdown_is_disabled_even_when_exposed(make_actuator: MakeActuator, exposure: tuple[str, ...]) -> None:
    actuator = make_actuator(exposure_include=exposure)
    stops: list[bool] = []
    actuator.shutdown_hook = lambda: stops.append(True)
    for accept in MEDIA_TYPES:
        assert "shutdown" not in links(actuator, accept)
    assert call(actuator.dispatcher, "POST", "/shutdown").status == 404
    assert call(actuator.dispatcher, "POST", "/shutdown", JSON, b"{}").status == 404
    assert call(actuator.dispatcher, "OPTIONS", "/shutdown").status == 404
    assert "shutdown" not in actuator.dispatcher.exposed_ids()
    assert stops == []


def test_there_is_no_heap_dump_anywhere(make_actuator: MakeActuator) -> None:
    actuator = make_actuator(exposure_include=("*",))
    ids = {endpoint.id for endpoint in actuator.dispatcher.endpoints}
    assert "heapdump" not in ids
    for accept in MEDIA_TYPES:
        body = call(actuator.dispatcher, "GET", "", accept=accept).body.decode()
        assert "heapdump" not in body.lower()
    for method in ("GET", "HEAD", "POST", "OPTIONS"):
        assert call(actuator.dispatcher, method, "/heapdump").status == 404


def _cors_headers(response: Response | httpx.Response) -> dict[str, str]:
    headers = response.headers.items() if isinstance(response, httpx.Response) else response.headers
    return {k.lower(): v for k, v in headers if k.lower().startswith("access-control-")}


def test_cors_is_off_by_default(make_actuator: MakeActuator) -> None:
    actuator = make_actuator(exposure_include=("*",))
    origin = {"origin": "https://evil.example"}
    preflight = {**origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization"}
    for path in ("", "/health", "/env", "/loggers/ROOT"):
        assert _cors_headers(call(actuator.dispatcher, "GET", path, origin)) == {}
        assert _cors_headers(call(actuator.dispatcher, "OPTIONS", path, preflight)) == {}


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "*", "null", "https://admin.example.org.evil.example", "HTTPS://ADMIN.EXAMPLE.ORG", ""],
)
def test_cors_answers_only_listed_origins_and_never_a_wildcard(make_actuator: MakeActuator, origin: str) -> None:
    listed = "https://admin.example.org"
    actuator = make_actuator(exposure_include=("*",), cors_allowed_origins=(listed, "*"))
    preflight = {"origin": origin, "access-control-request-method": "GET"}
    assert _cors_headers(call(actuator.dispatcher, "GET", "/health", {"origin": origin})) == {}
    assert _cors_headers(call(actuator.dispatcher, "OPTIONS", "/health", preflight)) == {}
    allowed = call(actuator.dispatcher, "OPTIONS", "/health", {**preflight, "origin": listed})
    assert allowed.status == 204
    assert _cors_headers(allowed)["access-control-allow-origin"] == listed
    assert allowed.header("vary") == "Origin"
    assert "access-control-allow-credentials" not in _cors_headers(allowed)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_cors_headers_over_http(framework: str) -> None:
    listed = "https://admin.example.org"
    settings = Settings(cors_allowed_origins=(listed,))
    with served(framework, settings) as (url, _), httpx.Client(base_url=url, timeout=10) as client:
        for origin in ("https://evil.example", "*"):
            response = client.get("/actuator/health", headers={"Origin": origin})
            assert _cors_headers(response) == {}
        response = client.get("/actuator/health", headers={"Origin": listed})
        assert response.headers["access-control-allow-origin"] == listed


def test_writes_need_exposure(make_actuator: MakeActuator) -> None:
    logging.getLogger("defaults.unexposed").setLevel(logging.WARNING)
    actuator = make_actuator(exposure_include=("health", "info"))
    response = call(actuator.dispatcher, "POST", "/loggers/defaults.unexposed", JSON, b'{"configuredLevel":"TRACE"}')
    assert response.status == 404
    assert logging.getLogger("defaults.unexposed").level == logging.WARNING


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        basic(USER, "wrong"),
        basic("someone", PASSWORD),
        basic(USER, PASSWORD + " "),
        {"authorization": "Basic"},
        {"authorization": "Basic !!!not-base64!!!"},
        {"authorization": f"Bearer {PASSWORD}"},
        {"authorization": basic()["authorization"].lower()},
        {"authorization": basic()["authorization"] + "=="},
    ],
)
def test_writes_need_credentials_when_auth_is_on(make_actuator: MakeActuator, credentials: dict[str, str]) -> None:
    name = "defaults.protected"
    logging.getLogger(name).setLevel(logging.WARNING)
    actuator = make_actuator(exposure_include=("*",), username=USER, password=PASSWORD)
    body = b'{"configuredLevel":"TRACE"}'
    denied = call(actuator.dispatcher, "POST", f"/loggers/{name}", {**JSON, **credentials}, body)
    assert denied.status == 401
    assert denied.header("www-authenticate") == 'Basic realm="actuator"'
    assert PASSWORD not in denied.body.decode()
    assert logging.getLogger(name).level == logging.WARNING
    allowed = call(actuator.dispatcher, "POST", f"/loggers/{name}", {**JSON, **basic()}, body)
    assert allowed.status == 204
    assert logging.getLogger(name).level == 5  # TRACE
    logging.getLogger(name).setLevel(logging.NOTSET)


def test_everything_but_health_needs_credentials_when_auth_is_on(make_actuator: MakeActuator) -> None:
    actuator = make_actuator(exposure_include=("*",), username=USER, password=PASSWORD)
    assert call(actuator.dispatcher, "GET", "").status == 401
    for endpoint_id in OTHER_IDS:
        assert call(actuator.dispatcher, "GET", f"/{endpoint_id}").status == 401, endpoint_id
        assert call(actuator.dispatcher, "GET", f"/{endpoint_id}", basic()).status in (200, 206), endpoint_id
    assert call(actuator.dispatcher, "GET", "/health").status == 200


@pytest.mark.parametrize("limit", [16, 1024, 65536])
def test_bodies_are_capped(make_actuator: MakeActuator, limit: int) -> None:
    actuator = make_actuator(exposure_include=("loggers",), max_body_bytes=limit)
    fits = b'{"configuredLevel":"INFO"}'.ljust(limit) if limit >= 26 else b"{}".ljust(limit)
    assert call(actuator.dispatcher, "POST", "/loggers/defaults.capped", JSON, fits).status == 204
    too_big = call(actuator.dispatcher, "POST", "/loggers/defaults.capped", JSON, fits + b" ")
    assert too_big.status == 413
    assert str(limit) in json_of(too_big, 413)["message"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("chunked", [False, True])
def test_bodies_are_capped_over_http_and_the_server_keeps_serving(framework: str, chunked: bool) -> None:
    settings = Settings(exposure_include=("health", "loggers"))
    huge = b'{"configuredLevel":"' + b"D" * (4 << 20) + b'"}'
    with served(framework, settings) as (url, _), httpx.Client(base_url=url, timeout=30) as client:
        content: Any = iter([huge[i : i + 65536] for i in range(0, len(huge), 65536)]) if chunked else huge
        response = client.post("/actuator/loggers/ROOT", content=content, headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert response.json()["status"] == 413
        # A chunked body within the cap is read whole (no Content-Length to go by).
        name = "defaults.chunked" if chunked else "defaults.sized"
        small: Any = iter([b'{"configuredLevel":', b'"ERROR"}']) if chunked else b'{"configuredLevel":"ERROR"}'
        ok = client.post(f"/actuator/loggers/{name}", content=small, headers={"Content-Type": "application/json"})
        assert ok.status_code == 204
        assert logging.getLogger(name).level == logging.ERROR
        assert client.get("/items/1").json() == {"id": 1}
        assert client.get("/actuator/health").status_code == 200


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_paths_are_decoded_exactly_once(framework: str) -> None:
    """``%2565nv`` is ``%65nv`` after one decoding: decoding twice would reach ``env`` behind a proxy rule
    that denies ``/actuator/env``."""
    settings = Settings(exposure_include=("health", "env"))
    with served(framework, settings) as (url, _), httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/actuator/%65nv").status_code == 200  # one decoding, done by the server
        for path in ("/actuator/%2565nv", "/actuator/%2568ealth", "/actuator/env/%2550ATH"):
            response = client.get(path)
            assert response.status_code == 404, path
        assert client.get("/actuator/env/%50ATH").status_code == 200
