"""Celery beat entries as Spring's scheduled tasks.

* a ``crontab`` is a cron task with Spring's six-field expression, seconds ``0`` (both count the days of the
  week from Sunday = 0; Celery's day names become Spring's three-letter ones, ``mon-fri`` -> ``MON-FRI``);
* a ``timedelta``, a number of seconds or a ``celery.schedules.schedule`` is a fixed-rate task;
* a ``solar`` or any other schedule is a custom task showing the schedule's text.

The runnable target is the task's name. Entries come from the app's ``beat_schedule`` setting or, when beat
runs in this process (a beat ``Service``, its embedded thread or a ``Scheduler``, registered with
``actuator.add_scheduler`` or held by a module global), from that scheduler, which knows each entry's last
run. Nothing here connects to a broker: reading ``beat_schedule`` loads the app's configuration, no more.

``nextExecution`` is the schedule's ``remaining_estimate`` from the last run (from now for a crontab or solar
entry with no run known); an interval entry with no known run has none, as beat counts it from its own start.
``lastExecution`` is beat's last dispatch of the entry, status STARTED: the run itself happens on a worker
that beat does not hear from.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Optional

from otel_actuator.sources.scheduling import ScheduledTask, TaskExecution, module_globals_of_type

_NAME = re.compile(r"[A-Za-z]+")


class _CeleryTypes(NamedTuple):
    app: type
    service: type
    scheduler: type


class _Entry(NamedTuple):
    """One beat entry as read: its task, its schedule, and its last run when a scheduler knows it."""

    task: str
    schedule: Any
    last_run_at: Optional[_dt.datetime]
    ran: bool


def provider_for(scheduler: Any) -> Optional[CeleryBeatTasks]:
    """The tasks of a Celery app, beat ``Service``, embedded beat thread or beat ``Scheduler``; None otherwise."""
    types = _celery_types()
    if types is None:
        return None
    if isinstance(scheduler, types.app):
        return CeleryBeatTasks(scheduler)
    beat = _beat_scheduler(scheduler, types)
    return None if beat is None else CeleryBeatTasks(beat.app, beat)


def discovered_celery_tasks() -> list[ScheduledTask]:
    """The beat entries of every Celery app (or in-process beat) held by a module global (none before Celery loads)."""
    types = _celery_types()
    if types is None:
        return []
    found = _found(types)
    beats = {id(beat.app): beat for beat in (_beat_scheduler(value, types) for value in found) if beat is not None}
    apps = {id(value): value for value in found if isinstance(value, types.app)}
    apps.update({key: beat.app for key, beat in beats.items()})
    return [task for key, app in apps.items() for task in _tasks(app, beats.get(key))]


class CeleryBeatTasks:
    """Reads one Celery app's beat entries, through its in-process beat scheduler when there is one."""

    def __init__(self, app: Any, scheduler: Optional[Any] = None) -> None:
        self._app = app
        self._scheduler = scheduler

    def __call__(self) -> list[ScheduledTask]:
        scheduler = self._scheduler
        if scheduler is None:
            types = _celery_types()
            if types is not None:
                scheduler = _running_scheduler(self._app, types)
        return _tasks(self._app, scheduler)


def _celery_types() -> Optional[_CeleryTypes]:
    """Celery's app, beat service and beat scheduler classes, when the application has imported Celery."""
    app = getattr(sys.modules.get("celery.app.base"), "Celery", None)
    if not isinstance(app, type):
        return None
    from celery.beat import Scheduler, Service

    return _CeleryTypes(app, Service, Scheduler)


def _found(types: _CeleryTypes) -> list[Any]:
    return module_globals_of_type((types.app, types.service, types.scheduler, threading.Thread), skip=("celery",))


def _running_scheduler(app: Any, types: _CeleryTypes) -> Optional[Any]:
    for value in _found(types):
        beat = _beat_scheduler(value, types)
        if beat is not None and beat.app is app:
            return beat
    return None


def _beat_scheduler(value: Any, types: _CeleryTypes) -> Optional[Any]:
    """The beat scheduler a value holds, only if it exists already (a ``Service`` creates it on first access)."""
    if isinstance(value, threading.Thread):  # beat.EmbeddedService's thread
        value = getattr(value, "service", None)
    if isinstance(value, types.service):
        value = vars(value).get("scheduler")
    return value if isinstance(value, types.scheduler) else None


def _tasks(app: Any, scheduler: Optional[Any]) -> list[ScheduledTask]:
    entries = _scheduler_entries(scheduler) if scheduler is not None else None
    if entries is None:
        entries = _configured_entries(app.conf.beat_schedule or {})
    return [task_of(entry, app) for entry in entries]


def _scheduler_entries(scheduler: Any) -> Optional[list[_Entry]]:
    """A running scheduler's entries; None when its store is closed (beat stopped)."""
    try:
        entries = list(scheduler.schedule.values())
    except Exception:
        return None
    return [_Entry(str(e.task), e.schedule, e.last_run_at, e.total_run_count > 0) for e in entries]


def _configured_entries(beat_schedule: Mapping[str, Any]) -> list[_Entry]:
    return [_Entry(str(entry["task"]), entry["schedule"], None, False) for entry in list(beat_schedule.values())]


def task_of(entry: _Entry, app: Any) -> ScheduledTask:
    """One beat entry as a scheduled task."""
    from celery.schedules import crontab
    from celery.schedules import schedule as interval

    last = TaskExecution(entry.last_run_at, "STARTED") if entry.ran and entry.last_run_at is not None else None
    common: dict[str, Any] = {"target": entry.task, "last_execution": last}
    value = entry.schedule
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = _dt.timedelta(seconds=value)
    if isinstance(value, _dt.timedelta):
        return ScheduledTask(kind="fixedRate", interval_ms=_milliseconds(value), **common)
    bound = copy.copy(value)  # bound to the app for its clock and time zone, as beat binds its own copy
    bound.app = app
    common["next_execution"] = _next_execution(bound, entry.last_run_at, isinstance(value, interval))
    if isinstance(value, crontab):
        return ScheduledTask(kind="cron", expression=spring_cron(value), **common)
    if isinstance(value, interval):
        return ScheduledTask(kind="fixedRate", interval_ms=_milliseconds(value.run_every), **common)
    return ScheduledTask(kind="custom", trigger=str(value), **common)


def spring_cron(schedule: Any) -> str:
    """Spring's six-field expression of a Celery ``crontab`` (second minute hour day month day-of-week)."""
    fields = [
        _cron_field(getattr(schedule, f"_orig_{name}"))
        for name in ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    ]
    fields[-1] = _NAME.sub(lambda m: m.group()[:3].upper(), fields[-1])
    return " ".join(["0", *fields])


def _cron_field(value: Any) -> str:
    """A crontab field as given: text (spaces dropped), a number, or a collection of numbers."""
    if isinstance(value, str):
        return "".join(value.split())
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Iterable):
        return ",".join(str(number) for number in sorted(value))
    return str(value)


def _next_execution(schedule: Any, last_run_at: Optional[_dt.datetime], is_interval: bool) -> Optional[_dt.datetime]:
    if last_run_at is None and is_interval:
        return None
    try:
        now = schedule.now()
        moment: _dt.datetime = now + schedule.remaining_estimate(last_run_at or now)
    except Exception:  # a schedule that cannot say (a solar entry without its ephemeris data ...)
        return None
    # Celery measures from its own "now": to the second, the same entry read twice gives the same time.
    return (moment + _dt.timedelta(microseconds=500_000)).replace(microsecond=0)


def _milliseconds(delta: _dt.timedelta) -> int:
    return int(delta.total_seconds() * 1000)
