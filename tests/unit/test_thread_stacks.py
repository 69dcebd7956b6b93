"""Thread stacks read through faulthandler instead of ``f_back`` (which can crash CPython 3.11 on other threads)."""

from __future__ import annotations

import threading

from otel_actuator.endpoints.threaddump.stacks import StackLine, parse, thread_stacks

SAMPLE = """Thread 0x00007f3fab7ee6c0 (most recent call first):
  <no Python frame>

Current thread 0x00007f3facff16c0 (most recent call first):
  File "/srv/app/snapshot.py", line 160 in _frame_chain
  File "/srv/app/views.py", line ??? in dump
  File "/usr/lib/python3.11/threading.py", line 982 in run
"""


def test_faulthandler_text_becomes_stacks_innermost_first() -> None:
    stacks = parse(SAMPLE, {"/usr/lib/python3.11/threading.py": "threading"})
    assert stacks[0x7F3FAB7EE6C0] == []
    assert stacks[0x7F3FACFF16C0] == [
        StackLine("snapshot", "_frame_chain", "snapshot.py", 160),
        StackLine("views", "dump", "views.py", -1),
        StackLine("threading", "run", "threading.py", 982),
    ]


def test_another_threads_stack_names_its_functions_and_modules() -> None:
    ready, release = threading.Event(), threading.Event()

    def parked_worker() -> None:
        ready.set()
        release.wait()

    worker = threading.Thread(target=parked_worker, name="parked")
    worker.start()
    try:
        ready.wait()
        assert worker.ident is not None
        stack = thread_stacks()[worker.ident]
        functions = [line.function for line in stack]
        assert functions.index("wait") < functions.index("parked_worker") < functions.index("run")
        assert next(line for line in stack if line.function == "parked_worker").module == __name__
        assert next(line for line in stack if line.function == "run").module == "threading"
    finally:
        release.set()
        worker.join()


def test_past_a_hundred_threads_every_thread_is_listed_and_the_dumper_keeps_its_stack() -> None:
    from otel_actuator.endpoints.threaddump.snapshot import snapshot

    release = threading.Event()
    parked = [threading.Thread(target=release.wait, name=f"parked-{n}") for n in range(110)]
    for thread in parked:
        thread.start()
    try:
        snapshots = {s.name: s for s in snapshot()}
        assert all(f"parked-{n}" in snapshots for n in range(110))
        assert all(snapshots[f"parked-{n}"].frames for n in range(110)), "each thread has at least its top frame"
        mine = snapshots[threading.current_thread().name]
        names = [frame.method_name for frame in mine.frames]
        assert "test_past_a_hundred_threads_every_thread_is_listed_and_the_dumper_keeps_its_stack" in names
    finally:
        release.set()
        for thread in parked:
            thread.join()
