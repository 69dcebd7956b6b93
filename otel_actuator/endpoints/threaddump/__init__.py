"""``threaddump``: Python threads and asyncio tasks as Java ThreadInfo JSON, or a Java-like text dump.

Java fields Python has no counterpart for get Java's "not measured" values: blockedTime/waitedTime -1,
blockedCount/waitedCount 0, lockOwnerId -1, priority 5, no locked monitors or synchronizers. How ids,
states and task pseudo-threads are derived is described in ``otel_actuator.endpoints.threaddump.snapshot``.
"""

from __future__ import annotations

import datetime as _dt
import platform
import sys
from typing import Any

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.negotiation import JSON_AND_TEXT, TEXT_PLAIN
from otel_actuator.endpoints.threaddump import snapshot as threads

TEXT_CONTENT_TYPE = "text/plain;charset=UTF-8"


def create() -> list[Endpoint]:
    return [Endpoint("threaddump", (Operation("GET", dump, produces=JSON_AND_TEXT),))]


def dump(ctx: OperationContext) -> Result:
    snapshots = threads.snapshot()
    if ctx.media_type == TEXT_PLAIN:
        return Result(format_text(snapshots, _dt.datetime.now()), content_type=TEXT_CONTENT_TYPE)
    return Result({"threads": [thread_info(s) for s in snapshots]})


def thread_info(snapshot: threads.ThreadSnapshot) -> dict[str, Any]:
    monitor = snapshot.waiting_on
    return {
        "threadName": snapshot.name,
        "threadId": snapshot.thread_id,
        "blockedTime": -1,
        "blockedCount": 0,
        "waitedTime": -1,
        "waitedCount": 0,
        "lockName": monitor.name if monitor else None,
        "lockOwnerId": -1,
        "lockOwnerName": None,
        "daemon": snapshot.daemon,
        "inNative": snapshot.in_native,
        "suspended": False,
        "threadState": snapshot.state,
        "priority": 5,
        "stackTrace": [_stack_element(frame) for frame in snapshot.frames],
        "lockedMonitors": [],
        "lockedSynchronizers": [],
        "lockInfo": {"className": monitor.class_name, "identityHashCode": monitor.identity} if monitor else None,
    }


def _stack_element(frame: threads.Frame) -> dict[str, Any]:
    return {
        "classLoaderName": None,
        "moduleName": None,
        "moduleVersion": None,
        "methodName": frame.method_name,
        "fileName": frame.file_name,
        "lineNumber": frame.line_number,
        "nativeMethod": frame.native,
        "className": frame.class_name,
    }


def format_text(snapshots: list[threads.ThreadSnapshot], now: _dt.datetime) -> str:
    """The layout of Spring Boot's plain-text thread dump (itself jstack's)."""
    lines = [
        now.strftime("%Y-%m-%d %H:%M:%S"),
        f"Full thread dump {platform.python_implementation()} ({platform.python_version()} {sys.platform}):",
        "",
    ]
    for snapshot in snapshots:
        lines.append(f'"{snapshot.name}" - Thread t@{snapshot.thread_id}')
        lines.append(f"   java.lang.Thread.State: {snapshot.state}")
        for depth, frame in enumerate(snapshot.frames):
            lines.append(f"\tat {_frame_text(frame)}")
            if depth == 0 and snapshot.waiting_on is not None:
                lines.append(f"\t- {_wait_text(snapshot.waiting_on)}")
        lines += ["", "   Locked ownable synchronizers:", "\t- None", ""]
    return "\n".join(lines) + "\n"


def _frame_text(frame: threads.Frame) -> str:
    if frame.native:
        where = "Native Method"
    elif frame.line_number >= 0:
        where = f"{frame.file_name}:{frame.line_number}"
    else:
        where = frame.file_name
    return f"{frame.class_name}.{frame.method_name}({where})"


def _wait_text(monitor: threads.Monitor) -> str:
    verb = "parking to wait for" if monitor.is_lock else "waiting on"
    return f"{verb} <{monitor.identity:x}> (a {monitor.class_name})"
