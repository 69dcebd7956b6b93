"""startup: the process's start-up steps in Spring's timeline shape; POST drains them."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from otel_actuator.actuator import Actuator
from otel_actuator.core.http import Request
from otel_actuator.core.negotiation import V3_JSON
from otel_actuator.settings import Settings
from otel_actuator.sources.startup import StartupTimeline, process_timeline

BASE = "http://127.0.0.1:8000/actuator"
T0 = _dt.datetime(2025, 5, 22, 20, 3, 14, 123000, tzinfo=_dt.timezone.utc)


def _call(actuator: Actuator, method: str) -> Any:
    response = actuator.dispatcher.handle(Request(method, "/startup", BASE, headers={"accept": V3_JSON}))
    assert response.status == 200
    return json.loads(response.body)


def _actuator(timeline: StartupTimeline) -> Actuator:
    actuator = Actuator(Settings(exposure_include=("*",)))
    actuator.sources.startup = timeline
    return actuator


def test_steps_are_events_with_iso_durations_parents_and_tags() -> None:
    timeline = StartupTimeline(T0)
    timeline.record("app.import", T0, T0 + _dt.timedelta(microseconds=5639), tags=[("module", "shop.app")])
    with timeline.step("app.init", workers=2) as outer, timeline.step("db.connect"):
        pass
    body = _call(_actuator(timeline), "GET")
    assert body["timeline"]["startTime"] == "2025-05-22T20:03:14.123000Z"
    events = body["timeline"]["events"]
    first = events[0]
    assert first == {
        "startTime": "2025-05-22T20:03:14.123000Z",
        "endTime": "2025-05-22T20:03:14.128639Z",
        "duration": "PT0.005639S",
        "startupStep": {"name": "app.import", "id": 1, "tags": [{"key": "module", "value": "shop.app"}]},
    }
    steps = {e["startupStep"]["name"]: e["startupStep"] for e in events}
    assert steps["app.init"]["tags"] == [{"key": "workers", "value": "2"}]
    assert "parentId" not in steps["app.init"]
    assert steps["db.connect"]["parentId"] == outer == steps["app.init"]["id"]
    # The endpoint's own creation is a step of the actuator's timeline.
    assert "otel_actuator.endpoints.create" in steps


def test_post_drains_the_buffer_and_get_only_reads_it() -> None:
    timeline = StartupTimeline(T0)
    timeline.record("one", T0, T0)
    actuator = _actuator(timeline)
    assert len(_call(actuator, "GET")["timeline"]["events"]) == 2  # "one" and the endpoints' creation
    assert len(_call(actuator, "POST")["timeline"]["events"]) == 2
    assert _call(actuator, "GET")["timeline"]["events"] == []


def test_a_full_buffer_drops_new_steps() -> None:
    timeline = StartupTimeline(T0, capacity=2)
    for name in ("a", "b", "c"):
        timeline.record(name, T0, T0)
    assert [s.name for s in timeline.steps()] == ["a", "b"]


def test_the_process_timeline_begins_at_the_process_start() -> None:
    timeline = process_timeline()
    first = timeline.steps()[0] if timeline.steps() else None
    assert timeline.start_time() <= _dt.datetime.now(_dt.timezone.utc)
    if first is not None:  # another test may have drained it
        assert first.name == "python.startup" and first.start == timeline.start_time()
    actuator = Actuator(Settings(exposure_include=("*",)))
    assert actuator.sources.startup is timeline
    with actuator.startup_step("app.ready"):
        pass
    assert any(s.name == "app.ready" for s in timeline.steps())
