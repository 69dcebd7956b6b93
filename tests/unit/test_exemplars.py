"""Exemplars: kept per bucket by the conversion, rendered on OpenMetrics bucket lines only."""

from __future__ import annotations

from typing import Optional

from opentelemetry.sdk.metrics import AlwaysOnExemplarFilter, MeterProvider, TraceBasedExemplarFilter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanContext
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text
from prometheus_client.samples import Sample

from otel_actuator.bridge import Bridge
from otel_actuator.bridge.micrometer import Exemplar
from otel_actuator.bridge.prometheus import exposition
from otel_actuator.settings import Settings
from tests.support.launch import python_json

SETTINGS = Settings(metrics_cache_ttl=0, exposure_include=("*",))
#: The SDK's default bounds in milliseconds: 5 ms falls in the le=0.005 bucket (index 1), 120 ms in le=0.25 (9).
FIVE_MS, HUNDRED_TWENTY_MS = 1, 7


class Recorded:
    """A bridge over a meter provider with the trace-based filter, and a tracer to measure inside spans."""

    def __init__(self) -> None:
        self.bridge = Bridge(SETTINGS)
        provider = MeterProvider(metric_readers=[self.bridge.metric_reader], exemplar_filter=TraceBasedExemplarFilter())
        self.histogram = provider.get_meter("jobs").create_histogram("job.duration", unit="ms")
        self.tracer = TracerProvider().get_tracer("jobs")

    def record_in_span(self, milliseconds: float) -> SpanContext:
        with self.tracer.start_as_current_span("job") as span:
            self.histogram.record(milliseconds, {"job.kind": "import"})
            return span.get_span_context()

    def bucket_exemplars(self) -> tuple[Optional[Exemplar], ...]:
        [series] = self.bridge.metric_reader.families()["job.duration"].series.values()
        assert series.buckets is not None and series.buckets.exemplars is not None
        return series.buckets.exemplars


def _ids(context: SpanContext) -> tuple[str, str]:
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def test_the_conversion_keeps_the_newest_exemplar_of_each_bucket_in_the_base_unit() -> None:
    recorded = Recorded()
    recorded.record_in_span(3.0)
    newer = recorded.record_in_span(4.0)  # same bucket, later
    slow = recorded.record_in_span(120.0)

    exemplars = recorded.bucket_exemplars()
    fast, slowest = exemplars[FIVE_MS], exemplars[HUNDRED_TWENTY_MS]
    assert fast is not None and slowest is not None
    assert (fast.trace_id, fast.span_id) == _ids(newer) and abs(fast.value - 0.004) < 1e-12
    assert (slowest.trace_id, slowest.span_id) == _ids(slow) and abs(slowest.value - 0.12) < 1e-12
    assert sum(e is not None for e in exemplars) == 2


def test_a_bucket_keeps_its_exemplar_through_collections_without_a_newer_one() -> None:
    recorded = Recorded()
    slow = recorded.record_in_span(120.0)
    recorded.bucket_exemplars()  # this collection hands the exemplar over; the SDK forgets it
    fast = recorded.record_in_span(3.0)

    exemplars = recorded.bucket_exemplars()
    kept, new = exemplars[HUNDRED_TWENTY_MS], exemplars[FIVE_MS]
    assert kept is not None and kept.trace_id == _ids(slow)[0]
    assert new is not None and new.trace_id == _ids(fast)[0]
    assert recorded.bucket_exemplars() == exemplars  # a collection without measurements changes none


def test_measurements_outside_a_trace_leave_no_exemplar() -> None:
    bridge = Bridge(SETTINGS)
    provider = MeterProvider(metric_readers=[bridge.metric_reader], exemplar_filter=AlwaysOnExemplarFilter())
    provider.get_meter("jobs").create_histogram("job.duration", unit="ms").record(3.0)

    [series] = bridge.metric_reader.families()["job.duration"].series.values()
    assert series.buckets is not None and series.buckets.exemplars is None


def _buckets(page: bytes) -> list[Sample]:
    [family] = [f for f in parse_openmetrics(page.decode()) if f.name == "job_duration_seconds"]
    return [s for s in family.samples if s.name == "job_duration_seconds_bucket"]


def test_openmetrics_bucket_lines_carry_the_exemplar_and_parse() -> None:
    recorded = Recorded()
    context = recorded.record_in_span(120.0)
    page, _ = recorded.bridge.prometheus.render(True)

    with_exemplar = [s for s in _buckets(page) if s.exemplar is not None]
    assert len(with_exemplar) == 1
    bucket = with_exemplar[0]
    assert bucket.labels == {"job_kind": "import", "le": "0.25"}
    assert bucket.exemplar is not None
    trace_id, span_id = _ids(context)
    assert bucket.exemplar.labels == {"trace_id": trace_id, "span_id": span_id}
    assert bucket.exemplar.value == 0.12
    assert bucket.exemplar.timestamp is not None


def test_the_text_format_has_no_exemplars() -> None:
    recorded = Recorded()
    trace_id, _ = _ids(recorded.record_in_span(120.0))
    page, _ = recorded.bridge.prometheus.render(False)

    text = page.decode()
    assert trace_id not in text and " # {" not in text
    [family] = [f for f in parse_text(text) if f.name == "job_duration_seconds"]
    assert len([s for s in family.samples if s.name == "job_duration_seconds_bucket"]) == 16


def test_the_page_cache_follows_exemplars_and_formats() -> None:
    recorded = Recorded()
    first = recorded.record_in_span(120.0)
    recorded.bridge.prometheus.render(False)  # the text page's lines must not stand in for OpenMetrics ones
    page, _ = recorded.bridge.prometheus.render(True)
    assert [s.exemplar.labels["trace_id"] for s in _buckets(page) if s.exemplar] == [_ids(first)[0]]

    second = recorded.record_in_span(130.0)  # same bucket: its exemplar changes
    page, _ = recorded.bridge.prometheus.render(True)
    fresh = exposition(recorded.bridge.metric_reader.families(), openmetrics=True)  # rendered without reuse
    assert page == fresh
    assert [s.exemplar.labels["trace_id"] for s in _buckets(page) if s.exemplar] == [_ids(second)[0]]


EXEMPLARS_OF_CONNECT = """
import json
from opentelemetry import metrics, trace
from otel_actuator import connect

bridge = connect(instrument_clients=False)
histogram = metrics.get_meter("jobs").create_histogram("job.duration", unit="ms")
with trace.get_tracer("jobs").start_as_current_span("job"):
    histogram.record(120.0)
page, _ = bridge.prometheus.render(True)
print(json.dumps(page.decode()))
"""


def test_connect_honours_the_exemplar_filter_variable_and_leaves_exemplars_off_without_it() -> None:
    on = python_json(EXEMPLARS_OF_CONNECT, env={"OTEL_METRICS_EXEMPLAR_FILTER": "trace_based"})
    assert [s.exemplar.labels.keys() for s in _buckets(on.encode()) if s.exemplar] == [{"trace_id", "span_id"}]
    off = python_json(EXEMPLARS_OF_CONNECT)
    assert not [s for s in _buckets(off.encode()) if s.exemplar]
