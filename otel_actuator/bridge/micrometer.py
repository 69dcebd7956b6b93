"""OpenTelemetry metric data -> Micrometer meters, the shapes Spring Boot's metrics endpoint serves.

* The HTTP server duration histogram (``http.server.duration`` in ms under the old conventions,
  ``http.server.request.duration`` in s under the stable ones; the stable one wins under ``http/dup``)
  becomes the ``http.server.requests`` Timer with Spring's tags: method, uri (route template), status,
  outcome, error. ``http.server.active_requests`` becomes ``http.server.requests.active``, tagged by method.
* Every other ``http.server.*`` instrument (request and response body sizes) keeps its name and carries
  exactly those five tags, whatever attributes the instrumentation recorded: the server name, host,
  port and target it adds come from the client (the Host header) and would mint a series per value.
* Any other instrument keeps its name: monotonic sums are counters (COUNT), other sums and gauges
  are gauges (VALUE), histograms are timers (time units, in seconds) or distribution summaries, with
  COUNT, TOTAL(_TIME) and MAX (the histogram's real maximum since start, never a bucket bound).
* Each meter keeps at most ``max_series`` tag combinations; the rest fold into one series tagged
  ``otel.metric.overflow=true`` (the SDK's own overflow tag), so memory stays bounded.
* A bucket keeps the newest exemplar taken in a trace (trace and span id, value, time) that the meter
  provider's exemplar filter let through. The SDK hands each exemplar over once, in the collection after
  its measurement, so a bucket without a newer one keeps the previous collection's.
"""

from __future__ import annotations

import bisect
import enum
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from opentelemetry.sdk.metrics.export import (
    ExponentialHistogram,
    ExponentialHistogramDataPoint,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricsData,
    Sum,
)

from otel_actuator.bridge import http_attributes as http
from otel_actuator.bridge.units import BaseUnit, base_unit
from otel_actuator.sources import Meter

COUNT = "COUNT"
TOTAL = "TOTAL"
TOTAL_TIME = "TOTAL_TIME"
MAX = "MAX"
VALUE = "VALUE"
ACTIVE_TASKS = "ACTIVE_TASKS"

HTTP_SERVER_REQUESTS = "http.server.requests"
HTTP_SERVER_REQUESTS_ACTIVE = "http.server.requests.active"
_OLD_DURATION = "http.server.duration"
_NEW_DURATION = "http.server.request.duration"
_ACTIVE_REQUESTS = "http.server.active_requests"
_HTTP_SERVER_PREFIX = "http.server."

OVERFLOW_TAG = "otel.metric.overflow"

TagKey = tuple[tuple[str, str], ...]
_OVERFLOW_KEY: TagKey = ((OVERFLOW_TAG, "true"),)


class MeterType(enum.Enum):
    COUNTER = "counter"
    GAUGE = "gauge"
    TIMER = "timer"
    DISTRIBUTION_SUMMARY = "distribution_summary"
    LONG_TASK_TIMER = "long_task_timer"


@dataclass(frozen=True)
class Exemplar:
    """One measurement of a bucket with the trace it was taken in, as OpenMetrics exemplars show it."""

    trace_id: str  # 32 lowercase hex digits
    span_id: str  # 16 lowercase hex digits
    value: float  # in the meter's base unit
    timestamp: float  # seconds since the epoch


#: The newest exemplar of each bucket, None for a bucket without one.
BucketExemplars = tuple[Optional[Exemplar], ...]


@dataclass
class Buckets:
    """Explicit histogram buckets in the meter's base unit; ``counts`` has one more entry than ``bounds``.

    ``exemplars``, when some bucket has one, is aligned with ``counts``.
    """

    bounds: tuple[float, ...]
    counts: list[int]
    exemplars: Optional[BucketExemplars] = None


@dataclass
class Series:
    tags: TagKey
    values: dict[str, float]
    buckets: Optional[Buckets] = None

    def merge(self, values: Mapping[str, float], buckets: Optional[Buckets]) -> None:
        for statistic, value in values.items():
            current = self.values.get(statistic)
            if current is None:
                self.values[statistic] = value
            elif statistic == MAX:
                self.values[statistic] = max(current, value)
            else:
                self.values[statistic] = current + value
        if self.buckets is None:
            return
        if buckets is None or buckets.bounds != self.buckets.bounds:
            self.buckets = None  # different layouts cannot be added up
            return
        self.buckets.counts = [a + b for a, b in zip(self.buckets.counts, buckets.counts)]
        self.buckets.exemplars = _newest(self.buckets.exemplars, buckets.exemplars)


@dataclass
class MeterFamily:
    """Every series of one Micrometer meter name."""

    name: str
    type: MeterType
    description: Optional[str]
    base_unit: Optional[str]
    max_series: int
    series: dict[TagKey, Series] = field(default_factory=dict)
    #: Whether a series' bucket holds an exemplar; spares the carry-over a look at every series otherwise.
    has_exemplars: bool = field(default=False, init=False)
    _meters: Optional[tuple[Meter, ...]] = field(default=None, init=False, repr=False, compare=False)

    def add(self, tags: Mapping[str, str], values: Mapping[str, float], buckets: Optional[Buckets] = None) -> None:
        self.add_key(tuple(sorted(tags.items())), dict(values), buckets)

    def add_key(self, key: TagKey, values: dict[str, float], buckets: Optional[Buckets] = None) -> None:
        """``add`` with the tags already sorted into a key; ``values`` and ``buckets`` are taken, not copied."""
        self._meters = None
        if buckets is not None and buckets.exemplars is not None:
            self.has_exemplars = True
        existing = self.series.get(key)
        if existing is None and self._kept() >= self.max_series:
            key = _OVERFLOW_KEY
            existing = self.series.get(key)
        if existing is None:
            self.series[key] = Series(key, values, buckets)
        else:
            existing.merge(values, buckets)

    def keep_exemplars(self, earlier: MeterFamily) -> None:
        """Give each bucket without a newer exemplar the one it had in ``earlier`` (the previous collection)."""
        for key, series in self.series.items():
            before = earlier.series.get(key)
            buckets, old = series.buckets, before.buckets if before is not None else None
            if buckets is None or old is None or old.exemplars is None or old.bounds != buckets.bounds:
                continue
            buckets.exemplars = _newest(old.exemplars, buckets.exemplars)
            self.has_exemplars = True

    def meters(self) -> Sequence[Meter]:
        """The series as meters, built on the first read: a collection is read many times until the next."""
        if self._meters is None:
            self._meters = tuple(
                Meter(self.name, dict(s.tags), dict(s.values), self.description, self.base_unit)
                for s in self.series.values()
            )
        return self._meters

    def _kept(self) -> int:
        return len(self.series) - (1 if _OVERFLOW_KEY in self.series else 0)


def convert(
    data: Optional[MetricsData], max_series: int, previous: Optional[Mapping[str, MeterFamily]] = None
) -> dict[str, MeterFamily]:
    """Every meter found in one collection, by name; buckets keep their exemplars from ``previous``."""
    families: dict[str, MeterFamily] = {}
    if data is None:
        return families
    for resource_metrics in data.resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            scope = scope_metrics.scope.name
            names = {metric.name for metric in scope_metrics.metrics}
            for metric in scope_metrics.metrics:
                _convert_metric(families, scope, metric, names, max_series)
    families = {name: family for name, family in families.items() if family.series}
    for name, earlier in (previous or {}).items():
        family = families.get(name)
        if earlier.has_exemplars and family is not None:
            family.keep_exemplars(earlier)
    return families


def _convert_metric(
    families: dict[str, MeterFamily], scope: str, metric: Metric, scope_names: set[str], max_series: int
) -> None:
    data = metric.data
    if metric.name in (_OLD_DURATION, _NEW_DURATION) and isinstance(data, Histogram):
        if metric.name == _OLD_DURATION and _NEW_DURATION in scope_names:
            return  # http/dup: the stable metric is the precise one (seconds, not rounded milliseconds)
        _add_http_requests(families, scope, metric, data, max_series)
    elif metric.name == _ACTIVE_REQUESTS and isinstance(data, Sum):
        _add_active_requests(families, data, max_series)
    elif metric.name.startswith(_HTTP_SERVER_PREFIX):
        _add_generic(families, metric, max_series, lambda attributes: dict(_http_tag_key(scope, attributes)))
    else:
        _add_generic(families, metric, max_series)


def _add_http_requests(
    families: dict[str, MeterFamily], scope: str, metric: Metric, data: Histogram, max_series: int
) -> None:
    unit = base_unit(metric.unit)
    description = "Duration of HTTP server request handling"
    family = _family(families, HTTP_SERVER_REQUESTS, MeterType.TIMER, description, "seconds", max_series)
    if family is None:
        return
    for point in data.data_points:
        family.add_key(
            _http_tag_key(scope, point.attributes), _histogram_values(point, unit, TOTAL_TIME), _buckets(point, unit)
        )


def _http_tag_key(scope: str, attributes: Optional[Mapping[str, Any]]) -> TagKey:
    """Spring's sorted http.server.requests tags of one data point's attributes.

    Every collection sees the same attribute sets again (one per route, method and status), so their
    tags are remembered instead of being worked out each time; the cache is bounded.
    """
    attributes = attributes or {}
    try:
        cache_key: Optional[tuple[Any, ...]] = (scope, *attributes.items())
        known = _HTTP_TAG_KEYS.get(cache_key)  # type: ignore[arg-type]
    except TypeError:  # an unhashable attribute value (a list)
        cache_key, known = None, None
    if known is not None:
        return known
    status = http.status_code(attributes)
    tags = {
        "method": http.method(attributes) or "UNKNOWN",
        "uri": http.route(attributes, scope) or _uri_without_route(status),
        "status": str(status) if status is not None else "UNKNOWN",
        "outcome": http.outcome(status),
        "error": http.error_type(attributes) or "none",
    }
    key = tuple(sorted(tags.items()))
    if cache_key is not None:
        if len(_HTTP_TAG_KEYS) >= _HTTP_TAG_KEYS_MAX:
            _HTTP_TAG_KEYS.clear()
        _HTTP_TAG_KEYS[cache_key] = key
    return key


#: Attribute sets already converted by ``_http_tag_key``: (scope, *attribute items) -> tag key.
_HTTP_TAG_KEYS: dict[tuple[Any, ...], TagKey] = {}
_HTTP_TAG_KEYS_MAX = 20_000


def _add_active_requests(families: dict[str, MeterFamily], data: Sum, max_series: int) -> None:
    description = "HTTP requests being handled"
    family = _family(families, HTTP_SERVER_REQUESTS_ACTIVE, MeterType.LONG_TASK_TIMER, description, None, max_series)
    if family is None:
        return
    for point in data.data_points:
        if math.isfinite(point.value):
            method = http.method(point.attributes or {}) or "UNKNOWN"
            family.add({"method": method}, {ACTIVE_TASKS: float(point.value)})


def _uri_without_route(status: Optional[int]) -> str:
    """Spring's placeholders for requests that matched no route."""
    if status is not None and 300 <= status < 400:
        return "REDIRECTION"
    if status == 404:
        return "NOT_FOUND"
    return "UNKNOWN"


def _tags_of_attributes(attributes: Optional[Mapping[str, Any]]) -> dict[str, str]:
    return {str(key): _tag_value(value) for key, value in (attributes or {}).items()}


def _add_generic(
    families: dict[str, MeterFamily],
    metric: Metric,
    max_series: int,
    tags_of: Callable[[Optional[Mapping[str, Any]]], dict[str, str]] = _tags_of_attributes,
) -> None:
    unit = base_unit(metric.unit)
    data = metric.data
    description = metric.description or None
    if isinstance(data, (Sum, Gauge)):
        counter = isinstance(data, Sum) and data.is_monotonic
        meter_type, statistic = (MeterType.COUNTER, COUNT) if counter else (MeterType.GAUGE, VALUE)
        family = _family(families, metric.name, meter_type, description, unit.name, max_series)
        if family is None:
            return
        for point in data.data_points:
            value = float(point.value) * unit.factor
            if math.isfinite(value):
                family.add(tags_of(point.attributes), {statistic: value})
    elif isinstance(data, (Histogram, ExponentialHistogram)):
        meter_type = MeterType.TIMER if unit.is_time else MeterType.DISTRIBUTION_SUMMARY
        family = _family(families, metric.name, meter_type, description, unit.name, max_series)
        if family is None:
            return
        total = TOTAL_TIME if unit.is_time else TOTAL
        histogram_points: Sequence[Union[HistogramDataPoint, ExponentialHistogramDataPoint]] = data.data_points
        for histogram_point in histogram_points:
            buckets = _buckets(histogram_point, unit) if isinstance(histogram_point, HistogramDataPoint) else None
            family.add(tags_of(histogram_point.attributes), _histogram_values(histogram_point, unit, total), buckets)


def _family(
    families: dict[str, MeterFamily],
    name: str,
    meter_type: MeterType,
    description: Optional[str],
    unit: Optional[str],
    max_series: int,
) -> Optional[MeterFamily]:
    """The family to add to; None when the name is already taken by a meter of another type."""
    family = families.get(name)
    if family is None:
        family = families[name] = MeterFamily(name, meter_type, description, unit, max_series)
    elif family.type is not meter_type:
        return None
    elif family.description is None:
        family.description = description
    return family


def _histogram_values(
    point: Union[HistogramDataPoint, ExponentialHistogramDataPoint], unit: BaseUnit, total: str
) -> dict[str, float]:
    maximum = float(point.max) * unit.factor if point.count else 0.0
    total_value = float(point.sum) * unit.factor
    return {
        COUNT: float(point.count),
        total: total_value if math.isfinite(total_value) else 0.0,
        MAX: maximum if math.isfinite(maximum) else 0.0,
    }


def _buckets(point: HistogramDataPoint, unit: BaseUnit) -> Optional[Buckets]:
    bounds = tuple(point.explicit_bounds)
    if len(point.bucket_counts) != len(bounds) + 1:
        return None
    exemplars = _bucket_exemplars(point, unit) if point.exemplars else None
    return Buckets(_scaled(bounds, unit.factor), list(point.bucket_counts), exemplars)


def _bucket_exemplars(point: HistogramDataPoint, unit: BaseUnit) -> Optional[BucketExemplars]:
    """The newest exemplar of each bucket among the point's; those outside a trace say nothing and are left out."""
    newest: list[Optional[Exemplar]] = [None] * len(point.bucket_counts)
    for exemplar in point.exemplars:
        if not exemplar.trace_id or not exemplar.span_id:
            continue
        # The bucket the SDK's aligned reservoir put it in: the first bound at or above the value.
        index = bisect.bisect_left(point.explicit_bounds, exemplar.value)
        current = newest[index]
        timestamp = exemplar.time_unix_nano / 1e9
        if current is None or timestamp >= current.timestamp:
            trace_id, span_id = format(exemplar.trace_id, "032x"), format(exemplar.span_id, "016x")
            newest[index] = Exemplar(trace_id, span_id, float(exemplar.value) * unit.factor, timestamp)
    return tuple(newest) if any(e is not None for e in newest) else None


def _newest(first: Optional[BucketExemplars], second: Optional[BucketExemplars]) -> Optional[BucketExemplars]:
    """Per bucket, the newer of two aligned exemplar tuples."""
    if first is None or second is None:
        return second if first is None else first
    return tuple(a if b is None or (a is not None and a.timestamp > b.timestamp) else b for a, b in zip(first, second))


@functools.lru_cache(maxsize=256)
def _scaled(bounds: tuple[float, ...], factor: float) -> tuple[float, ...]:
    """Bucket bounds in the base unit; every point of a histogram shares them, so convert them once."""
    return tuple(float(b) * factor for b in bounds)


def _tag_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ",".join(_tag_value(v) for v in value)
    return str(value)
