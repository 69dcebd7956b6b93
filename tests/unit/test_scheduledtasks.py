"""scheduledtasks: APScheduler 3 jobs as Spring's cron / fixedRate / custom tasks with their executions."""

from __future__ import annotations

import datetime as _dt
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler

from otel_actuator.actuator import Actuator
from otel_actuator.core.http import Request, Response
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from otel_actuator.settings import Settings

BASE = "http://127.0.0.1:8000/actuator"


def purge() -> None:
    """A job target with a stable reference."""


def fail() -> None:
    raise RuntimeError("Failed while running custom task")


@pytest.fixture
def scheduler() -> Iterator[BackgroundScheduler]:
    scheduler = BackgroundScheduler(timezone="UTC")
    yield scheduler
    if scheduler.running:
        scheduler.shutdown(wait=False)


def _actuator(scheduler: BackgroundScheduler) -> Actuator:
    actuator = Actuator(Settings(exposure_include=("*",)))
    actuator.sources.scheduled_tasks.clear()  # no discovery: only the registered scheduler
    actuator.add_scheduler(scheduler)
    return actuator


def _get(actuator: Actuator, accept: str = V3_JSON) -> Any:
    response: Response = actuator.dispatcher.handle(Request("GET", "/scheduledtasks", BASE, headers={"accept": accept}))
    assert response.status == 200
    return json.loads(response.body)


def test_triggers_map_onto_springs_kinds(scheduler: BackgroundScheduler) -> None:
    scheduler.add_job(purge, "cron", minute="*/5", day_of_week="0-4", id="cron")
    scheduler.add_job(purge, "interval", seconds=30, id="rate")
    scheduler.add_job(purge, "date", run_date=_dt.datetime(2099, 1, 1, tzinfo=_dt.timezone.utc), id="once")
    scheduler.add_job(purge, "cron", year="2099", id="yearly")
    scheduler.start(paused=True)
    body = _get(_actuator(scheduler))
    assert set(body) == {"cron", "fixedDelay", "fixedRate", "custom"}
    target = {"target": "tests.unit.test_scheduledtasks.purge"}
    assert body["cron"] == [
        {"runnable": target, "expression": "0 */5 * * * 1-5", "nextExecution": body["cron"][0]["nextExecution"]}
    ]
    assert body["cron"][0]["nextExecution"]["time"].endswith("Z")
    assert body["fixedRate"][0]["runnable"] == target
    assert body["fixedRate"][0]["interval"] == 30_000
    assert body["fixedDelay"] == []
    triggers = [task["trigger"] for task in body["custom"]]
    assert any(t.startswith("date[2099-01-01") for t in triggers)
    assert any(t.startswith("cron[year='2099'") for t in triggers), "a year field has no Spring form"


def test_last_execution_says_success_or_error_with_the_exception(scheduler: BackgroundScheduler) -> None:
    now = _dt.datetime.now(_dt.timezone.utc)
    scheduler.add_job(purge, "interval", seconds=3600, id="ok", next_run_time=now)
    scheduler.add_job(fail, "interval", seconds=3600, id="bad", next_run_time=now)
    actuator = _actuator(scheduler)
    # Listeners run in the order they were added: once this one has seen both runs, the actuator's has too.
    finished: list[str] = []
    both = threading.Event()

    def on_finished(event: Any) -> None:
        finished.append(event.job_id)
        if len(finished) == 2:
            both.set()

    scheduler.add_listener(on_finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    assert both.wait(30), "the two jobs did not run"

    tasks = {t["runnable"]["target"]: t for t in _get(actuator)["fixedRate"]}
    succeeded = tasks["tests.unit.test_scheduledtasks.purge"]["lastExecution"]
    assert succeeded["status"] == "SUCCESS" and "exception" not in succeeded
    failed = tasks["tests.unit.test_scheduledtasks.fail"]["lastExecution"]
    assert failed["status"] == "ERROR"
    assert failed["exception"] == {"type": "RuntimeError", "message": "Failed while running custom task"}
    assert failed["time"].endswith("Z")


def test_spring_boot_2_bodies_have_no_executions(scheduler: BackgroundScheduler) -> None:
    scheduler.add_job(purge, "interval", seconds=30)
    scheduler.start(paused=True)
    assert _get(_actuator(scheduler), accept=V2_JSON)["fixedRate"] == [
        {"runnable": {"target": "tests.unit.test_scheduledtasks.purge"}, "initialDelay": None, "interval": 30_000}
    ]


#: Module-level, as applications keep their scheduler: discovery finds it.
module_scheduler = BackgroundScheduler(timezone="UTC")


def test_a_module_level_scheduler_is_found_and_listed_once() -> None:
    module_scheduler.add_job(purge, "interval", minutes=7, id="found")
    try:
        actuator = Actuator(Settings(exposure_include=("*",)))
        actuator.add_scheduler(module_scheduler)  # found and registered: one entry
        rates = [t for t in _get(actuator)["fixedRate"] if t["interval"] == 420_000]
        assert len(rates) == 1
    finally:
        module_scheduler.remove_job("found")
