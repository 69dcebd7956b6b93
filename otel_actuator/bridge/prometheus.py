"""The prometheus endpoint's exposition, named the way Micrometer's Prometheus registry names meters.

``jvm.memory.used`` (bytes) -> ``jvm_memory_used_bytes``; a counter gets ``_total``; a timer
``http.server.requests`` -> ``http_server_requests_seconds_count`` / ``_sum`` (plus ``_bucket`` when
OpenTelemetry recorded buckets, so ``histogram_quantile`` works) and ``http_server_requests_seconds_max``.
Dashboards built for Spring Boot services therefore keep working.

The text is written here rather than through prometheus_client's collector API: a service with a few
hundred routes has thousands of bucket lines, and building a sample object per line made one scrape
cost hundreds of milliseconds. Each series' labels are formatted once and shared by its lines, and
a page is rendered once per collection and format, so scrapes between two collections (the reader
reuses one for ``metrics_cache_ttl``) send the same bytes. A histogram series whose count, sum and
buckets did not change since the previous page of the same format reuses its lines: most routes are
idle between two scrapes, and their bucket lines are most of the page.

OpenMetrics bucket lines carry the bucket's newest exemplar (``# {trace_id="...",span_id="..."} value
time``) when the meter provider's exemplar filter lets exemplars through; the 0.0.4 text format has none.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Callable, Optional

from otel_actuator.bridge.micrometer import (
    ACTIVE_TASKS,
    COUNT,
    MAX,
    TOTAL,
    TOTAL_TIME,
    VALUE,
    Buckets,
    Exemplar,
    MeterFamily,
    MeterType,
    Series,
)

TEXT_CONTENT_TYPE = "text/plain;version=0.0.4;charset=utf-8"
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
OPENMETRICS_MEDIA_TYPE = "application/openmetrics-text"

_INVALID_NAME = re.compile(r"[^a-zA-Z0-9_:]")
_INVALID_LABEL = re.compile(r"[^a-zA-Z0-9_]")

#: Writes one metric's sample lines into the page.
_Writer = Callable[[list[str]], None]

#: A histogram series' lines from the previous page: (metric, tags) -> (count, sum, buckets), text.
_SeriesCache = dict[tuple[str, tuple[tuple[str, str], ...]], tuple[tuple[object, ...], str]]


class PrometheusRenderer:
    """Renders the meters ``families()`` returns (implements ``PrometheusSource``)."""

    def __init__(self, families: Callable[[], Mapping[str, MeterFamily]]) -> None:
        self._families = families
        # The snapshot the pages were rendered from, and the pages by format (True: OpenMetrics).
        self._rendered: tuple[Optional[Mapping[str, MeterFamily]], dict[bool, bytes]] = (None, {})
        # The series lines of the last page of each format: only OpenMetrics lines carry exemplars.
        self._series_cache: dict[bool, _SeriesCache] = {}

    def render(self, openmetrics: bool, included_names: Optional[Collection[str]] = None) -> tuple[bytes, str]:
        """The page as OpenMetrics 1.0 or the Prometheus text format 0.0.4, with its content type.

        ``included_names`` keeps the metrics named by family or sample name (``cache_gets`` or
        ``cache_gets_total``); such a page is rendered for the one request and leaves the caches alone.
        """
        families = self._families()
        content_type = OPENMETRICS_CONTENT_TYPE if openmetrics else TEXT_CONTENT_TYPE
        if included_names is not None:
            filtered = exposition(
                families, openmetrics=openmetrics, previous=self._series_cache.get(openmetrics), included=included_names
            )
            return filtered, content_type
        snapshot, pages = self._rendered
        if snapshot is not families:
            pages = {}
            self._rendered = (families, pages)
        body = pages.get(openmetrics)
        if body is None:
            # The cache keeps only the series of this page: series that went away are not kept.
            current: _SeriesCache = {}
            previous = self._series_cache.get(openmetrics)
            body = exposition(families, openmetrics=openmetrics, previous=previous, current=current)
            pages[openmetrics] = body
            self._series_cache[openmetrics] = current
        return body, content_type


def exposition(
    families: Mapping[str, MeterFamily],
    *,
    openmetrics: bool,
    previous: Optional[_SeriesCache] = None,
    current: Optional[_SeriesCache] = None,
    included: Optional[Collection[str]] = None,
) -> bytes:
    """The Prometheus text format 0.0.4, or OpenMetrics 1.0, of every meter (of those ``included`` if given).

    Histogram series' lines found unchanged in ``previous`` (an earlier page's ``current``, of the same
    format) are reused; ``current`` receives this page's.
    """
    out: list[str] = []
    taken: set[str] = set()
    previous = {} if previous is None else previous
    current = {} if current is None else current
    for name in sorted(families):
        for metric, kind, help_text, write in _metrics(families[name], openmetrics, previous, current):
            if metric in taken:
                continue  # two meters mapped onto one Prometheus name: the first keeps it
            if included is not None and not _is_included(metric, kind, included):
                continue
            taken.add(metric)
            # The text format names a counter family after its samples (``_total``), OpenMetrics without.
            header = metric + "_total" if kind == "counter" and not openmetrics else metric
            escaped_help = help_text.replace("\\", r"\\").replace("\n", r"\n")
            if openmetrics:
                escaped_help = escaped_help.replace('"', r"\"")
            out.append(f"# HELP {header} {escaped_help}\n# TYPE {header} {kind}\n")
            write(out)
    if openmetrics:
        out.append("# EOF\n")
    return "".join(out).encode("utf-8")


#: The sample name suffixes of each metric type.
_SAMPLE_SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum"),
    "summary": ("_count", "_sum"),
}


def _is_included(metric: str, kind: str, included: Collection[str]) -> bool:
    """Whether the family or one of its sample names is among ``included``."""
    return metric in included or any(metric + suffix in included for suffix in _SAMPLE_SUFFIXES[kind])


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


def _metrics(
    family: MeterFamily, openmetrics: bool, previous: _SeriesCache, current: _SeriesCache
) -> Iterator[tuple[str, str, str, _Writer]]:
    """(name, type, help, writer) of each Prometheus metric one meter becomes."""
    base = metric_name(family)
    help_text = family.description or family.name
    series = list(family.series.values())
    if family.type is MeterType.COUNTER:
        yield base, "counter", help_text, _simple(base + "_total", series, COUNT)
    elif family.type is MeterType.GAUGE:
        yield base, "gauge", help_text, _simple(base, series, VALUE)
    elif family.type is MeterType.LONG_TASK_TIMER:
        yield base + "_active_count", "gauge", help_text, _simple(base + "_active_count", series, ACTIVE_TASKS)
    else:
        total = TOTAL_TIME if family.type is MeterType.TIMER else TOTAL
        with_buckets = all(s.buckets is not None for s in series)
        kind = "histogram" if with_buckets else "summary"
        writer = _distribution(base, series, total, with_buckets, openmetrics, previous, current)
        yield base, kind, help_text, writer
        yield base + "_max", "gauge", help_text, _simple(base + "_max", series, MAX)


def _simple(sample: str, series: list[Series], statistic: str) -> _Writer:
    def write(out: list[str]) -> None:
        for s in series:
            value = s.values.get(statistic)
            if value is not None:
                out.append(f"{sample}{_braced(_labels(s.tags))} {_value(value)}\n")

    return write


def _distribution(
    name: str,
    series: list[Series],
    total: str,
    with_buckets: bool,
    openmetrics: bool,
    previous: _SeriesCache,
    current: _SeriesCache,
) -> _Writer:
    def write(out: list[str]) -> None:
        for s in series:
            buckets = s.buckets if with_buckets else None
            count, summed = s.values.get(COUNT, 0.0), s.values.get(total, 0.0)
            counts = tuple(buckets.counts) if buckets is not None else None
            exemplars = buckets.exemplars if buckets is not None and openmetrics else None
            signature = (count, summed, counts, exemplars)
            key = (name, s.tags)
            cached = previous.get(key)
            text = cached[1] if cached is not None and cached[0] == signature else _series_lines(name, s, buckets)
            current[key] = (signature, text)
            out.append(text)

    def _series_lines(name: str, s: Series, buckets: Optional[Buckets]) -> str:
        lines = []
        labels = _labels(s.tags)
        if buckets is not None:
            # ``le`` takes its sorted place among the series' labels.
            before = "".join(f'{key}="{value}",' for key, value in labels if key < "le")
            after = "".join(f',{key}="{value}"' for key, value in labels if key > "le")
            head, tail = f'{name}_bucket{{{before}le="', f'"{after}}} '
            cumulative = 0
            exemplars = buckets.exemplars if openmetrics else None
            suffixes = itertools.repeat("") if exemplars is None else map(_exemplar, exemplars)
            for bound, bucket_count, suffix in zip(_bounds(buckets.bounds), buckets.counts, suffixes):
                cumulative += bucket_count
                lines.append(head + bound + tail + _count(cumulative) + suffix + "\n")
        braced = _braced(labels)
        lines.append(f"{name}_count{braced} {_value(s.values.get(COUNT, 0.0))}\n")
        lines.append(f"{name}_sum{braced} {_value(s.values.get(total, 0.0))}\n")
        return "".join(lines)

    return write


def _exemplar(exemplar: Optional[Exemplar]) -> str:
    """The OpenMetrics exemplar of a bucket line, after its value; nothing for a bucket without one."""
    if exemplar is None:
        return ""
    labels = f'trace_id="{exemplar.trace_id}",span_id="{exemplar.span_id}"'
    return f" # {{{labels}}} {_value(exemplar.value)} {exemplar.timestamp:.3f}"


def _labels(tags: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Prometheus labels of a series, sorted by name; on a name clash after cleaning, the first tag wins."""
    labels: dict[str, str] = {}
    for key, value in tags:
        labels.setdefault(_label_name(key), _escape(value))
    return sorted(labels.items())


def _braced(labels: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f'{key}="{value}"' for key, value in labels) + "}" if labels else ""


@functools.lru_cache(maxsize=1024)
def _label_name(key: str) -> str:
    name = _INVALID_LABEL.sub("_", key)
    if name[:1].isdigit():
        name = "_" + name
    if name == "le" or name == "quantile":
        name = "tag_" + name  # reserved by the histogram and summary formats
    return name


@functools.lru_cache(maxsize=64)
def _bounds(bounds: tuple[float, ...]) -> tuple[str, ...]:
    """The ``le`` values of a bucket layout, ``+Inf`` last."""
    return tuple("+Inf" if math.isinf(b) else repr(float(b)) for b in (*bounds, math.inf))


def _escape(value: str) -> str:
    if "\\" in value or '"' in value or "\n" in value:
        return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
    return value


def _value(value: float) -> str:
    """Go's float formatting, as Prometheus writes sample values."""
    text = repr(float(value))
    dot = text.find(".")
    if dot > 6 and value > 0:  # Go switches to an exponent sooner than Python
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1 :]}".rstrip("0.")
        return f"{mantissa}e+{dot - 1:02d}"
    if dot < 0 and not text[-1].isdigit():
        return _SPECIAL[text]
    return text


def _count(count: int) -> str:
    """A bucket count: what ``_value`` writes, without its work for the usual small integers."""
    return f"{count}.0" if 0 <= count < 1_000_000 else _value(count)


_SPECIAL = {"inf": "+Inf", "-inf": "-Inf", "nan": "NaN"}
