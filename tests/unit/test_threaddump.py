from __future__ import annotations

import asyncio
import datetime as dt
import queue
import socket
import threading
import time
from typing import Any, Callable

from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Response
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from otel_actuator.endpoints import threaddump
from otel_actuator.endpoints.threaddump import snapshot as threads
from otel_actuator.endpoints.threaddump.snapshot import ThreadSnapshot
from otel_actuator.settings import Settings
from tests.support.polling import eventually
from tests.support.requests import call, json_of

JAVA_FIELDS = {
    "threadName",
    "threadId",
    "blockedTime",
    "blockedCount",
    "waitedTime",
    "waitedCount",
    "lockName",
    "lockOwnerId",
    "lockOwnerName",
    "daemon",
    "inNative",
    "suspended",
    "threadState",
    "priority",
    "stackTrace",
    "lockedMonitors",
    "lockedSynchronizers",
    "lockInfo",
}
FRAME_FIELDS = {
    "classLoaderName",
    "moduleName",
    "moduleVersion",
    "methodName",
    "fileName",
    "lineNumber",
    "nativeMethod",
    "className",
}


def _find(
    name: str, settled: Callable[[ThreadSnapshot], bool] = lambda s: s.state != threads.RUNNABLE
) -> ThreadSnapshot:
    """The named thread once it has reached its blocking call (it may still be on its way there)."""

    def settled_thread() -> ThreadSnapshot:
        found = [s for s in threads.snapshot() if s.name == name]
        assert found and settled(found[0]), found
        return found[0]

    return eventually(settled_thread, timeout=10, what=f"{name} to settle", interval=0.01)


def _start(name: str, target: Callable[[], Any]) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def block_on_lock(lock: threading.Lock) -> None:
    lock.acquire()
    lock.release()


def test_thread_blocked_on_a_lock_is_waiting_with_its_frame() -> None:
    lock = threading.Lock()
    lock.acquire()
    try:
        thread = _start("blocked-on-lock", lambda: block_on_lock(lock))
        snapshot = _find("blocked-on-lock")
    finally:
        lock.release()
    assert snapshot.state == threads.WAITING
    assert snapshot.thread_id == thread.native_id
    assert snapshot.daemon
    assert snapshot.in_native
    top, caller = snapshot.frames[0], snapshot.frames[1]
    assert (top.class_name, top.method_name, top.native) == ("_thread.lock", "acquire", True)
    assert (caller.class_name, caller.method_name) == (__name__, "block_on_lock")
    assert caller.file_name == "test_threaddump.py"
    assert snapshot.waiting_on is not None
    assert snapshot.waiting_on.identity == id(lock)
    assert snapshot.waiting_on.name == f"_thread.lock@{id(lock):x}"


def test_with_lock_and_timed_acquire() -> None:
    lock = threading.Lock()
    lock.acquire()

    def enter() -> None:
        with lock:
            pass

    def acquire_timed() -> None:
        if lock.acquire(timeout=60):
            lock.release()

    try:
        _start("with-lock", enter)
        _start("timed-acquire", acquire_timed)
        entering = _find("with-lock")
        timed = _find("timed-acquire")
    finally:
        lock.release()
    assert entering.state == threads.WAITING
    assert entering.frames[0].method_name == "__enter__"
    assert timed.state == threads.TIMED_WAITING


def test_sleeping_thread_is_timed_waiting(release: threading.Event) -> None:
    def nap_until_released() -> None:
        while not release.is_set():
            time.sleep(0.05)

    _start("sleeper", nap_until_released)
    snapshot = _find("sleeper")
    assert snapshot.state == threads.TIMED_WAITING
    assert (snapshot.frames[0].class_name, snapshot.frames[0].method_name) == ("time", "sleep")
    assert snapshot.waiting_on is None


def test_condition_event_and_queue_waits_report_what_they_wait_on(release: threading.Event) -> None:
    condition = threading.Condition()
    jobs: queue.Queue[int] = queue.Queue()

    def wait_condition() -> None:
        with condition:
            condition.wait()

    _start("on-condition", wait_condition)
    _start("on-event", lambda: release.wait(3600))
    _start("on-queue", jobs.get)
    try:
        on_condition = _find("on-condition")
        on_event = _find("on-event")
        on_queue = _find("on-queue")
    finally:
        with condition:
            condition.notify_all()
        jobs.put(1)
    assert on_condition.state == threads.WAITING
    assert on_condition.waiting_on is not None
    assert on_condition.waiting_on.identity == id(condition)
    assert on_condition.waiting_on.class_name == "threading.Condition"
    assert on_event.state == threads.TIMED_WAITING
    assert on_queue.state == threads.WAITING
    assert on_queue.waiting_on is not None
    assert on_queue.waiting_on.identity == id(jobs.not_empty)


def test_joining_thread_waits_on_the_thread(release: threading.Event) -> None:
    target = _start("join-target", release.wait)
    _start("joiner", target.join)
    snapshot = _find("joiner")
    assert snapshot.state == threads.WAITING
    assert snapshot.waiting_on is not None
    assert snapshot.waiting_on.identity == id(target)


class Pacer:
    def __init__(self, lock: threading.Lock) -> None:
        self.interval = 0.1
        self.patience = 3600
        self.lock = lock

    def current(self) -> threading.Lock:
        return self.lock


def test_calls_with_computed_arguments_or_receivers_are_recognised(release: threading.Event) -> None:
    lock = threading.Lock()
    lock.acquire()
    pacer = Pacer(lock)

    def computed_delay() -> None:
        while not release.is_set():
            time.sleep(max(0.01, pacer.interval) / 2)

    def computed_receiver() -> None:
        if pacer.current().acquire(True, pacer.patience / 2):
            lock.release()

    try:
        _start("computed-delay", computed_delay)
        _start("computed-receiver", computed_receiver)
        delay = _find("computed-delay")
        receiver = _find("computed-receiver")
    finally:
        lock.release()
    assert delay.state == threads.TIMED_WAITING
    assert (delay.frames[0].class_name, delay.frames[0].method_name) == ("time", "sleep")
    # The lock is a call's result, which is never evaluated: the thread waits, on something unnamed.
    assert receiver.state == threads.TIMED_WAITING
    assert receiver.frames[0].method_name == "computed_receiver"
    assert receiver.waiting_on is None


def test_simple_queue_and_socket_io(release: threading.Event) -> None:
    jobs: queue.SimpleQueue[int] = queue.SimpleQueue()
    server = socket.create_server(("127.0.0.1", 0))
    try:
        _start("simple-queue", lambda: jobs.get(timeout=3600))
        _start("accepting", server.accept)
        on_queue = _find("simple-queue")
        accepting = _find("accepting", lambda s: s.in_native)
    finally:
        jobs.put(1)
        socket.create_connection(server.getsockname()).close()
        server.close()
    assert on_queue.state == threads.TIMED_WAITING
    assert on_queue.waiting_on is not None
    assert on_queue.waiting_on.identity == id(jobs)
    # Like Java's socket reads: a thread in socket I/O is RUNNABLE, in native code.
    assert accepting.state == threads.RUNNABLE
    assert accepting.frames[0].native
    assert accepting.frames[0].class_name == "socket.socket"


def test_the_dumping_thread_is_runnable() -> None:
    mine = next(s for s in threads.snapshot() if s.name == threading.current_thread().name)
    assert mine.state == threads.RUNNABLE
    assert any(f.method_name == "test_the_dumping_thread_is_runnable" for f in mine.frames)


# ---- asyncio tasks ------------------------------------------------------------------------------


async def nap() -> None:
    await asyncio.sleep(3600)


async def idle(event: asyncio.Event) -> None:
    await event.wait()


def test_tasks_of_a_registered_loop_are_pseudo_threads() -> None:
    loop = asyncio.new_event_loop()
    threads.register_loop(loop)
    started = threading.Event()
    tasks: list[asyncio.Task[None]] = []

    async def setup() -> None:
        waiter = asyncio.Event()
        tasks.append(asyncio.get_running_loop().create_task(nap(), name="napper"))
        tasks.append(asyncio.get_running_loop().create_task(idle(waiter), name="idler"))
        started.set()

    def run() -> None:
        loop.run_until_complete(setup())
        loop.run_forever()

    runner = _start("loop-runner", run)
    assert started.wait(10)
    try:
        napper = _find("asyncio-task: napper", lambda s: s.state == threads.TIMED_WAITING)
        idler = _find("asyncio-task: idler", lambda s: s.state == threads.WAITING)
    finally:

        async def shutdown() -> None:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        runner.join(10)
        loop.close()
    assert napper.thread_id >= threads.TASK_ID_BASE
    assert napper.thread_id != idler.thread_id
    assert [f.method_name for f in napper.frames][:2] == ["sleep", "nap"]
    assert [f.method_name for f in idler.frames][-1] == "idle"
    # Python 3.11+ names the class (co_qualname); older versions only the module.
    assert any(f.method_name == "wait" and f.class_name.startswith("asyncio.locks") for f in idler.frames)
    assert napper.waiting_on is not None
    # A closed loop is skipped.
    assert not any(s.name == "asyncio-task: napper" for s in threads.snapshot())


def test_the_running_task_of_the_calling_loop_is_runnable_and_ids_are_stable() -> None:
    async def main() -> tuple[list[ThreadSnapshot], list[ThreadSnapshot]]:
        asyncio.current_task().set_name("dumper")  # type: ignore[union-attr]
        return threads.snapshot(), threads.snapshot()

    first, second = asyncio.run(main())
    dumper = [s for s in first if s.name == "asyncio-task: dumper"]
    assert len(dumper) == 1
    assert dumper[0].state == threads.RUNNABLE
    assert dumper[0].frames[-1].method_name == "main"
    assert [s.thread_id for s in second if s.name == "asyncio-task: dumper"] == [dumper[0].thread_id]


# ---- endpoint -----------------------------------------------------------------------------------


def _dispatcher() -> Dispatcher:
    settings = Settings(exposure_include=("*",))
    return Dispatcher(settings.http_policy(), threaddump.create())


def _get(accept: str) -> Response:
    return call(_dispatcher(), "GET", "/threaddump", accept=accept)


def test_json_has_every_java_field_under_v2(release: threading.Event) -> None:
    _start("v2-sleeper", lambda: release.wait(3600))
    _find("v2-sleeper")
    response = _get(V2_JSON)
    assert response.header("content-type") == V2_JSON
    infos = json_of(response)["threads"]
    info = next(t for t in infos if t["threadName"] == "v2-sleeper")
    assert set(info) == JAVA_FIELDS
    assert info["threadState"] == "TIMED_WAITING"
    assert info["lockOwnerId"] is None
    assert info["lockOwnerName"] is None
    assert info["blockedTime"] is None
    assert info["priority"] == 5
    assert info["lockedMonitors"] == []
    assert info["lockName"].startswith("threading.Condition@")
    assert info["lockInfo"]["className"] == "threading.Condition"
    assert all(set(frame) == FRAME_FIELDS for frame in info["stackTrace"])
    top, caller = info["stackTrace"][:2]
    assert top["nativeMethod"] is True
    assert (top["fileName"], top["lineNumber"]) == (caller["fileName"], caller["lineNumber"])


def test_json_omits_nulls_under_v3() -> None:
    response = _get(V3_JSON)
    assert response.header("content-type") == V3_JSON
    infos = json_of(response)["threads"]
    mine = next(t for t in infos if t["threadName"] == threading.current_thread().name)
    assert mine["threadState"] == "RUNNABLE"
    assert "lockName" not in mine
    assert "lockInfo" not in mine
    assert "lockOwnerName" not in mine
    assert "classLoaderName" not in mine["stackTrace"][0]
    assert {"className", "methodName", "fileName", "lineNumber", "nativeMethod"} <= set(mine["stackTrace"][0])


def test_text_plain_is_a_java_style_dump() -> None:
    lock = threading.Lock()
    lock.acquire()
    try:
        _start("text-blocked", lambda: block_on_lock(lock))
        _find("text-blocked")
        response = _get("text/plain")
    finally:
        lock.release()
    assert response.status == 200
    assert response.header("content-type") == "text/plain;charset=UTF-8"
    text = response.body.decode()
    first_line, second_line = text.splitlines()[:2]
    dt.datetime.strptime(first_line, "%Y-%m-%d %H:%M:%S")
    assert second_line.startswith("Full thread dump ") and second_line.endswith("):")
    block = text.split('"text-blocked" - Thread t@', 1)[1].split("\n\n", 1)[0]
    assert "   java.lang.Thread.State: WAITING\n" in block
    assert "\tat _thread.lock.acquire(Native Method)\n" in block
    assert f"\t- parking to wait for <{id(lock):x}> (a _thread.lock)\n" in block
    assert f"\tat {__name__}.block_on_lock(test_threaddump.py:" in block
    assert "   Locked ownable synchronizers:\n\t- None\n" in text


def test_text_format_of_a_condition_wait() -> None:
    snapshot = ThreadSnapshot(
        7,
        "worker",
        False,
        threads.TIMED_WAITING,
        (threads.Frame("threading.Condition", "wait", "threading.py", 320),),
        threads.Monitor("threading.Condition", 0xABC),
    )
    text = threaddump.format_text([snapshot], dt.datetime(2025, 5, 22, 20, 3, 14))
    assert text.startswith("2025-05-22 20:03:14\nFull thread dump ")
    assert text.endswith(
        '"worker" - Thread t@7\n'
        "   java.lang.Thread.State: TIMED_WAITING\n"
        "\tat threading.Condition.wait(threading.py:320)\n"
        "\t- waiting on <abc> (a threading.Condition)\n"
        "\n"
        "   Locked ownable synchronizers:\n"
        "\t- None\n"
        "\n"
    )
