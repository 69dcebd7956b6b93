"""GET /startup (the buffered steps) and POST /startup (the same, draining the buffer), in Spring's shape.

SBA's Startup view asks OPTIONS first and reads with GET when allowed, so the timeline stays viewable.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import attached
from otel_actuator.endpoints.httpexchanges import iso_duration

if TYPE_CHECKING:
    from otel_actuator.sources import Sources, StartupSource
    from otel_actuator.sources.startup import StartupStep


def create(sources: Sources) -> list[Endpoint]:
    def snapshot(ctx: OperationContext) -> Result:
        source = attached(sources.startup, "startup")
        return Result(_descriptor(source, source.steps()))

    def drain(ctx: OperationContext) -> Result:
        source = attached(sources.startup, "startup")
        return Result(_descriptor(source, source.drain()))

    return [
        Endpoint(
            id="startup",
            operations=(Operation("GET", snapshot), Operation("POST", drain)),
            available=lambda: sources.startup is not None,
        )
    ]


def _descriptor(source: StartupSource, steps: Sequence[StartupStep]) -> dict[str, Any]:
    return {"timeline": {"startTime": instant(source.start_time()), "events": [_event(step) for step in steps]}}


def _event(step: StartupStep) -> dict[str, Any]:
    elapsed = step.end - step.start
    nanoseconds = (elapsed.days * 86_400 + elapsed.seconds) * 1_000_000_000 + elapsed.microseconds * 1000
    startup_step: dict[str, Any] = {
        "name": step.name,
        "id": step.id,
        "tags": [{"key": key, "value": value} for key, value in step.tags],
    }
    if step.parent_id is not None:
        startup_step["parentId"] = step.parent_id
    return {
        "startTime": instant(step.start),
        "endTime": instant(step.end),
        "duration": iso_duration(nanoseconds),
        "startupStep": startup_step,
    }


def instant(moment: _dt.datetime) -> str:
    """A UTC instant as Java prints one, to the microsecond: ``2025-05-22T20:03:14.499994Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.astimezone(_dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
