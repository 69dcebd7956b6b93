"""Snapshots of Python threads and asyncio tasks in the terms of Java's ThreadInfo.

Thread ids are OS thread ids (``Thread.native_id``, as ``top -H`` and py-spy show them), or the
``threading`` ident where there is none. Each asyncio task of a registered event loop (and of the loop
running the caller) is a pseudo-thread named ``asyncio-task: <name>`` with an id from ``TASK_ID_BASE``
up, kept for the task's life and never reused.

A thread's state comes from the C call its innermost Python frame stands on (see
``otel_actuator.endpoints.threaddump.callsite``); recognised calls appear as a top frame marked native:

* ``time.sleep`` -> TIMED_WAITING;
* a lock's ``acquire`` (``threading``, ``multiprocessing``; ``with lock`` too), ``SimpleQueue.get`` and
  joining a thread -> WAITING, or TIMED_WAITING when a timeout was given; Condition/Event/Queue/
  Semaphore waits end in such an acquire and report the Condition (and ``join`` the Thread) as the
  object waited on;
* socket, ``select``/``selectors`` and SSL calls -> RUNNABLE, as Java reports threads in socket I/O.

Anything else is RUNNABLE. A task is RUNNABLE while it runs or is ready to run, TIMED_WAITING in
``asyncio.sleep`` or ``wait_for`` with a timeout, WAITING otherwise; its stack follows the await chain.

On a Python whose bytecode the call-site reader does not know (``callsite.SUPPORTED_VERSIONS``) every
thread is RUNNABLE, with no lock info and no native top frame, and the first dump says so once at INFO:
a thread shown running is less wrong than one shown waiting on a misread call. Task states do not
depend on bytecode.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import queue
import select
import sys
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any, Optional

from otel_actuator.endpoints.threaddump import callsite
from otel_actuator.endpoints.threaddump.callsite import MISSING, Call, call_at
from otel_actuator.endpoints.threaddump.stacks import StackLine, thread_stacks

_logger = logging.getLogger("otel_actuator")

RUNNABLE = "RUNNABLE"
WAITING = "WAITING"
TIMED_WAITING = "TIMED_WAITING"

TASK_ID_BASE = 1 << 32
MAX_DEPTH = 1024
NATIVE_FILE = "Native Method"


@dataclass(frozen=True)
class Frame:
    class_name: str
    method_name: str
    file_name: str
    line_number: int
    native: bool = False


@dataclass(frozen=True)
class Monitor:
    """The object a thread waits on (Java's LockInfo)."""

    class_name: str
    identity: int
    is_lock: bool = False

    @property
    def name(self) -> str:
        return f"{self.class_name}@{self.identity:x}"


@dataclass(frozen=True)
class ThreadSnapshot:
    thread_id: int
    name: str
    daemon: bool
    state: str
    frames: tuple[Frame, ...]
    waiting_on: Optional[Monitor] = None
    in_native: bool = False


_loops: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
_task_ids: weakref.WeakKeyDictionary[asyncio.Task[Any], int] = weakref.WeakKeyDictionary()
_next_task_id = itertools.count(TASK_ID_BASE)
_task_ids_lock = threading.Lock()


def register_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Show the tasks of this event loop in thread dumps (held weakly; closed loops are skipped)."""
    _loops.add(loop)


def snapshot() -> list[ThreadSnapshot]:
    """Every live thread, then every unfinished task of the known event loops.

    Only each thread's innermost frame is read as a frame object (for its state); the stacks come from
    :func:`~otel_actuator.endpoints.threaddump.stacks.thread_stacks`, which never follows ``f_back``.
    """
    frames = sys._current_frames()
    stacks = thread_stacks()
    # The dumping thread's own frames are safe to walk, and faulthandler lists only 100 threads.
    stacks[threading.get_ident()] = _own_stack()
    states_known = _reads_call_sites()
    result: list[ThreadSnapshot] = []
    for thread in threading.enumerate():
        ident = thread.ident
        if ident is None:
            continue
        native_id = getattr(thread, "native_id", None)
        thread_id = native_id if isinstance(native_id, int) else ident
        frame = frames.pop(ident, None)
        stack = _stack_of(stacks.get(ident), frame)
        result.append(_thread_snapshot(thread_id, thread.name, thread.daemon, frame, stack, states_known))
    # Threads started with _thread directly are unknown to threading; they never block exit.
    for ident, frame in frames.items():
        stack = _stack_of(stacks.get(ident), frame)
        result.append(_thread_snapshot(ident, f"unregistered-{ident}", True, frame, stack, states_known))
    result.extend(_task_snapshots())
    return result


_unknown_bytecode_noted = False


def _reads_call_sites() -> bool:
    """Whether thread states can be read from bytecode here; says once, at INFO, when they cannot."""
    global _unknown_bytecode_noted
    if callsite.reads_this_python():
        return True
    if not _unknown_bytecode_noted:
        _unknown_bytecode_noted = True
        known = ", ".join(f"{major}.{minor}" for major, minor in callsite.SUPPORTED_VERSIONS)
        _logger.info(
            "thread dumps show every thread as RUNNABLE, with no lock info: the call-site reader knows the "
            "bytecode of CPython %s, not of %s %d.%d",
            known,
            sys.implementation.name,
            *sys.version_info[:2],
        )
    return False


def _own_stack() -> list[StackLine]:
    """The calling thread's stack, innermost first (its frames cannot change while it walks them)."""
    lines: list[StackLine] = []
    frame: Optional[FrameType] = sys._getframe(1)
    while frame is not None and len(lines) < MAX_DEPTH:
        described = _describe_frame(frame)
        lines.append(StackLine(described.class_name, described.method_name, described.file_name, described.line_number))
        frame = frame.f_back
    return lines


def _stack_of(lines: Optional[Sequence[StackLine]], frame: Optional[FrameType]) -> tuple[Frame, ...]:
    """The thread's stack; past faulthandler's 100 threads, its innermost frame alone."""
    if lines:
        return tuple(Frame(line.module, line.function, line.file_name, line.line_number) for line in lines[:MAX_DEPTH])
    return (_describe_frame(frame),) if frame is not None else ()


def _thread_snapshot(
    thread_id: int,
    name: str,
    daemon: bool,
    frame: Optional[FrameType],
    stack: tuple[Frame, ...],
    states_known: bool,
) -> ThreadSnapshot:
    wait = _wait_of(frame) if frame is not None and states_known else None
    if wait is None:
        return ThreadSnapshot(thread_id, name, daemon, RUNNABLE, stack)
    frames = stack if wait.frame is None else (wait.frame, *stack)
    return ThreadSnapshot(thread_id, name, daemon, wait.state, frames, wait.monitor, in_native=True)


def _stack(frames: Sequence[FrameType]) -> tuple[Frame, ...]:
    return tuple(_describe_frame(frame) for frame in frames)


def _describe_frame(frame: FrameType) -> Frame:
    code = frame.f_code
    module = frame.f_globals.get("__name__")
    module = module if isinstance(module, str) else "?"
    qualname: str = getattr(code, "co_qualname", code.co_name)
    owner, _, method = qualname.rpartition(".")
    line: Optional[int] = frame.f_lineno
    return Frame(
        class_name=f"{module}.{owner}" if owner else module,
        method_name=method,
        file_name=os.path.basename(code.co_filename),
        line_number=-1 if line is None else line,
    )


# ---- what a thread's innermost frame is calling ------------------------------------------------

_LOCK_TYPES: tuple[type, ...] = (type(threading.Lock()), type(threading.RLock()))
_IO_MODULES = frozenset({"_socket", "socket", "select", "_ssl", "ssl"})


@dataclass(frozen=True)
class _Wait:
    state: str
    frame: Optional[Frame]  # the C call, when we know whose it is
    monitor: Optional[Monitor]


def _wait_of(frame: FrameType) -> Optional[_Wait]:
    try:
        call = call_at(frame)
        return _classify(frame, call) if call is not None else None
    except Exception:  # an instruction sequence the reader did not expect: report the thread as running
        return None


def _classify(frame: FrameType, call: Call) -> Optional[_Wait]:
    receiver = call.receiver
    if call.callee is time.sleep:
        return _Wait(TIMED_WAITING, _native("time", "sleep"), None)
    # Only C code runs under a frame standing on a call, and a C ``acquire`` is a lock's (threading,
    # multiprocessing), so the name is enough even when the receiver is an expression we cannot read.
    if call.name == "acquire" or (call.name == "__enter__" and isinstance(receiver, _LOCK_TYPES)):
        if call.arg(0, "blocking") is False:
            return None
        return _waiting(frame, call, receiver, _timed(call.arg(1, "timeout")))
    if isinstance(receiver, queue.SimpleQueue) and call.name == "get":
        if call.arg(0, "block") is False:
            return None
        return _waiting(frame, call, receiver, _timed(call.arg(1, "timeout")))
    if type(receiver).__name__ == "_ThreadHandle" and call.name == "join":
        return _waiting(frame, call, receiver, _timed(call.arg(0, "timeout")))
    if call.callee is select.select:
        return _Wait(RUNNABLE, _native("select", "select"), None)
    if receiver is not MISSING and type(receiver).__module__ in _IO_MODULES:
        return _Wait(RUNNABLE, _native(_type_name(receiver), call.name), None)
    return None


def _waiting(frame: FrameType, call: Call, receiver: Any, timed: bool) -> _Wait:
    state = TIMED_WAITING if timed else WAITING
    waited = _waited_object(frame)
    target = receiver if waited is MISSING else waited
    if target is MISSING:
        return _Wait(state, None, None)
    monitor = Monitor(_type_name(target), id(target), is_lock=isinstance(target, _LOCK_TYPES))
    native = None if receiver is MISSING else _native(_type_name(receiver), call.name)
    return _Wait(state, native, monitor)


def _monitor_owners() -> frozenset[CodeType]:
    """Code of the threading functions whose ``self`` is what the thread waits on."""
    names = (("Condition", "wait"), ("Thread", "join"), ("Thread", "_wait_for_tstate_lock"))
    functions = [getattr(getattr(threading, owner), name, None) for owner, name in names]
    return frozenset(f.__code__ for f in functions if f is not None)


_MONITOR_OWNERS = _monitor_owners()


def _waited_object(frame: FrameType) -> Any:
    if frame.f_code in _MONITOR_OWNERS:
        return frame.f_locals.get("self", MISSING)
    return MISSING


def _timed(timeout: Any) -> bool:
    """A timeout argument as the waiting call sees it: absent, None or negative means forever."""
    if timeout is MISSING or timeout is None:
        return False
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return timeout >= 0
    return True


def _native(class_name: str, method: str) -> Frame:
    return Frame(class_name, method, NATIVE_FILE, -2, native=True)


def _type_name(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


# ---- asyncio tasks ------------------------------------------------------------------------------


def _task_snapshots() -> list[ThreadSnapshot]:
    loops = set(_loops)
    with contextlib.suppress(RuntimeError):  # not called from inside a loop
        loops.add(asyncio.get_running_loop())
    snapshots: list[ThreadSnapshot] = []
    for loop in loops:
        if loop.is_closed():
            continue
        current = asyncio.current_task(loop)
        snapshots.extend(_task_snapshot(task, task is current) for task in _tasks_of(loop))
    snapshots.sort(key=lambda s: s.thread_id)
    return snapshots


def _tasks_of(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task[Any]]:
    # The loop's thread may add tasks while we read the set; a retry nearly always succeeds.
    for _ in range(3):
        try:
            return list(asyncio.all_tasks(loop))
        except RuntimeError:
            continue
    return []


def _task_id(task: asyncio.Task[Any]) -> int:
    with _task_ids_lock:
        task_id = _task_ids.get(task)
        if task_id is None:
            task_id = _task_ids[task] = next(_next_task_id)
        return task_id


def _task_snapshot(task: asyncio.Task[Any], running: bool) -> ThreadSnapshot:
    chain = _await_chain(task)
    stack = _stack(chain[::-1])
    name = f"asyncio-task: {task.get_name()}"
    # A task is "daemon" in Java's sense: it never keeps the process alive.
    waiter = getattr(task, "_fut_waiter", None)
    if running or waiter is None:
        return ThreadSnapshot(_task_id(task), name, True, RUNNABLE, stack)
    state = TIMED_WAITING if _timed_await(chain) else WAITING
    return ThreadSnapshot(_task_id(task), name, True, state, stack, Monitor(_type_name(waiter), id(waiter)))


def _await_chain(task: asyncio.Task[Any]) -> list[FrameType]:
    """Frames of the task's coroutine and of what it awaits, outermost first."""
    frames: list[FrameType] = []
    awaitable: Any = task.get_coro()
    while awaitable is not None and len(frames) < MAX_DEPTH:
        frame = _first_attr(awaitable, ("cr_frame", "gi_frame", "ag_frame"))
        if not isinstance(frame, FrameType):
            break
        frames.append(frame)
        awaitable = _first_attr(awaitable, ("cr_await", "gi_yieldfrom", "ag_await"))
    return frames


def _first_attr(obj: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


_SLEEP_CODE: CodeType = asyncio.sleep.__code__
_WAIT_FOR_CODE: CodeType = asyncio.wait_for.__code__


def _timed_await(chain: Sequence[FrameType]) -> bool:
    for frame in chain:
        if frame.f_code is _SLEEP_CODE:
            return True
        if frame.f_code is _WAIT_FOR_CODE and frame.f_locals.get("timeout") is not None:
            return True
    return False
