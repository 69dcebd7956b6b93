"""``threaddump``: Python threads and asyncio tasks as Java ThreadInfo JSON, or a Java-like text dump.

Java fields Python has no counterpart for are null (omitted under v3): blockedTime, waitedTime and
lockOwnerId, whose Java "not measured" -1 SBA would print as it is; blockedCount/waitedCount are 0,
priority 5, no locked monitors or synchronizers. A C call on top of a stack (``time.sleep``, a lock's
``acquire``) keeps ``nativeMethod`` (SBA's "native" tag) and, in JSON, the file and line it was called
from, so SBA shows ``time.sleep(app.py:42)`` rather than Java's ``(Native Method:-2)``; the text dump
keeps jstack's ``(Native Method)``. How ids, states and task pseudo-threads are derived is described in
``otel_actuator.endpoints.threaddump.snapshot``.
"""

from __future__ import annotations

import datetime as _dt
import platform
import sys
from collections.abc import Sequence
from typing import Any, Optional

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.negotiation import JSON_AND_TEXT, TEXT_PLAIN
from otel_actuator.endpoints.threaddump import snapshot as threads

TEXT_CONTENT_TYPE = "text/plain;charset=UTF-8"
#: Where a native frame with no Python caller (none is known today) says it runs.
BUILT_IN_FILE = "<built-in>"


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
        "blockedTime": None,
        "blockedCount": 0,
        "waitedTime": None,
        "waitedCount": 0,
        "lockName": monitor.name if monitor else None,
        "lockOwnerId": None,
        "lockOwnerName": None,
        "daemon": snapshot.daemon,
        "inNative": snapshot.in_native,
        "suspended": False,
        "threadState": snapshot.state,
        "priority": 5,
        "stackTrace": _stack_trace(snapshot.frames),
        "lockedMonitors": [],
        "lockedSynchronizers": [],
        "lockInfo": {"className": monitor.class_name, "identityHashCode": monitor.identity} if monitor else None,
    }


def _stack_trace(frames: Sequence[threads.Frame]) -> list[dict[str, Any]]:
    # A native frame is placed where its caller stands: the line that made the C call.
    callers: list[Optional[threads.Frame]] = [*frames[1:], None]
    return [_stack_element(frame, caller if frame.native else frame) for frame, caller in zip(frames, callers)]


def _stack_element(frame: threads.Frame, where: Optional[threads.Frame]) -> dict[str, Any]:
    return {
        "classLoaderName": None,
        "moduleName": None,
        "moduleVersion": None,
        "methodName": frame.method_name,
        "fileName": where.file_name if where else BUILT_IN_FILE,
        "lineNumber": where.line_number if where else -1,
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
