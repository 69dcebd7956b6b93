"""GET /scheduledtasks: the application's scheduled tasks in Spring Boot's shape.

Spring Boot 3.4 added ``nextExecution`` and ``lastExecution``; a Spring Boot 2 body leaves both out.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.negotiation import ApiVersion
from otel_actuator.endpoints.startup import instant

if TYPE_CHECKING:
    from otel_actuator.sources import Sources
    from otel_actuator.sources.scheduling import ScheduledTask

_logger = logging.getLogger("otel_actuator")

KINDS = ("cron", "fixedDelay", "fixedRate", "custom")


def create(sources: Sources) -> list[Endpoint]:
    def read(ctx: OperationContext) -> Result:
        body: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        with_executions = ctx.api_version is not ApiVersion.V2
        for task in _tasks(sources):
            body.setdefault(task.kind, []).append(_describe(task, with_executions))
        return Result(body)

    return [
        Endpoint(
            id="scheduledtasks",
            operations=(Operation("GET", read, blocking=True),),
            available=lambda: bool(sources.scheduled_tasks),
        )
    ]


def _tasks(sources: Sources) -> list[ScheduledTask]:
    """Every provider's tasks; a scheduler both found and registered is listed once."""
    tasks: dict[ScheduledTask, None] = {}
    for provider in list(sources.scheduled_tasks):
        try:
            tasks.update(dict.fromkeys(provider()))
        except Exception:
            _logger.warning("a scheduled tasks provider failed; its tasks are left out", exc_info=True)
    return list(tasks)


def _describe(task: ScheduledTask, with_executions: bool) -> dict[str, Any]:
    described: dict[str, Any] = {"runnable": {"target": task.target}}
    if task.kind == "cron":
        described["expression"] = task.expression
    elif task.kind == "custom":
        described["trigger"] = task.trigger
    else:
        described["initialDelay"] = task.initial_delay_ms
        described["interval"] = task.interval_ms
    if not with_executions:
        return described
    if task.next_execution is not None:
        described["nextExecution"] = {"time": instant(task.next_execution)}
    last = task.last_execution
    if last is not None:
        execution: dict[str, Any] = {"time": instant(last.time), "status": last.status}
        if last.exception_type is not None:
            execution["exception"] = {"type": last.exception_type, "message": last.exception_message}
        described["lastExecution"] = execution
    return described
