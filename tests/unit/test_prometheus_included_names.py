"""prometheus ``includedNames``: only the named metric families, by family or sample name."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client.parser import text_string_to_metric_families as parse_text

from otel_actuator.actuator import Actuator
from otel_actuator.bridge import Bridge
from otel_actuator.core.http import Request
from otel_actuator.settings import Settings

BASE = "http://127.0.0.1:8000/actuator"
SETTINGS = Settings(metrics_cache_ttl=0, exposure_include=("*",))


def _actuator() -> Actuator:
    bridge = Bridge(SETTINGS)
    provider = MeterProvider(metric_readers=[bridge.metric_reader], shutdown_on_exit=False)
    meter = provider.get_meter("shop")
    meter.create_counter("orders.placed").add(3)
    meter.create_histogram("job.duration", unit="s").record(0.2)
    meter.create_up_down_counter("queue.depth").add(4)
    actuator = Actuator(SETTINGS)
    bridge.fill(actuator.sources)
    return actuator


def _families(actuator: Actuator, *query: tuple[str, str]) -> set[str]:
    response = actuator.dispatcher.handle(Request("GET", "/prometheus", BASE, query=query))
    assert response.status == 200
    return {family.name for family in parse_text(response.body.decode())}


def test_included_names_keep_only_the_named_families() -> None:
    actuator = _actuator()
    everything = _families(actuator)
    assert {"orders_placed", "job_duration_seconds", "queue_depth"} <= everything
    assert _families(actuator, ("includedNames", "orders_placed_total,queue_depth")) == {"orders_placed", "queue_depth"}
    assert _families(actuator, ("includedNames", "job_duration_seconds")) == {"job_duration_seconds"}
    assert _families(
        actuator, ("includedNames", "job_duration_seconds_bucket"), ("includedNames", "orders_placed")
    ) == {
        "job_duration_seconds",
        "orders_placed",
    }
    assert _families(actuator, ("includedNames", "no_such_metric")) == set()


def test_an_empty_filter_keeps_everything_and_filtering_leaves_the_full_page_intact() -> None:
    actuator = _actuator()
    everything = _families(actuator)
    assert _families(actuator, ("includedNames", "")) == everything
    _families(actuator, ("includedNames", "queue_depth"))
    assert _families(actuator) == everything
