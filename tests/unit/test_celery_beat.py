"""scheduledtasks: Celery beat entries as Spring's cron / fixedRate / custom tasks, read without a broker."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import pytest
from celery import Celery
from celery.beat import Scheduler
from celery.schedules import BaseSchedule, crontab, schedule

from otel_actuator.actuator import Actuator
from otel_actuator.core.http import Request, Response
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from otel_actuator.settings import Settings
from tests.support.polling import eventually

BASE = "http://127.0.0.1:8000/actuator"


class EveryFullMoon(BaseSchedule):  # type: ignore[misc]  # Celery is untyped
    """A schedule of the application's own, as Celery allows: beat only asks it when it is due."""

    def remaining_estimate(self, last_run_at: _dt.datetime) -> _dt.timedelta:
        return _dt.timedelta(days=3)

    def __repr__(self) -> str:
        return "<every full moon>"


def _app(beat_schedule: dict[str, Any]) -> Celery:
    app = Celery("shop", broker="memory://", set_as_current=False)
    app.conf.timezone = "UTC"
    app.conf.beat_schedule = beat_schedule
    return app


def _actuator(scheduler: Any) -> Actuator:
    actuator = Actuator(Settings(exposure_include=("*",)))
    actuator.sources.scheduled_tasks.clear()  # no discovery: only the registered app
    actuator.add_scheduler(scheduler)
    return actuator


def _get(actuator: Actuator, accept: str = V3_JSON) -> Any:
    response: Response = actuator.dispatcher.handle(Request("GET", "/scheduledtasks", BASE, headers={"accept": accept}))
    assert response.status == 200
    return json.loads(response.body)


@pytest.mark.parametrize(
    ("given", "expression"),
    [
        (crontab(), "0 * * * * *"),
        (crontab(minute="*/15"), "0 */15 * * * *"),
        (crontab(minute=0, hour="9-17", day_of_week="mon-fri"), "0 0 9-17 * * MON-FRI"),
        (crontab(minute=30, hour=4, day_of_week="sunday,saturday"), "0 30 4 * * SUN,SAT"),
        (crontab(minute=0, hour=0, day_of_week="0-4"), "0 0 0 * * 0-4"),
        (crontab(minute={45, 15}, hour=[3, 1]), "0 15,45 1,3 * * *"),
        (crontab(minute=0, hour=6, day_of_month="1,15", month_of_year="*/3"), "0 0 6 1,15 */3 *"),
        (crontab(minute="0, 30", hour=2), "0 0,30 2 * * *"),
    ],
)
def test_a_crontab_is_a_cron_task_with_springs_six_fields(given: crontab, expression: str) -> None:
    body = _get(_actuator(_app({"nightly": {"task": "shop.tasks.purge", "schedule": given}})))
    assert [(task["runnable"], task["expression"]) for task in body["cron"]] == [
        ({"target": "shop.tasks.purge"}, expression)
    ]


def test_a_crontab_shows_its_next_execution_computed_without_a_broker() -> None:
    app = _app({"report": {"task": "shop.tasks.report", "schedule": crontab(minute=0, hour=3)}})
    now = _dt.datetime.now(_dt.timezone.utc)
    expected = now.replace(hour=3, minute=0, second=0, microsecond=0)
    if expected <= now:
        expected += _dt.timedelta(days=1)
    [task] = _get(_actuator(app))["cron"]
    assert task["nextExecution"] == {"time": expected.isoformat(timespec="microseconds").replace("+00:00", "Z")}
    assert "lastExecution" not in task, "no beat runs in this process"
    assert app._pool is None, "reading the schedule opened no broker connection"


def test_intervals_are_fixed_rate_tasks_in_milliseconds() -> None:
    app = _app(
        {
            "sync": {"task": "shop.tasks.sync", "schedule": _dt.timedelta(minutes=5)},
            "poll": {"task": "shop.tasks.poll", "schedule": 12.5},
            "ping": {"task": "shop.tasks.ping", "schedule": schedule(_dt.timedelta(seconds=30))},
        }
    )
    body = _get(_actuator(app))
    assert {task["runnable"]["target"]: task["interval"] for task in body["fixedRate"]} == {
        "shop.tasks.sync": 300_000,
        "shop.tasks.poll": 12_500,
        "shop.tasks.ping": 30_000,
    }
    # Beat counts an interval from its own start, which this process does not know.
    assert all("nextExecution" not in task for task in body["fixedRate"])
    assert body["cron"] == body["custom"] == body["fixedDelay"] == []


def test_another_schedule_is_a_custom_task_with_its_text_and_estimate() -> None:
    app = _app({"moon": {"task": "shop.tasks.howl", "schedule": EveryFullMoon()}})
    before = _dt.datetime.now(_dt.timezone.utc)
    [task] = _get(_actuator(app))["custom"]
    assert task["runnable"] == {"target": "shop.tasks.howl"}
    assert task["trigger"] == "<every full moon>"
    next_time = _dt.datetime.fromisoformat(task["nextExecution"]["time"].replace("Z", "+00:00"))
    assert before + _dt.timedelta(days=3) - _dt.timedelta(seconds=1) <= next_time
    assert next_time <= _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(days=3, seconds=1)


def test_an_in_process_beat_scheduler_adds_the_last_dispatch() -> None:
    app = _app({"tick": {"task": "shop.tasks.tick", "schedule": 0.05}})
    beat = Scheduler(app)  # sends over the in-memory transport: no broker process
    actuator = _actuator(beat)

    def dispatched() -> Any:
        beat.tick()
        return [task for task in _get(actuator)["fixedRate"] if "lastExecution" in task]

    [task] = eventually(dispatched, what="beat sending the entry")
    entry = beat.schedule["tick"]
    assert task["lastExecution"]["status"] == "STARTED", "beat does not see the worker's outcome"
    sent = _dt.datetime.fromisoformat(task["lastExecution"]["time"].replace("Z", "+00:00"))
    assert sent == entry.last_run_at
    assert "nextExecution" in task


def test_spring_boot_2_bodies_have_no_executions() -> None:
    app = _app({"report": {"task": "shop.tasks.report", "schedule": crontab(minute=0)}})
    assert _get(_actuator(app), accept=V2_JSON)["cron"] == [
        {"runnable": {"target": "shop.tasks.report"}, "expression": "0 0 * * * *"}
    ]


#: Module-level, as applications keep their Celery app: discovery finds it.
module_app = _app({})


def test_a_module_level_app_is_found_and_listed_once() -> None:
    module_app.conf.beat_schedule = {"weekly": {"task": "shop.tasks.weekly", "schedule": crontab(day_of_week=1)}}
    try:
        actuator = Actuator(Settings(exposure_include=("*",)))
        actuator.add_scheduler(module_app)  # found and registered: one entry
        weekly = [task for task in _get(actuator)["cron"] if task["runnable"]["target"] == "shop.tasks.weekly"]
        assert [task["expression"] for task in weekly] == ["0 * * * * 1"]
    finally:
        module_app.conf.beat_schedule = {}
