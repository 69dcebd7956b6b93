"""APScheduler 3 jobs as Spring's scheduled tasks.

* a ``CronTrigger`` is a cron task with Spring's six-field expression (second minute hour day month
  day-of-week; APScheduler's Monday-first day numbers become Spring's, ``0-4`` -> ``1-5``); one with a
  ``year`` or ``week`` field has no Spring form and is a custom task;
* an ``IntervalTrigger`` is a fixed-rate task (APScheduler runs it at ``start_date`` + n x interval);
* any other trigger (``DateTrigger``, ``OrTrigger`` ...) is a custom task showing the trigger's text.

``nextExecution`` is the job's next run time. ``lastExecution`` comes from the scheduler's job events,
so it is known for runs after the scheduler was first watched: registered with
``actuator.add_scheduler(scheduler)``, or found in a module global by the first scheduledtasks read.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import re
import sys
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Optional

from otel_actuator.sources.naming import qualified_name

_SPRING_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")
_NUMBER_NOT_STEP = re.compile(r"(?<![/\d])\d+")


@dataclass(frozen=True)
class TaskExecution:
    """How a scheduled task's last run went: STARTED, SUCCESS or ERROR (with the exception)."""

    time: _dt.datetime
    status: str
    exception_type: Optional[str] = None
    exception_message: Optional[str] = None


@dataclass(frozen=True)
class ScheduledTask:
    """One scheduled task in Spring's terms: ``kind`` is cron, fixedDelay, fixedRate or custom."""

    target: str
    kind: str
    expression: Optional[str] = None
    interval_ms: Optional[int] = None
    initial_delay_ms: Optional[int] = None
    trigger: Optional[str] = None
    next_execution: Optional[_dt.datetime] = None
    last_execution: Optional[TaskExecution] = None


_watch_lock = threading.Lock()
_watched: weakref.WeakKeyDictionary[Any, SchedulerTasks] = weakref.WeakKeyDictionary()


def watch(scheduler: Any) -> SchedulerTasks:
    """The tasks of one APScheduler scheduler, watched from now on (once per scheduler per process)."""
    with _watch_lock:
        tasks = _watched.get(scheduler)
        if tasks is None:
            tasks = _watched[scheduler] = SchedulerTasks(scheduler)
        return tasks


def discovered_apscheduler_tasks() -> list[ScheduledTask]:
    """The tasks of every scheduler held by a module global (none before APScheduler loads)."""
    base_module = sys.modules.get("apscheduler.schedulers.base")
    base = getattr(base_module, "BaseScheduler", None)
    if not isinstance(base, type):
        return []
    schedulers = module_globals_of_type((base,), skip=("apscheduler",))
    return [task for scheduler in schedulers for task in watch(scheduler)()]


def module_globals_of_type(types: tuple[type, ...], skip: tuple[str, ...]) -> list[Any]:
    """The distinct objects of ``types`` that module globals hold, outside the modules named ``skip*``.

    Only reads what is already imported: nothing is imported, created or called.
    """
    found: dict[int, Any] = {}
    for name, module in list(sys.modules.items()):
        if module is None or name.startswith((*skip, "otel_actuator")):
            continue
        try:
            values = list(vars(module).values())
        except TypeError:
            continue
        for value in values:
            if isinstance(value, types):
                found.setdefault(id(value), value)
    return list(found.values())


class SchedulerTasks:
    """Reads one scheduler's jobs; listens to its job events for each job's last execution."""

    def __init__(self, scheduler: Any) -> None:
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED

        self._submitted, self._executed, self._error = EVENT_JOB_SUBMITTED, EVENT_JOB_EXECUTED, EVENT_JOB_ERROR
        self._lock = threading.Lock()
        self._last: dict[str, TaskExecution] = {}  # by job id
        self._finished_run: dict[str, Any] = {}  # job id -> scheduled run time of its last finished run
        scheduler.add_listener(self._on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self._scheduler = weakref.ref(scheduler)

    def __call__(self) -> list[ScheduledTask]:
        scheduler = self._scheduler()
        if scheduler is None:
            return []
        with self._lock:
            last = dict(self._last)
        return [task_of(job, last.get(job.id)) for job in scheduler.get_jobs()]

    def _on_event(self, event: Any) -> None:
        key = event.job_id
        now = _dt.datetime.now(_dt.timezone.utc)
        with self._lock:
            if event.code == self._submitted:
                # A quick job can finish on its worker before the scheduler thread reports its submission.
                if self._finished_run.get(key) not in event.scheduled_run_times:
                    self._last[key] = TaskExecution(now, "STARTED")
                return
            self._finished_run[key] = event.scheduled_run_time
            started = self._last.get(key)
            began = started.time if started is not None and started.status == "STARTED" else now
            exception = getattr(event, "exception", None)
            if event.code == self._error and exception is not None:
                self._last[key] = TaskExecution(began, "ERROR", _type_name(exception), str(exception))
            else:
                self._last[key] = TaskExecution(began, "SUCCESS")


def task_of(job: Any, last: Optional[TaskExecution] = None) -> ScheduledTask:
    """One APScheduler job as a scheduled task."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    target = _target(job)
    trigger = job.trigger
    next_run = getattr(job, "next_run_time", None)
    common: dict[str, Any] = {"target": target, "next_execution": next_run, "last_execution": last}
    if isinstance(trigger, CronTrigger):
        expression = spring_cron(trigger)
        if expression is not None:
            return ScheduledTask(kind="cron", expression=expression, **common)
    elif isinstance(trigger, IntervalTrigger):
        interval_ms = int(trigger.interval.total_seconds() * 1000)
        return ScheduledTask(kind="fixedRate", interval_ms=interval_ms, **common)
    return ScheduledTask(kind="custom", trigger=str(trigger), **common)


def _target(job: Any) -> str:
    """``module.function`` as Spring names ``class.method``; a job given by text reference keeps it."""
    func = getattr(job, "func", None)
    module, qualname = getattr(func, "__module__", None), getattr(func, "__qualname__", None)
    if module and qualname:
        return qualified_name(module, qualname)
    if isinstance(job.func_ref, str):
        return job.func_ref.replace(":", ".")
    return str(job.name)


def spring_cron(trigger: Any) -> Optional[str]:
    """Spring's six-field expression of a ``CronTrigger``; None when a year or week field is set."""
    fields = {field.name: field for field in trigger.fields}
    if any(not fields[name].is_default for name in ("year", "week")):
        return None
    parts = []
    for name in _SPRING_FIELDS:
        text = str(fields[name])
        if name == "day_of_week":
            # APScheduler counts days from Monday = 0, Spring from Sunday = 0 (Monday = 1).
            text = _NUMBER_NOT_STEP.sub(lambda m: str(int(m.group()) + 1), text).upper()
        parts.append(text)
    return " ".join(parts)


def _type_name(exception: BaseException) -> str:
    cls = type(exception)
    if cls.__module__ == builtins.__name__:
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"
