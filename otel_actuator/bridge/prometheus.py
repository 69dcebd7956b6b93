"""The prometheus endpoint's exposition, named the way Micrometer's Prometheus registry names meters.

``jvm.memory.used`` (bytes) -> ``jvm_memory_used_bytes``; a counter gets ``_total``; a timer
``http.server.requests`` -> ``http_server_requests_seconds_count`` / ``_sum`` (plus ``_bucket`` when
OpenTelemetry recorded buckets, so ``histogram_quantile`` works) and ``http_server_requests_seconds_max``.
Dashboards built for Spring Boot services therefore keep working.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Callable

from prometheus_client import exposition
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics import exposition as openmetrics
from prometheus_client.registry import Collector

from otel_actuator.bridge.micrometer import (
    ACTIVE_TASKS,
    COUNT,
    MAX,
    TOTAL,
    TOTAL_TIME,
    VALUE,
    MeterFamily,
    MeterType,
    Series,
)
from otel_actuator.core.negotiation import parse_accept

TEXT_CONTENT_TYPE = "text/plain;version=0.0.4;charset=utf-8"
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
OPENMETRICS_MEDIA_TYPE = "application/openmetrics-text"

#: prometheus_client leaves this one unannotated.
_generate_openmetrics: Callable[[Collector], bytes] = openmetrics.generate_latest

_INVALID_NAME = re.compile(r"[^a-zA-Z0-9_:]")
_INVALID_LABEL = re.compile(r"[^a-zA-Z0-9_]")


class PrometheusRenderer:
    """Renders the meters ``families()`` returns (implements ``PrometheusSource``)."""

    def __init__(self, families: Callable[[], Mapping[str, MeterFamily]]) -> None:
        self._families = families

    def render(self, accept: str) -> tuple[bytes, str]:
        collector = _MeterCollector(self._families())
        if any(r.matches(OPENMETRICS_MEDIA_TYPE) and r.specificity == 2 for r in parse_accept(accept)):
            return _generate_openmetrics(collector), OPENMETRICS_CONTENT_TYPE
        return exposition.generate_latest(collector), TEXT_CONTENT_TYPE


class _MeterCollector:
    """A prometheus_client collector over one snapshot of converted meters."""

    def __init__(self, families: Mapping[str, MeterFamily]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        taken: set[str] = set()
        for name in sorted(self._families):
            for metric in _metrics(self._families[name]):
                if metric.name in taken:
                    continue  # two meters mapped onto one Prometheus name: the first keeps it
                taken.add(metric.name)
                yield metric


def _metrics(family: MeterFamily) -> Iterable[Metric]:
    base = metric_name(family)
    help_text = family.description or family.name
    series = list(family.series.values())
    if family.type is MeterType.COUNTER:
        yield _simple(base, help_text, "counter", series, COUNT, "_total")
    elif family.type is MeterType.GAUGE:
        yield _simple(base, help_text, "gauge", series, VALUE, "")
    elif family.type is MeterType.LONG_TASK_TIMER:
        yield _simple(base + "_active_count", help_text, "gauge", series, ACTIVE_TASKS, "")
    else:
        total = TOTAL_TIME if family.type is MeterType.TIMER else TOTAL
        yield _distribution(base, help_text, series, total)
        yield _simple(base + "_max", help_text, "gauge", series, MAX, "")


def metric_name(family: MeterFamily) -> str:
    """Micrometer's Prometheus name: dots to underscores, the base unit appended."""
    name = _INVALID_NAME.sub("_", family.name.replace(".", "_"))
    if name[:1].isdigit():
        name = "m_" + name
    unit = "seconds" if family.type is MeterType.LONG_TASK_TIMER else family.base_unit
    if unit:
        suffix = "_" + _INVALID_NAME.sub("_", unit)
        if not name.endswith(suffix):
            name += suffix
    if family.type is MeterType.COUNTER and name.endswith("_total"):
        name = name[: -len("_total")]
    return name


def _simple(name: str, help_text: str, kind: str, series: list[Series], statistic: str, suffix: str) -> Metric:
    metric = Metric(name, help_text, kind)
    for s in series:
        value = s.values.get(statistic)
        if value is not None:
            metric.add_sample(name + suffix, _labels(s), value)
    return metric


def _distribution(name: str, help_text: str, series: list[Series], total: str) -> Metric:
    with_buckets = all(s.buckets is not None for s in series)
    metric = Metric(name, help_text, "histogram" if with_buckets else "summary")
    for s in series:
        labels = _labels(s)
        count = s.values.get(COUNT, 0.0)
        if with_buckets and s.buckets is not None:
            cumulative = 0
            for bound, bucket_count in zip((*s.buckets.bounds, math.inf), s.buckets.counts):
                cumulative += bucket_count
                metric.add_sample(name + "_bucket", {**labels, "le": _bound(bound)}, float(cumulative))
        metric.add_sample(name + "_count", labels, count)
        metric.add_sample(name + "_sum", labels, s.values.get(total, 0.0))
    return metric


def _labels(series: Series) -> dict[str, str]:
    labels: dict[str, str] = {}
    for key, value in series.tags:
        name = _INVALID_LABEL.sub("_", key)
        if name[:1].isdigit():
            name = "_" + name
        if name == "le" or name == "quantile":
            name = "tag_" + name  # reserved by the histogram and summary formats
        labels.setdefault(name, value)
    return labels


def _bound(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))
