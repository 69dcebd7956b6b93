"""The rate-limited sampler: a token bucket on a fake clock, parent-based decisions, exact metrics under sampling."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from opentelemetry import trace
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from otel_actuator.bridge import Bridge
from otel_actuator.bridge.sampler import TokenBucket, install, rate_limited_sampler, sampler_from_environment
from otel_actuator.endpoints.metrics import describe
from otel_actuator.settings import Settings, SettingsError


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def taken(bucket: TokenBucket, attempts: int) -> int:
    return sum(bucket.take() for _ in range(attempts))


# -- the token bucket ------------------------------------------------------------------------------


def test_a_burst_gets_the_bucket_full_and_no_more() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10.0, clock)
    assert taken(bucket, 100) == 10
    assert taken(bucket, 100) == 0


def test_tokens_come_back_at_the_rate_and_never_pile_up_beyond_one_second() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10.0, clock)
    taken(bucket, 10)
    clock.advance(0.35)
    assert taken(bucket, 100) == 3
    clock.advance(3600.0)  # an idle hour saves up one second's worth, not 36,000 tokens
    assert taken(bucket, 100) == 10


def test_traffic_below_the_rate_is_taken_in_full() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10.0, clock)
    for _ in range(1000):
        assert bucket.take()
        clock.advance(0.1)


def test_under_sustained_load_the_takes_follow_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(5.0, clock)
    granted = 0
    for _ in range(10_000):  # 1000 attempts a second for 10 s
        granted += bucket.take()
        clock.advance(0.001)
    assert 5 * 10 <= granted <= 5 + 5 * 10


def test_a_rate_below_one_still_saves_up_one_token() -> None:
    clock = FakeClock()
    bucket = TokenBucket(0.5, clock)
    assert taken(bucket, 5) == 1
    clock.advance(1.0)
    assert taken(bucket, 5) == 0
    clock.advance(1.0)
    assert taken(bucket, 5) == 1


def test_rate_zero_takes_nothing() -> None:
    clock = FakeClock()
    bucket = TokenBucket(0.0, clock)
    clock.advance(100.0)
    assert taken(bucket, 10) == 0


@pytest.mark.parametrize("rate", [-1.0, float("nan")])
def test_a_negative_or_nan_rate_is_refused(rate: float) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate)


def test_concurrent_takes_never_spend_a_token_twice() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1000.0, clock)
    granted: list[int] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        granted.append(taken(bucket, 500))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 1000


# -- the sampler in a tracer provider --------------------------------------------------------------


def traced(traces_per_second: float, clock: FakeClock) -> tuple[trace.Tracer, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=rate_limited_sampler(traces_per_second, clock))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("test"), exporter


def test_root_spans_are_limited_and_keep_their_attributes() -> None:
    clock = FakeClock()
    tracer, exporter = traced(3.0, clock)
    for n in range(20):
        with tracer.start_as_current_span("GET /users/{id}", attributes={"n": n}):
            pass
    spans = exporter.get_finished_spans()
    assert [span.attributes["n"] for span in spans if span.attributes] == [0, 1, 2]


def test_children_follow_their_parent_whatever_the_bucket_holds() -> None:
    clock = FakeClock()
    tracer, exporter = traced(1.0, clock)
    with tracer.start_as_current_span("sampled root"):
        for _ in range(5):
            with tracer.start_as_current_span("child"):
                pass
    with tracer.start_as_current_span("dropped root") as dropped:
        assert not dropped.is_recording()
        assert dropped.get_span_context().is_valid  # log lines still carry a trace id
        with tracer.start_as_current_span("child of dropped") as child:
            assert not child.is_recording()
    names = [span.name for span in exporter.get_finished_spans()]
    assert names == ["child"] * 5 + ["sampled root"]


def test_a_remote_parent_decides_for_its_children() -> None:
    clock = FakeClock()
    tracer, exporter = traced(0.0, clock)
    for flags, name in ((TraceFlags.SAMPLED, "sampled upstream"), (TraceFlags.DEFAULT, "not sampled upstream")):
        parent = SpanContext(trace_id=0x1234, span_id=0x5678, is_remote=True, trace_flags=TraceFlags(flags))
        with tracer.start_as_current_span(name, context=trace.set_span_in_context(NonRecordingSpan(parent))):
            pass
    assert [span.name for span in exporter.get_finished_spans()] == ["sampled upstream"]


def test_the_entry_point_factory_reads_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_ACTUATOR_TRACES_PER_SECOND", "2.5")
    assert "2.5/s" in sampler_from_environment(None).get_description()
    monkeypatch.setenv("OTEL_ACTUATOR_TRACES_PER_SECOND", "-1")
    with pytest.raises(SettingsError, match="OTEL_ACTUATOR_TRACES_PER_SECOND"):
        sampler_from_environment(None)


def test_install_gives_every_later_tracer_the_sampler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_ACTUATOR_TRACES_PER_SECOND", "7")
    provider = TracerProvider()
    install(provider)
    assert "7/s" in provider.sampler.get_description()
    assert provider.get_tracer("later").sampler is provider.sampler  # type: ignore[attr-defined]


# -- what the actuator shows under sampling --------------------------------------------------------


def test_a_burst_is_counted_exactly_while_the_exchanges_are_a_sample() -> None:
    """The instrumentation records the duration histogram for dropped spans too: COUNT stays exact."""
    clock = FakeClock()
    bridge = Bridge(Settings(metrics_cache_ttl=0))
    tracer_provider = TracerProvider(sampler=rate_limited_sampler(4.0, clock))
    bridge.add_to_tracer_provider(tracer_provider)
    meter_provider = MeterProvider(metric_readers=[bridge.metric_reader])
    app = Flask(__name__)

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    FlaskInstrumentor.instrument_app(  # type: ignore[no-untyped-call]
        app, tracer_provider=tracer_provider, meter_provider=meter_provider
    )
    client = app.test_client()
    for n in range(50):
        assert client.get(f"/users/{n}").status_code == 200
    clock.advance(0.5)  # two more tokens
    for n in range(50, 60):
        assert client.get(f"/users/{n}").status_code == 200

    reader = bridge.metric_reader
    body = describe("http.server.requests", reader.meters("http.server.requests"), [("uri", "/users/<int:user_id>")])
    assert body is not None
    assert {m["statistic"]: m["value"] for m in body["measurements"]}["COUNT"] == 60.0
    uris = [exchange.uri for exchange in bridge.recorder.exchanges()]
    assert sorted(uri.rsplit("/", 1)[1] for uri in uris) == sorted(["0", "1", "2", "3", "50", "51"])


@pytest.mark.parametrize("path_key", ["url.path", "http.target"])
def test_actuator_requests_spend_no_token(path_key: str) -> None:
    """SBA polls the actuator several times a second; its requests must not use up the app's budget."""
    clock = FakeClock()
    provider = TracerProvider(sampler=rate_limited_sampler(2.0, clock, skip_path="/actuator"))
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    for path in ("/actuator/health", "/actuator", "/actuator/metrics?tag=a:b", "/actuator/env/PATH") * 5:
        with tracer.start_as_current_span("GET", attributes={path_key: path}):
            pass
    for path in ("/users/1", "/actuatorx", "/users/2", "/users/3"):
        with tracer.start_as_current_span("GET", attributes={path_key: path}):
            pass
    recorded = [span.attributes[path_key] for span in exporter.get_finished_spans() if span.attributes]
    assert recorded == ["/users/1", "/actuatorx"]  # the two tokens went to the first two app requests
