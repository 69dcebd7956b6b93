"""Exchanges recorded from SERVER spans: real instrumented apps in-process, and spans built with the exact
attribute sets each semantic-convention mode produces (the mode is fixed once per process)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from flask import Flask
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind

from otel_actuator.bridge import ActuatorSpanExporter, ActuatorSpanProcessor, ExchangeRecorder
from otel_actuator.settings import Settings
from otel_actuator.sources import Exchange

ALL_HEADERS = [".*"]


def _recording_provider(settings: Settings) -> tuple[TracerProvider, ExchangeRecorder]:
    recorder = ExchangeRecorder(settings)
    provider = TracerProvider()
    provider.add_span_processor(ActuatorSpanProcessor(recorder))
    return provider, recorder


def _fastapi_app(provider: TracerProvider) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int) -> JSONResponse:
        return JSONResponse({"id": item_id}, headers={"X-Resp": "r1", "Set-Cookie": "session=abc"})

    @app.get("/actuator/health")
    def health() -> dict[str, str]:
        return {"status": "UP"}

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        http_capture_headers_server_request=ALL_HEADERS,
        http_capture_headers_server_response=ALL_HEADERS,
    )
    return app


def _get_all(app: FastAPI, paths: list[str], headers: Mapping[str, str] | None = None) -> None:
    async def run() -> None:
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for path in paths:
                await client.get(path, headers=dict(headers or {}))

    asyncio.run(run())


def test_fastapi_request_becomes_an_exchange_with_every_field() -> None:
    provider, recorder = _recording_provider(Settings())
    app = _fastapi_app(provider)

    _get_all(app, ["/items/42?q=abc&token=s3cr"], {"Authorization": "Bearer secret", "X-Thing": "1"})

    [exchange] = recorder.exchanges()
    assert exchange.method == "GET"
    assert exchange.uri == "http://testserver/items/42?q=abc&token=******"
    assert exchange.status == 200
    assert exchange.remote_address == "10.1.2.3"
    assert exchange.request_headers["Authorization"] == ["******"]
    assert exchange.request_headers["X-Thing"] == ["1"]
    assert exchange.response_headers["X-Resp"] == ["r1"]
    assert exchange.response_headers["Set-Cookie"] == ["******"]
    assert exchange.time_taken_ns > 0
    assert exchange.timestamp.tzinfo is dt.timezone.utc
    assert abs((dt.datetime.now(dt.timezone.utc) - exchange.timestamp).total_seconds()) < 60
    assert exchange.trace_id is not None and len(exchange.trace_id) == 32
    assert exchange.span_id is not None and len(exchange.span_id) == 16
    assert exchange.principal is None


def test_only_server_spans_of_http_instrumentations_are_kept() -> None:
    provider, recorder = _recording_provider(Settings())
    app = _fastapi_app(provider)

    _get_all(app, ["/items/1", "/items/2"])
    tracer = provider.get_tracer("opentelemetry.instrumentation.fastapi")
    with tracer.start_as_current_span("GET /items/{item_id} http send", kind=SpanKind.INTERNAL):
        pass
    with provider.get_tracer("my.grpc.server").start_as_current_span("rpc", kind=SpanKind.SERVER):
        pass

    # ASGI send spans share the scope but are INTERNAL: only the two server spans count.
    assert [e.uri for e in recorder.exchanges()] == ["http://testserver/items/2", "http://testserver/items/1"]


def test_extra_redacted_headers_come_from_settings() -> None:
    provider, recorder = _recording_provider(Settings(exchanges_redact_headers=("x-api-key",)))
    app = _fastapi_app(provider)

    _get_all(app, ["/items/1"], {"X-Api-Key": "k", "Cookie": "a=b", "Proxy-Authorization": "p"})

    headers = recorder.exchanges()[0].request_headers
    assert headers["X-Api-Key"] == ["******"]
    assert headers["Cookie"] == ["******"]
    assert headers["Proxy-Authorization"] == ["******"]
    assert headers["User-Agent"] == [f"python-httpx/{httpx.__version__}"]


def test_actuator_requests_are_skipped_unless_included() -> None:
    provider, recorder = _recording_provider(Settings())
    _get_all(_fastapi_app(provider), ["/actuator/health", "/items/1"])
    assert [e.uri for e in recorder.exchanges()] == ["http://testserver/items/1"]

    provider, recorder = _recording_provider(Settings(exchanges_include_actuator=True))
    _get_all(_fastapi_app(provider), ["/actuator/health", "/items/1"])
    assert len(recorder.exchanges()) == 2


def test_ring_keeps_the_newest_exchanges_up_to_capacity() -> None:
    provider, recorder = _recording_provider(Settings(exchanges_capacity=3))
    app = _fastapi_app(provider)

    _get_all(app, [f"/items/{i}" for i in range(5)])

    assert [e.uri.rsplit("/", 1)[1] for e in recorder.exchanges()] == ["4", "3", "2"]


def test_flask_request_keeps_its_query_and_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", ".*")
    provider, recorder = _recording_provider(Settings())
    app = Flask(__name__)

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    FlaskInstrumentor.instrument_app(app, tracer_provider=provider)  # type: ignore[no-untyped-call]
    client = app.test_client()
    client.get("/items/7?password=hunter2&page=1", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    client.get("/missing")

    missing, found = recorder.exchanges()
    assert found.uri == "http://localhost/items/7?password=******&page=1"
    assert found.remote_address == "10.9.8.7"
    assert found.status == 200
    assert found.request_headers["Host"] == ["localhost"]
    assert missing.status == 404


def test_exporter_feeds_its_recorder_after_a_batch_flush() -> None:
    recorder = ExchangeRecorder(Settings())
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(ActuatorSpanExporter(recorder)))
    _get_all(_fastapi_app(provider), ["/items/9"])

    provider.force_flush()

    assert [e.uri for e in recorder.exchanges()] == ["http://testserver/items/9"]
    provider.shutdown()


# -- attribute sets per semantic-convention mode (as observed from the real instrumentations) ------------

OLD_ASGI = {
    "http.scheme": "http",
    "http.host": "127.0.0.1:18765",
    "http.flavor": "1.1",
    "http.target": "/items/42",
    "http.url": "http://127.0.0.1:18765/items/42?q=abc&token=s3cr",
    "http.method": "GET",
    "net.peer.ip": "127.0.0.1",
    "http.route": "/items/{item_id}",
    "http.request.header.x_secret": ("v",),
    "http.status_code": 201,
}
NEW_ASGI = {
    "url.scheme": "http",
    "server.address": "127.0.0.1:18765",
    "server.port": 18765,
    "url.path": "/items/42",
    "url.query": "q=abc&token=s3cr",
    "http.request.method": "GET",
    "client.address": "127.0.0.1",
    "http.route": "/items/{item_id}",
    "http.request.header.x_secret": ("v",),
    "http.response.status_code": 201,
}
OLD_FLASK = {
    "http.method": "GET",
    "http.server_name": "127.0.0.1",
    "http.scheme": "http",
    "net.host.name": "127.0.0.1:18766",
    "http.host": "127.0.0.1:18766",
    "net.host.port": 18766,
    "http.target": "/items/42?q=abc&token=s3cr",
    "net.peer.ip": "127.0.0.1",
    "http.status_code": 201,
}
NEW_FLASK = {
    "http.request.method": "GET",
    "url.scheme": "http",
    "server.address": "127.0.0.1",
    "server.port": 18766,
    "url.path": "/items/42",
    "url.query": "q=abc&token=s3cr",
    "client.address": "127.0.0.1",
    "http.response.status_code": 201,
}
NATIVE_FASTAPI = {
    "server.address": "localhost",
    "server.port": 8000,
    "url.path": "/items/42",
    "url.query": "q=abc&token=s3cr",
    "url.scheme": "https",
    "http.request.method": "GET",
    "http.route": "/items/{item_id}",
    "http.response.status_code": 201,
}

MODES = {
    "fastapi-old": ("opentelemetry.instrumentation.fastapi", OLD_ASGI, "http://127.0.0.1:18765/items/42"),
    "fastapi-new": ("opentelemetry.instrumentation.fastapi", NEW_ASGI, "http://127.0.0.1:18765/items/42"),
    "fastapi-dup": (
        "opentelemetry.instrumentation.fastapi",
        {**OLD_ASGI, **NEW_ASGI},
        "http://127.0.0.1:18765/items/42",
    ),
    "flask-old": ("opentelemetry.instrumentation.flask", OLD_FLASK, "http://127.0.0.1:18766/items/42"),
    "flask-new": ("opentelemetry.instrumentation.flask", NEW_FLASK, "http://127.0.0.1:18766/items/42"),
    "flask-dup": ("opentelemetry.instrumentation.flask", {**OLD_FLASK, **NEW_FLASK}, "http://127.0.0.1:18766/items/42"),
    "fastapi-native": ("fastapi", NATIVE_FASTAPI, "https://localhost:8000/items/42"),
}


def _record_span(scope: str, attributes: dict[str, Any]) -> Exchange:
    provider, recorder = _recording_provider(Settings())
    with provider.get_tracer(scope).start_as_current_span("GET", kind=SpanKind.SERVER, attributes=attributes):
        pass
    [exchange] = recorder.exchanges()
    return exchange


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_semconv_mode_gives_the_same_exchange(mode: str) -> None:
    scope, attributes, prefix = MODES[mode]

    exchange = _record_span(scope, attributes)

    assert exchange.method == "GET"
    assert exchange.uri == prefix + "?q=abc&token=******"
    assert exchange.status == 201
    if "client.address" in attributes or "net.peer.ip" in attributes:
        assert exchange.remote_address == "127.0.0.1"


def test_original_method_wins_over_the_other_placeholder() -> None:
    attributes = {**NEW_ASGI, "http.request.method": "_OTHER", "http.request.method_original": "PURGE"}
    assert _record_span("opentelemetry.instrumentation.asgi", attributes).method == "PURGE"


def test_a_span_without_status_is_a_server_error_when_it_failed() -> None:
    provider, recorder = _recording_provider(Settings())
    attributes: dict[str, Any] = {k: v for k, v in NEW_ASGI.items() if k != "http.response.status_code"}
    tracer = provider.get_tracer("opentelemetry.instrumentation.asgi")
    with pytest.raises(RuntimeError), tracer.start_as_current_span("GET", kind=SpanKind.SERVER, attributes=attributes):
        raise RuntimeError("boom")
    assert recorder.exchanges()[0].status == 500


def test_enduser_becomes_the_principal() -> None:
    assert _record_span("opentelemetry.instrumentation.wsgi", {**NEW_FLASK, "enduser.id": "alice"}).principal == "alice"


def test_port_and_ipv6_hosts_are_written_as_urls() -> None:
    attributes = {**NEW_FLASK, "server.address": "::1", "server.port": 8080, "url.query": ""}
    assert _record_span("opentelemetry.instrumentation.flask", attributes).uri == "http://[::1]:8080/items/42"
    attributes = {**NEW_FLASK, "server.address": "example.org", "server.port": 80, "url.query": ""}
    assert _record_span("opentelemetry.instrumentation.flask", attributes).uri == "http://example.org/items/42"


def test_user_info_in_a_url_is_masked() -> None:
    attributes = {**OLD_ASGI, "http.url": "http://bob:pw@127.0.0.1/items/42"}
    assert _record_span("opentelemetry.instrumentation.asgi", attributes).uri == "http://bob:******@127.0.0.1/items/42"
