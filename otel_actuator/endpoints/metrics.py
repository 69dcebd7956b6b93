"""GET /metrics and /metrics/{requiredMetricName}, with Spring Boot's drill-down semantics.

``?tag=key:value`` (repeatable; Spring Boot Admin sends its first tag twice) keeps the series having
every given tag. Their measurements are summed per statistic, except MAX, which is the largest;
the drilled-down keys leave ``availableTags``. An unknown name, or tags no series has, is a 404.
Values are rounded to 12 significant digits: sums of float seconds carry noise (``1.3729999999999996``)
that SBA prints in full, and no meter is that precise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import ActuatorError, attached
from otel_actuator.sources import Meter, MeterSource

if TYPE_CHECKING:
    from otel_actuator.sources import Sources

TAG_FORMAT_ERROR = "Each tag parameter must be in the form 'key:value'"
SIGNIFICANT_DIGITS = 12


def create(sources: Sources) -> list[Endpoint]:
    def source() -> MeterSource:
        return attached(sources.meters, "metrics")

    def names(ctx: OperationContext) -> Result:
        return Result({"names": sorted(set(source().meter_names()))})

    def metric(ctx: OperationContext) -> Result:
        name = (ctx.selector or "").strip("/")
        tags = parse_tags(ctx.request.query_values("tag"))
        body = describe(name, source().meters(name), tags)
        if body is None:
            raise ActuatorError(404, f"No metric named '{name}' has the requested tags" if tags else "No such metric")
        return Result(body)

    # Reading meters runs the observable callbacks of a collection: keep it off the event loop.
    return [
        Endpoint(
            id="metrics",
            operations=(
                Operation("GET", names, blocking=True),
                Operation("GET", metric, selector="requiredMetricName", blocking=True),
            ),
            available=lambda: sources.meters is not None,
        )
    ]


def parse_tags(raw: Sequence[str]) -> list[tuple[str, str]]:
    tags: list[tuple[str, str]] = []
    for item in raw:
        key, colon, value = item.partition(":")
        if not colon:
            raise ActuatorError(400, TAG_FORMAT_ERROR)
        tags.append((key, value))
    return tags


def describe(name: str, meters: Sequence[Meter], tags: Sequence[tuple[str, str]]) -> Optional[dict[str, Any]]:
    """The endpoint's body for the series of ``name`` matching ``tags``; None when nothing matches."""
    matching = [m for m in meters if all(m.tags.get(key) == value for key, value in tags)]
    if not matching:
        return None
    measurements: dict[str, float] = {}
    for meter in matching:
        for statistic, value in meter.measurements.items():
            current = measurements.get(statistic)
            if current is None:
                measurements[statistic] = float(value)
            elif statistic == "MAX":
                measurements[statistic] = max(current, float(value))
            else:
                measurements[statistic] = current + float(value)
    drilled = {key for key, _ in tags}
    available: dict[str, set[str]] = {}
    for meter in matching:
        for key, tag_value in meter.tags.items():
            if key not in drilled:
                available.setdefault(key, set()).add(tag_value)
    first = matching[0]
    return {
        "name": name,
        "description": first.description,
        "baseUnit": first.base_unit,
        "measurements": [{"statistic": s, "value": rounded(v)} for s, v in measurements.items()],
        "availableTags": [{"tag": key, "values": sorted(values)} for key, values in sorted(available.items())],
    }


def rounded(value: float) -> float:
    """``value`` to :data:`SIGNIFICANT_DIGITS` significant digits; whole numbers (counts, bytes) stay exact."""
    if value.is_integer():
        return value
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
