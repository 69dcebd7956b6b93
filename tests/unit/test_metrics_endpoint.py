"""GET /metrics and /metrics/{name} through the dispatcher, with Spring Boot's drill-down rules."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from opentelemetry.sdk.metrics import MeterProvider

from otel_actuator.actuator import Actuator
from otel_actuator.bridge import Bridge
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Response
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from otel_actuator.endpoints import metrics
from otel_actuator.settings import Settings
from otel_actuator.sources import Meter
from tests.support.requests import call, json_of

SETTINGS = Settings(exposure_include=("*",), metrics_cache_ttl=0)
SBA_ACCEPT = f"{V3_JSON},{V2_JSON},application/vnd.spring-boot.actuator.v1+json,application/json"


class FixedMeters:
    """A MeterSource with fixed series."""

    def __init__(self, meters: Sequence[Meter]) -> None:
        self._meters = list(meters)

    def meter_names(self) -> Sequence[str]:
        return [m.name for m in self._meters]

    def meters(self, name: str) -> Sequence[Meter]:
        return [m for m in self._meters if m.name == name]


def _timer(tags: dict[str, str], count: float, total: float, maximum: float) -> Meter:
    values = {"COUNT": count, "TOTAL_TIME": total, "MAX": maximum}
    return Meter("http.server.requests", tags, values, "HTTP requests", "seconds")


REQUESTS = [
    _timer({"method": "GET", "uri": "/a", "status": "200", "outcome": "SUCCESS"}, 3, 0.3, 0.2),
    _timer({"method": "GET", "uri": "/b", "status": "404", "outcome": "CLIENT_ERROR"}, 1, 0.05, 0.05),
    _timer({"method": "POST", "uri": "/a", "status": "200", "outcome": "SUCCESS"}, 2, 1.0, 0.9),
    Meter("jvm.threads.live", {}, {"VALUE": 7}, None, "threads"),
]


def _get(actuator: Actuator, path: str, query: tuple[tuple[str, str], ...] = (), accept: str = SBA_ACCEPT) -> Response:
    dispatcher = Dispatcher(actuator.settings.http_policy(), metrics.create(actuator.sources))
    return call(dispatcher, "GET", path, query=query, accept=accept)


@pytest.fixture
def actuator() -> Actuator:
    return Actuator(SETTINGS, meters=FixedMeters(REQUESTS))


def test_names_are_sorted_and_unique(actuator: Actuator) -> None:
    response = _get(actuator, "/metrics")
    assert response.header("content-type") == V3_JSON
    assert json_of(response) == {"names": ["http.server.requests", "jvm.threads.live"]}


def test_whole_meter_sums_statistics_and_keeps_the_largest_max(actuator: Actuator) -> None:
    body = json_of(_get(actuator, "/metrics/http.server.requests"))
    assert body["name"] == "http.server.requests"
    assert body["baseUnit"] == "seconds"
    assert body["description"] == "HTTP requests"
    assert body["measurements"] == [
        {"statistic": "COUNT", "value": 6.0},
        {"statistic": "TOTAL_TIME", "value": 1.35},
        {"statistic": "MAX", "value": 0.9},
    ]
    assert body["availableTags"] == [
        {"tag": "method", "values": ["GET", "POST"]},
        {"tag": "outcome", "values": ["CLIENT_ERROR", "SUCCESS"]},
        {"tag": "status", "values": ["200", "404"]},
        {"tag": "uri", "values": ["/a", "/b"]},
    ]


def test_drill_down_with_repeated_and_duplicated_tags(actuator: Actuator) -> None:
    # SBA sends its first tag twice on purpose.
    query = (("tag", "uri:/a"), ("tag", "uri:/a"), ("tag", "method:GET"))
    body = json_of(_get(actuator, "/metrics/http.server.requests", query))
    assert body["measurements"] == [
        {"statistic": "COUNT", "value": 3.0},
        {"statistic": "TOTAL_TIME", "value": 0.3},
        {"statistic": "MAX", "value": 0.2},
    ]
    assert [t["tag"] for t in body["availableTags"]] == ["outcome", "status"]


def test_tag_value_may_contain_colons() -> None:
    meters = FixedMeters([Meter("db.calls", {"url": "redis://h:6379"}, {"COUNT": 1}, None, None)])
    body = json_of(_get(Actuator(SETTINGS, meters=meters), "/metrics/db.calls", (("tag", "url:redis://h:6379"),)))
    assert body["measurements"] == [{"statistic": "COUNT", "value": 1.0}]
    assert body["availableTags"] == []


def test_values_are_floats_and_null_fields_follow_the_version(actuator: Actuator) -> None:
    v3 = _get(actuator, "/metrics/jvm.threads.live")
    assert b'"value":7.0' in v3.body
    assert "description" not in json_of(v3)
    v2 = _get(actuator, "/metrics/jvm.threads.live", accept=V2_JSON)
    assert v2.header("content-type") == V2_JSON
    assert json_of(v2)["description"] is None


@pytest.mark.parametrize("tag", ["uri", "uri=/a", ""])
def test_malformed_tag_is_a_400(actuator: Actuator, tag: str) -> None:
    response = _get(actuator, "/metrics/http.server.requests", (("tag", tag),))
    assert json_of(response, 400)["message"] == "Each tag parameter must be in the form 'key:value'"


def test_unknown_name_or_unmatched_tags_are_404(actuator: Actuator) -> None:
    assert _get(actuator, "/metrics/nope").status == 404
    assert _get(actuator, "/metrics/http.server.requests", (("tag", "uri:/zzz"),)).status == 404
    assert _get(actuator, "/metrics/http.server.requests", (("tag", "region:eu"),)).status == 404


def test_endpoint_is_absent_without_a_meter_source() -> None:
    assert _get(Actuator(SETTINGS), "/metrics").status == 404


SBA_PANEL_QUERIES = [
    ("process.uptime", ()),
    ("process.start.time", ()),
    ("process.cpu.usage", ()),
    ("system.cpu.usage", ()),
    ("system.cpu.count", ()),
    ("process.files.open", ()),
    ("process.files.max", ()),
    ("jvm.threads.live", ()),
    ("jvm.threads.peak", ()),
    ("jvm.threads.daemon", ()),
    ("jvm.gc.pause", ()),
    ("jvm.memory.max", (("tag", "area:heap"), ("tag", "area:heap"))),
    ("jvm.memory.used", (("tag", "area:heap"), ("tag", "area:heap"))),
    ("jvm.memory.committed", (("tag", "area:heap"), ("tag", "area:heap"))),
    ("jvm.memory.max", (("tag", "area:nonheap"), ("tag", "area:nonheap"))),
    ("jvm.memory.used", (("tag", "area:nonheap"), ("tag", "area:nonheap"))),
    ("jvm.memory.committed", (("tag", "area:nonheap"), ("tag", "area:nonheap"))),
]


@pytest.mark.parametrize(("name", "query"), SBA_PANEL_QUERIES)
def test_every_query_of_the_sba_details_page_answers(name: str, query: tuple[tuple[str, str], ...]) -> None:
    bridge = Bridge(SETTINGS)
    bridge.add_to_meter_provider(MeterProvider(metric_readers=[bridge.metric_reader]))
    actuator = Actuator(SETTINGS)
    bridge.attach(actuator)

    assert name in json_of(_get(actuator, "/metrics"))["names"]
    body = json_of(_get(actuator, f"/metrics/{name}", query))
    assert body["measurements"] and all(isinstance(m["value"], float) for m in body["measurements"])
    assert isinstance(body["availableTags"], list)
