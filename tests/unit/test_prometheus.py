"""The prometheus endpoint: Micrometer-style names, both exposition formats, parseable output."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text
from prometheus_client.samples import Sample

from otel_actuator.actuator import Actuator
from otel_actuator.bridge import Bridge
from otel_actuator.bridge.prometheus import OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, exposition
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Request, Response
from otel_actuator.endpoints import prometheus
from otel_actuator.settings import Settings

SETTINGS = Settings(metrics_cache_ttl=0, metrics_max_series=2, exposure_include=("*",))
OPENMETRICS_ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"


def _bridge_with_meters() -> Bridge:
    bridge = Bridge(SETTINGS)
    provider = MeterProvider(metric_readers=[bridge.metric_reader])
    bridge.add_to_meter_provider(provider)
    meter = provider.get_meter("shop")
    orders = meter.create_counter("orders.placed", unit="{orders}", description="Orders placed")
    orders.add(3, {"region": "eu"})
    duration = meter.create_histogram("job.duration", unit="ms", description="Job time")
    duration.record(120, {"job.kind": "import"})
    duration.record(7, {"job.kind": "import"})
    meter.create_up_down_counter("queue-depth").add(4)
    visits = meter.create_counter("visits")
    for user in range(5):
        visits.add(1, {"user": str(user)})
    return bridge


def _samples(text: str) -> dict[str, list[Sample]]:
    return {family.name: family.samples for family in parse_text(text)}


def test_text_format_parses_and_names_meters_like_micrometer() -> None:
    body, content_type = _bridge_with_meters().prometheus.render(False)
    assert content_type == TEXT_CONTENT_TYPE == "text/plain;version=0.0.4;charset=utf-8"
    families = {family.name: family for family in parse_text(body.decode())}

    orders = families["orders_placed_orders"]
    assert orders.type == "counter"
    assert [(s.name, s.labels, s.value) for s in orders.samples] == [
        ("orders_placed_orders_total", {"region": "eu"}, 3.0)
    ]
    assert orders.documentation == "Orders placed"

    jobs = families["job_duration_seconds"]
    assert jobs.type == "histogram"
    by_name = {(s.name, s.labels.get("le")): s.value for s in jobs.samples}
    assert by_name[("job_duration_seconds_count", None)] == 2.0
    assert abs(by_name[("job_duration_seconds_sum", None)] - 0.127) < 1e-9
    assert by_name[("job_duration_seconds_bucket", "+Inf")] == 2.0
    assert by_name[("job_duration_seconds_bucket", "0.005")] == 0.0
    assert by_name[("job_duration_seconds_bucket", "0.01")] == 1.0
    assert all(s.labels.get("job_kind") == "import" for s in jobs.samples)
    assert [s.value for s in families["job_duration_seconds_max"].samples] == [0.12]

    assert [s.value for s in families["queue_depth"].samples] == [4.0]
    assert "jvm_memory_used_bytes" in families and "process_uptime_seconds" in families
    assert "http_server_requests_seconds" not in families  # no request served yet


def test_overflow_series_become_a_label() -> None:
    body, _ = _bridge_with_meters().prometheus.render(False)
    visits = _samples(body.decode())["visits"]
    overflow = [s for s in visits if s.labels == {"otel_metric_overflow": "true"}]
    assert len(visits) == 3 and overflow[0].value == 3.0


def test_openmetrics_when_accept_asks_for_it() -> None:
    body, content_type = _bridge_with_meters().prometheus.render(True)
    assert content_type == OPENMETRICS_CONTENT_TYPE
    text = body.decode()
    assert text.endswith("# EOF\n")
    families = {family.name: family for family in parse_openmetrics(text)}
    assert families["orders_placed_orders"].type == "counter"
    assert families["job_duration_seconds"].type == "histogram"


def _dispatch(actuator: Actuator, accept: str) -> Response:
    dispatcher = Dispatcher(actuator.settings.http_policy(), prometheus.create(actuator.sources))
    return dispatcher.handle(Request("GET", "/prometheus", "http://127.0.0.1/actuator", headers={"accept": accept}))


def test_endpoint_negotiates_the_format() -> None:
    actuator = Actuator(SETTINGS)
    _bridge_with_meters().attach(actuator)

    text = _dispatch(actuator, "text/plain;version=0.0.4")
    assert text.status == 200 and text.header("content-type") == TEXT_CONTENT_TYPE
    assert "orders_placed_orders_total" in text.body.decode()

    scraped = _dispatch(actuator, OPENMETRICS_ACCEPT)
    assert scraped.header("content-type") == OPENMETRICS_CONTENT_TYPE
    assert scraped.body.endswith(b"# EOF\n")

    assert _dispatch(actuator, "*/*").header("content-type") == TEXT_CONTENT_TYPE
    assert _dispatch(actuator, "application/json").status == 406


def test_endpoint_is_absent_without_a_source() -> None:
    assert _dispatch(Actuator(SETTINGS), "text/plain").status == 404


def test_unchanged_histogram_series_reuse_their_lines_and_changed_ones_do_not() -> None:
    bridge = Bridge(Settings(metrics_cache_ttl=0, exposure_include=("*",)))
    provider = MeterProvider(metric_readers=[bridge.metric_reader])
    duration = provider.get_meter("shop").create_histogram("job.duration", unit="s")
    for kind in ("import", "export", "purge"):
        duration.record(0.2, {"job.kind": kind})
    first, _ = bridge.prometheus.render(False)

    duration.record(3.0, {"job.kind": "export"})  # one series changes, two stay as they were
    second, _ = bridge.prometheus.render(False)
    fresh = exposition(bridge.metric_reader.families(), openmetrics=False)  # rendered without reuse
    assert second == fresh != first
    exports = [s for s in _samples(second.decode())["job_duration_seconds"] if s.labels.get("job_kind") == "export"]
    assert {(s.name, s.labels.get("le")): s.value for s in exports}[("job_duration_seconds_count", None)] == 2.0

    # The OpenMetrics page of the same collection renders its own lines (they may carry exemplars) and parses.
    page, _ = bridge.prometheus.render(True)
    assert {f.name for f in parse_openmetrics(page.decode())} >= {"job_duration_seconds"}


def test_series_cache_holds_only_the_last_page() -> None:
    families = _bridge_with_meters().metric_reader.families()
    cache: dict = {}  # type: ignore[type-arg]
    exposition(families, openmetrics=False, current=cache)
    assert {"job_duration_seconds", "jvm_gc_pause_seconds"} <= {metric for metric, _ in cache}
    later: dict = {}  # type: ignore[type-arg]
    exposition({}, openmetrics=False, previous=cache, current=later)
    assert later == {}
