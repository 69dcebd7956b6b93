"""The registrar's calls to SBA stay out of the application's traces when httpx is instrumented."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.instrumentation.utils import is_http_instrumentation_enabled
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from otel_actuator import Settings
from otel_actuator.admin.payload import InstanceUrls
from otel_actuator.admin.registrar import Registrar
from tests.support.fake_admin import FakeAdmin

URLS = InstanceUrls("http://127.0.0.1:8000/", "http://127.0.0.1:8000/actuator", "http://127.0.0.1:8000/actuator/health")


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """Client spans of every httpx request, from opentelemetry-instrumentation-httpx when it is installed.

    Without it, a stand-in wraps httpx's transport the way that instrumentation does: a CLIENT span per
    request unless instrumentation is suppressed in the current context.
    """
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        httpx_instrumentation: Any = importlib.import_module("opentelemetry.instrumentation.httpx")
    except ImportError:
        tracer = provider.get_tracer("httpx-instrumentation-stand-in")
        untraced = httpx.HTTPTransport.handle_request

        def traced(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            if not is_http_instrumentation_enabled():
                return untraced(transport, request)
            with tracer.start_as_current_span(request.method, kind=SpanKind.CLIENT):
                return untraced(transport, request)

        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", traced)
        yield exporter
    else:
        instrumentor = httpx_instrumentation.HTTPXClientInstrumentor()
        instrumentor.instrument(tracer_provider=provider)
        try:
            yield exporter
        finally:
            instrumentor.uninstrument()
    provider.shutdown()


def test_registration_and_deregistration_record_no_span(spans: InMemorySpanExporter) -> None:
    admin = FakeAdmin()
    try:
        with httpx.Client() as application_client:
            application_client.delete(f"{admin.url}/instances/someone-else")
        assert [s.kind for s in spans.get_finished_spans()] == [SpanKind.CLIENT], "an application call is traced"
        spans.clear()
        registrar = Registrar(Settings(admin_url=(admin.url,), admin_timeout=1.0), lambda: URLS)

        assert registrar.register_once(URLS)
        registrar.stop()

        assert [r.method for r in admin.received] == ["DELETE", "POST", "DELETE"]
        assert spans.get_finished_spans() == ()
    finally:
        admin.close()
