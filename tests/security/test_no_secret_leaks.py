"""No planted secret comes out of any endpoint, in any media type, for any caller.

Secrets carrying one random marker are planted where real ones live: the process environment (passwords,
cloud keys, URLs with credentials, OTLP headers, OpenTelemetry resource attributes), the requests the
application serves (Authorization, Cookie, X-Api-Key, Proxy-Authorization headers, token/api_key/password
query parameters), the log (URLs with credentials, access log lines) and the actuator's own settings (its
password, the admin password). Every header capture of the instrumentations is switched on, the worst case.
Then every exposed endpoint is read in every media type it offers, under each ``env_show_values`` policy,
with and without credentials, on FastAPI and Flask, and no response body or header may hold the marker.

The one deliberate exception is the registration document sent to Spring Boot Admin: with auth on it
carries ``user.password`` (the actuator's own password), because SBA needs it to call the actuator
back; SBA masks ``user.password`` in its UI and API. Nothing else secret is in it.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

import tests.support.apps as apps
from otel_actuator import Actuator, Settings
from otel_actuator.admin.payload import InstanceUrls, registration
from otel_actuator.admin.registrar import Registrar
from otel_actuator.sanitize import MASK, Sanitizer
from tests.support.fake_admin import FakeAdmin
from tests.support.polling import eventually
from tests.support.requests import call, json_of

MARK = "Zq" + secrets.token_hex(8)
USER = "ops"
ACTUATOR_PASSWORD = f"{MARK}-actuator-password"
ADMIN_PASSWORD = f"{MARK}-admin-password"

V3 = "application/vnd.spring-boot.actuator.v3+json"
V2 = "application/vnd.spring-boot.actuator.v2+json"
JSON_TYPES = (V3, V2, "application/json")

PLANTED_ENVIRONMENT = {
    "DB_PASSWORD": f"{MARK}-db-password",
    "AWS_SECRET_ACCESS_KEY": f"{MARK}-aws",
    "API_TOKEN": f"{MARK}-api-token",
    "GITHUB_TOKEN": f"ghp_{MARK}",
    "DATABASE_URL": f"postgres://app:{MARK}-in-url@db.internal:5432/app",
    "REDIS_URL": f"redis://:{MARK}-redis@cache.internal:6379/0",
    "SENTRY_DSN": f"https://{MARK}-dsn@o1.ingest.sentry.io/42",
    "MSSQL_CONNECTION": f"Server=db;User Id=app;Password={MARK}-mssql;",
    "ODBC_CONNECTION": f"Driver={{ODBC Driver 18}};Server=db;UID=app;PWD={MARK}-odbc;",
    "ORACLE_DSN": f"scott/{MARK}-oracle@db.internal:1521/ORCL",
    "SMTP_PASS": f"{MARK}-smtp",
    "SERVICE_ACCOUNT_JSON": f'{{"type": "service_account", "private_key": "-----BEGIN {MARK}-json"}}',
    "SLACK_WEBHOOK_URL": f"https://hooks.slack.com/services/T000/B000/{MARK}-slack",
    "LEGACY_DB_URL": f"mysql://app:pa/{MARK}-slash@db.internal:3306/app",
    "WEBHOOK": f"https://hooks.example.com/services/x?token={MARK}-webhook&channel=ops",
    "OTEL_EXPORTER_OTLP_HEADERS": f"api-key={MARK}-otlp",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS": f"authorization=Bearer%20{MARK}-otlp-traces",
    "OTEL_RESOURCE_ATTRIBUTES": (
        f"deployment.environment=test,auth.token={MARK}-resource,collector.url=https://u:{MARK}-resource-url@otel"
    ),
    # Capture every request and response header: the worst case for exchanges.
    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": ".*",
    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE": ".*",
}

SECRET_HEADERS = {
    "Authorization": f"Bearer {MARK}-bearer",
    "Cookie": f"session={MARK}-cookie; theme=dark",
    "X-Api-Key": f"{MARK}-x-api-key",
    "X-Auth-Token": f"{MARK}-x-auth-token",
    "Proxy-Authorization": f"Basic {MARK}-proxy",
    "Cf-Access-Jwt-Assertion": f"{MARK}-cf-access",
    "X-Goog-Iap-Jwt-Assertion": f"{MARK}-iap",
    "X-Amzn-Oidc-Data": f"{MARK}-alb-oidc",
}
SECRET_QUERIES = (
    f"token={MARK}-q-token",
    f"api_key={MARK}-q-api-key",
    f"password={MARK}-q-password",
    f"access_token={MARK}-q-access&page=2",
    f"code={MARK}-q-oauth-code&state=ok",
    f"session={MARK}-q-session&sid={MARK}-q-sid&ticket={MARK}-q-ticket",
)


def basic(password: str = ACTUATOR_PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{USER}:{password}".encode()).decode()}


#: Strings no response may contain: the marker, and the actuator's credentials in their header form.
FORBIDDEN = (MARK, basic()["Authorization"].split()[1])


def leaks(response: httpx.Response) -> list[str]:
    text = (
        response.content.decode("utf-8", "replace") + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    )
    return [word for word in FORBIDDEN if word in text]


@dataclass
class Target:
    framework: str
    show: str
    auth: bool
    url: str
    actuator: Actuator


CONFIGURATIONS = [
    (framework, show, auth)
    for framework in apps.FRAMEWORKS
    for show in ("never", "when-authorized", "always")
    for auth in (False, True)
]


@pytest.fixture(scope="module", params=CONFIGURATIONS, ids=lambda c: f"{c[0]}-{c[1]}-{'auth' if c[2] else 'open'}")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    framework, show, auth = request.param
    from opentelemetry.sdk._logs import LoggingHandler

    credentials: dict[str, Any] = {"username": USER, "password": ACTUATOR_PASSWORD} if auth else {}
    settings = Settings(
        exposure_include=("*",),
        env_show_values=show,
        health_show_details="always",
        exchanges_include_actuator=True,
        exchanges_capacity=5000,  # the planted requests stay while thousands of reads are recorded after them
        admin_password=ADMIN_PASSWORD,
        **credentials,
    )
    with pytest.MonkeyPatch.context() as patch:
        for key, value in PLANTED_ENVIRONMENT.items():
            patch.setenv(key, value)
        with apps.served_app(framework, settings) as app:
            handler = LoggingHandler(logger_provider=app.telemetry.logger_provider)
            root = logging.getLogger()
            root.addHandler(handler)
            try:
                _plant_traffic_and_logs(app.url, auth)
                yield Target(framework, show, auth, app.url, app.actuator)
            finally:
                root.removeHandler(handler)


def _plant_traffic_and_logs(url: str, auth: bool) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        for path in ("/items/1", "/items/not-a-number", "/no/such/route", "/actuator/health"):
            for query in SECRET_QUERIES:
                client.get(f"{path}?{query}", headers=SECRET_HEADERS)
        if auth:
            client.get("/actuator/info", headers=basic())
            client.get("/actuator/info", headers=basic(ACTUATOR_PASSWORD + "-wrong"))
    app_log = logging.getLogger("leaks.app")
    app_log.setLevel(logging.INFO)
    app_log.info("connecting to %s", PLANTED_ENVIRONMENT["DATABASE_URL"])
    app_log.warning("GET https://api.example.com/v1/items?api_key=%s-log-key failed", MARK)
    app_log.info("upstream call with Authorization: Bearer %s-log-bearer", MARK)
    app_log.info("retrying with api_key=%s-log-pair", MARK)
    try:
        raise ConnectionError(f"cannot reach https://svc:{MARK}-exc@payments.internal/charge")
    except ConnectionError:
        app_log.exception("payment failed")


def _reads(client: httpx.Client, headers: dict[str, str]) -> Iterator[tuple[str, httpx.Response]]:
    """Every path of every exposed endpoint, in every media type it offers."""

    def get(path: str, accept: str, **extra: str) -> tuple[str, httpx.Response]:
        response = client.get("/actuator" + path, headers={"Accept": accept, **headers, **extra})
        return f"GET {path} [{accept}]", response

    health = client.get("/actuator/health", headers={"Accept": V3, **headers}).json()
    health_paths = ["", "/liveness", "/readiness", "/readiness/ping"]
    health_paths += [f"/{name}" for name in health.get("components", {})]
    for accept in JSON_TYPES:
        yield get("", accept)
        for path in health_paths:
            yield get("/health" + path, accept)
        for endpoint in ("info", "env", "loggers", "loggers/ROOT", "mappings", "metrics", "httpexchanges"):
            yield get(f"/{endpoint}", accept)
        yield get("/httptrace", accept)
        yield get("/threaddump", accept)
    yield get("/threaddump", "text/plain")
    yield get("/logfile", "text/plain")
    yield get("/logfile", "text/plain", Range="bytes=0-")
    yield get("/logfile", "text/plain", Range="bytes=-4096")
    yield get("/prometheus", "text/plain")
    yield get("/prometheus", "application/openmetrics-text; version=1.0.0")

    env = client.get("/actuator/env", headers={"Accept": V3, **headers})
    keys = sorted({key for source in env.json().get("propertySources", []) for key in source["properties"]})
    metrics = client.get("/actuator/metrics", headers={"Accept": V3, **headers})
    names = metrics.json().get("names", []) if metrics.status_code == 200 else []
    for accept in JSON_TYPES:
        for key in keys:
            yield get(f"/env/{quote(key, safe='')}", accept)
        for name in names:
            yield get(f"/metrics/{quote(name, safe='')}", accept)
    requests = client.get("/actuator/metrics/http.server.requests", headers={"Accept": V3, **headers})
    if requests.status_code == 200:
        for tag in requests.json()["availableTags"]:
            for value in tag["values"]:
                yield get(f"/metrics/http.server.requests?tag={quote(tag['tag'])}:{quote(value, safe='')}", V3)


def test_no_endpoint_reveals_a_planted_secret(target: Target) -> None:
    callers = [basic(), {}] if target.auth else [{}]
    found: list[str] = []
    count = 0
    with httpx.Client(base_url=target.url, timeout=15) as client:
        for caller in callers:
            for what, response in _reads(client, caller):
                count += 1
                assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
                words = leaks(response)
                if words:
                    at = response.text.find(words[0])
                    found.append(f"{what} (auth={bool(caller)}): ...{response.text[max(at - 120, 0) : at + 40]}...")
    print(f"{target.framework}/{target.show}/auth={target.auth}: {count} responses read")
    assert not found, "planted secrets in responses:\n" + "\n".join(found[:20])
    assert count > 100


def test_the_planted_secrets_were_really_there(target: Target) -> None:
    """Guards the test above: what it hunts for did reach the stores the endpoints read."""
    exchanges = target.actuator.exchanges
    assert exchanges is not None
    headers = {name.lower() for e in exchanges.exchanges() for name in e.request_headers}
    assert {"authorization", "cookie", "x-api-key", "proxy-authorization"} <= headers
    assert any("token=" in e.uri for e in exchanges.exchanges())
    logs = target.actuator.logs
    assert logs is not None
    text = logs.read(logs.first_offset(), logs.size()).decode()
    assert "payments.internal" in text and "api.example.com" in text and "db.internal" in text
    assert target.actuator.resource_attributes.get("auth.token", "").startswith(MARK)


def test_env_values_are_masked_not_dropped(target: Target) -> None:
    """The planted keys stay listed; shown values keep what is not secret, with Spring's mask in its place."""
    shown = target.show == "always" or (target.show == "when-authorized" and target.auth)
    expected = {
        "DB_PASSWORD": MASK,
        "API_TOKEN": MASK,
        "OTEL_EXPORTER_OTLP_HEADERS": MASK,
        "DATABASE_URL": f"postgres://app:{MASK}@db.internal:5432/app" if shown else MASK,
        "REDIS_URL": f"redis://:{MASK}@cache.internal:6379/0" if shown else MASK,
        "MSSQL_CONNECTION": f"Server=db;User Id=app;Password={MASK};" if shown else MASK,
        "WEBHOOK": f"https://hooks.example.com/services/x?token={MASK}&channel=ops" if shown else MASK,
    }
    with httpx.Client(base_url=target.url, timeout=10) as client:
        for key, value in expected.items():
            body = client.get(f"/actuator/env/{key}", headers=basic() if target.auth else {}).json()
            assert body["property"]["value"] == value, key


URLS = InstanceUrls("http://10.0.0.5:8000/", "http://10.0.0.5:8000/actuator", "http://10.0.0.5:8000/actuator/health")
RESOURCE = {
    "service.name": "items-service",
    "service.instance.id": "i-1",
    "auth.token": f"{MARK}-resource",
    "deployment.environment.name": "test",
}


@pytest.mark.parametrize("auth", [False, True])
def test_registration_carries_no_secret_but_the_callback_password(auth: bool) -> None:
    credentials: dict[str, Any] = {"username": USER, "password": ACTUATOR_PASSWORD} if auth else {}
    settings = Settings(
        admin_url=(f"http://sba:{MARK}-in-admin-url@127.0.0.1:9",),
        admin_username="admin",
        admin_password=ADMIN_PASSWORD,
        admin_tags={"team": "core"},
        **credentials,
    )
    document = registration(settings, URLS, RESOURCE)
    metadata = document["metadata"]
    if auth:
        # SBA calls the actuator back with these, and shows user.password masked.
        assert metadata.pop("user.password") == ACTUATOR_PASSWORD
        assert metadata.pop("user.name") == USER
    assert MARK not in json.dumps(document)


def test_the_registrar_sends_sba_no_secret_but_the_callback_password(fake_admin: FakeAdmin) -> None:
    settings = Settings(
        admin_url=(fake_admin.url,),
        admin_username="admin",
        admin_password=ADMIN_PASSWORD,
        admin_interval=0.2,
        admin_timeout=2.0,
        username=USER,
        password=ACTUATOR_PASSWORD,
    )
    registrar = Registrar(settings, lambda: URLS, resource_attributes=RESOURCE).start()
    try:
        body = eventually(fake_admin.registrations, what="a registration")[0].body
        assert body["metadata"].pop("user.password") == ACTUATOR_PASSWORD
        assert MARK not in json.dumps(body)
        # The admin credentials authenticate the call; they are not part of what SBA stores.
        sent = fake_admin.registrations()[0].headers
        assert sent["Authorization"] == "Basic " + base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
    finally:
        registrar.stop()


def _env_value(actuator: Actuator, key: str) -> Any:
    headers = basic() if actuator.settings.auth_enabled else {}
    return json_of(call(actuator.dispatcher, "GET", f"/env/{key}", headers))["property"]["value"]


def test_settings_with_credentials_are_masked_in_env() -> None:
    settings = Settings(
        exposure_include=("env",),
        env_show_values="always",
        admin_url=(f"http://sba:{MARK}-in-admin-url@127.0.0.1:9", "http://other:8080"),
        admin_password=ADMIN_PASSWORD,
        username=USER,
        password=ACTUATOR_PASSWORD,
    )
    actuator = Actuator(settings)
    assert _env_value(actuator, "OTEL_ACTUATOR_PASSWORD") == MASK
    assert _env_value(actuator, "OTEL_ACTUATOR_ADMIN_PASSWORD") == MASK
    assert _env_value(actuator, "OTEL_ACTUATOR_ADMIN_URL") == f"http://sba:{MASK}@127.0.0.1:9,http://other:8080"
    assert MARK.encode() not in call(actuator.dispatcher, "GET", "/env", basic()).body


def test_a_user_sanitizer_hook_decides_first_and_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMER_REFERENCE", f"{MARK}-customer")
    monkeypatch.setenv("BUILD_TOKEN_NAME", "release-bot")
    monkeypatch.setenv("BROKEN_BY_HOOK", f"{MARK}-broken")
    seen: list[str] = []

    def hook(key: str, value: Any) -> Any:
        seen.append(key)
        if key == "CUSTOMER_REFERENCE":
            return MASK  # a secret the built-in rules cannot know
        if key == "BUILD_TOKEN_NAME":
            return value  # not a secret, although "token" is in the name
        if key == "BROKEN_BY_HOOK":
            raise RuntimeError("hook bug")
        return None  # no opinion: the built-in rules decide

    actuator = Actuator(Settings(exposure_include=("env", "info"), env_show_values="always"))
    actuator.sanitizer = Sanitizer(hook=hook)
    actuator.add_info_contributor(lambda: {"customer": {"CUSTOMER_REFERENCE": f"{MARK}-info"}})
    assert _env_value(actuator, "CUSTOMER_REFERENCE") == MASK
    assert _env_value(actuator, "BUILD_TOKEN_NAME") == "release-bot"
    assert _env_value(actuator, "BROKEN_BY_HOOK") == MASK
    assert _env_value(actuator, "PATH") != MASK
    assert MARK.encode() not in call(actuator.dispatcher, "GET", "/info").body
    assert "CUSTOMER_REFERENCE" in seen
