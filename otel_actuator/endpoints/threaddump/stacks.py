"""Every thread's Python stack, read the way ``faulthandler`` reads it.

Walking ``frame.f_back`` from ``sys._current_frames()`` can crash CPython 3.11 when the caller of another
thread's frame is not complete yet (python/cpython#111363, also seen by profilers). ``faulthandler`` walks
the interpreter's own frame list without making frame objects, so a thread dump cannot take the process
down. It gives file, line and function name per frame (no qualified name, so a method's class shows as
its module), at most 100 frames and 100 threads.
"""

from __future__ import annotations

import faulthandler
import os
import re
import sys
import tempfile
from typing import NamedTuple

_THREAD = re.compile(r"^(?:Current thread|Thread) 0x([0-9a-fA-F]+)")
_FRAME = re.compile(r'^  File "(.*)", line (\d+|\?\?\?) in (.*)$')


class StackLine(NamedTuple):
    module: str
    function: str
    file_name: str
    line_number: int


def thread_stacks() -> dict[int, list[StackLine]]:
    """Thread ident -> its frames, innermost first."""
    with tempfile.TemporaryFile() as out:
        faulthandler.dump_traceback(out, all_threads=True)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return parse(text, _modules_by_file())


def parse(text: str, modules: dict[str, str]) -> dict[int, list[StackLine]]:
    """``faulthandler``'s text -> stacks; files no loaded module owns are named after the file."""
    stacks: dict[int, list[StackLine]] = {}
    current: list[StackLine] = []
    for line in text.splitlines():
        thread = _THREAD.match(line)
        if thread is not None:
            current = stacks.setdefault(int(thread.group(1), 16), [])
            continue
        frame = _FRAME.match(line)
        if frame is None:
            continue
        path, number, function = frame.groups()
        module = modules.get(path) or os.path.splitext(os.path.basename(path))[0]
        current.append(StackLine(module, function, os.path.basename(path), int(number) if number.isdigit() else -1))
    return stacks


def _modules_by_file() -> dict[str, str]:
    modules: dict[str, str] = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str):
            modules.setdefault(path, name)
    return modules
