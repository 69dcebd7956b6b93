"""What a live frame is calling, read from the bytecode instruction it stands on.

A thread blocked in C code (a lock, ``time.sleep``, a socket) shows no frame for that call; its innermost
Python frame stands on the call instruction instead. From it we read the callee's name and, without
running any code, the receiver and arguments that are plain names, constants or attributes of those
(locals and globals are looked up, attributes read with ``inspect.getattr_static``). Other arguments
are ``UNKNOWN``; an argument that branches (``a if c else b``) hides the call altogether.

Bytecode changes with every CPython minor version, and misread bytecode would name the wrong call, so the
reader is only used on the versions in ``SUPPORTED_VERSIONS``, whose bytecode it was written for and
checked against; callers ask :func:`reads_this_python` first.
"""

from __future__ import annotations

import builtins
import dis
import functools
import inspect
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any, Optional

#: CPython (major, minor) versions whose bytecode this reader knows.
SUPPORTED_VERSIONS: tuple[tuple[int, int], ...] = ((3, 9), (3, 10), (3, 11), (3, 12), (3, 13))

MISSING: Any = object()  # a name or attribute we could not resolve without running code
UNKNOWN: Any = object()  # an argument that was passed but is an expression we do not evaluate

_CALLS = frozenset({"CALL", "CALL_KW", "CALL_FUNCTION", "CALL_FUNCTION_KW", "CALL_METHOD"})
_KW_CALLS = frozenset({"CALL_KW", "CALL_FUNCTION_KW"})
_WITH = frozenset({"SETUP_WITH", "BEFORE_WITH"})
_NOISE = frozenset({"PRECALL", "KW_NAMES", "PUSH_NULL", "CACHE", "EXTENDED_ARG", "NOP"})
_LOCAL_LOADS = frozenset({"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_DEREF", "LOAD_CLASSDEREF"})
_NAME_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_ATTR_LOADS = frozenset({"LOAD_ATTR", "LOAD_METHOD"})
_CALLEE_LOADS = _ATTR_LOADS | _LOCAL_LOADS | _NAME_LOADS
_JUMPS = frozenset(dis.hasjrel) | frozenset(dis.hasjabs)


def reads_this_python() -> bool:
    """Whether the running interpreter's bytecode is one this reader knows."""
    return sys.implementation.name == "cpython" and sys.version_info[:2] in SUPPORTED_VERSIONS


@dataclass(frozen=True)
class Call:
    """``receiver.name(*args, **kwargs)``; ``callee`` is what ``name`` resolves to (a function or descriptor)."""

    name: str
    receiver: Any
    callee: Any
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def arg(self, position: int, keyword: str) -> Any:
        if position < len(self.args):
            return self.args[position]
        return self.kwargs.get(keyword, MISSING)


@functools.lru_cache(maxsize=512)
def _instructions(code: CodeType) -> tuple[tuple[dis.Instruction, ...], dict[int, int]]:
    instructions = tuple(dis.get_instructions(code))
    return instructions, {ins.offset: index for index, ins in enumerate(instructions)}


def call_at(frame: FrameType) -> Optional[Call]:
    """The call (or ``with`` entry) the frame is executing, with what can be read without running code."""
    code = frame.f_code
    instructions, index = _instructions(code)
    at = index.get(frame.f_lasti)
    if at is None:
        return None
    op = instructions[at]
    reader = _Reader(frame, code, instructions)
    if op.opname in _WITH:
        start = reader.operand_start(at - 1)
        if start is None:
            return None
        return Call("__enter__", reader.value(start, at - 1), MISSING)
    if op.opname not in _CALLS:
        return None
    pos = at - 1
    kw_names: tuple[str, ...] = ()
    while pos >= 0 and instructions[pos].opname in _NOISE:
        if instructions[pos].opname == "KW_NAMES":
            kw_names = reader.kw_names(instructions[pos])
        pos -= 1
    if op.opname in _KW_CALLS:
        if pos < 0 or not isinstance(instructions[pos].argval, tuple):
            return None
        kw_names = instructions[pos].argval
        pos -= 1
    count = op.arg or 0
    operands = reader.operands(pos, count)
    if operands is not None:
        values, pos = operands
    else:
        # An argument is an expression we do not evaluate; the callee can still be found.
        callee_end = reader.skip_operands(pos, count)
        if callee_end is None:
            return None
        values, pos = [UNKNOWN] * count, callee_end
    if pos < 0 or instructions[pos].opname not in _CALLEE_LOADS:
        return None
    name = str(instructions[pos].argval)
    positional = count - len(kw_names)
    args, kwargs = tuple(values[:positional]), dict(zip(kw_names, values[positional:]))
    start = reader.operand_start(pos)
    if start is None:  # the receiver is itself an expression, e.g. make_lock().acquire()
        return Call(name, MISSING, MISSING, args, kwargs)
    receiver = reader.value(start, pos - 1) if pos > start else MISSING
    return Call(name, receiver, reader.value(start, pos), args, kwargs)


class _Reader:
    """Reads operands of simple expressions (a name or constant, then attributes) from a live frame.

    Nothing is evaluated: locals and globals are looked up, attributes read with ``getattr_static``.
    """

    def __init__(self, frame: FrameType, code: CodeType, instructions: Sequence[dis.Instruction]) -> None:
        self._frame = frame
        self._code = code
        self._instructions = instructions
        self._locals: Optional[Mapping[str, Any]] = None

    def skip_noise(self, pos: int) -> int:
        while pos >= 0 and self._instructions[pos].opname in _NOISE:
            pos -= 1
        return pos

    def operands(self, pos: int, count: int) -> Optional[tuple[list[Any], int]]:
        """Values of the ``count`` simple operands ending at ``pos``, in order, and where the callee ends."""
        values: list[Any] = []
        while len(values) < count:
            pos = self.skip_noise(pos)
            if pos >= 0 and self._instructions[pos].opname == "LOAD_FAST_LOAD_FAST":
                first, second = self._instructions[pos].argval
                values += [self.local(second), self.local(first)]
                pos -= 1
                continue
            start = self.operand_start(pos)
            if start is None:
                return None
            values.append(self.value(start, pos))
            pos = start - 1
        if len(values) != count:
            return None
        values.reverse()
        return values, self.skip_noise(pos)

    def skip_operands(self, pos: int, count: int) -> Optional[int]:
        """Where the callee ends, found by summing stack effects back over ``count`` operands of any shape.

        Branches (``a if c else b``) make a linear sum wrong, so operands with jumps are not skipped.
        """
        depth = 0
        while pos >= 0 and depth < count:
            ins = self._instructions[pos]
            if ins.opcode in _JUMPS:
                return None
            depth += dis.stack_effect(ins.opcode, ins.arg if ins.opcode >= dis.HAVE_ARGUMENT else None)
            pos -= 1
        return self.skip_noise(pos) if depth == count else None

    def operand_start(self, pos: int) -> Optional[int]:
        """First instruction of the simple operand ending at ``pos``, or None if it is not one."""
        while pos >= 0 and self._instructions[pos].opname in _ATTR_LOADS:
            pos -= 1
        if pos < 0:
            return None
        opname = self._instructions[pos].opname
        if opname == "LOAD_CONST" or opname in _LOCAL_LOADS or opname in _NAME_LOADS:
            return pos
        return None

    def value(self, start: int, end: int) -> Any:
        if end < start:
            return MISSING
        first = self._instructions[start]
        if first.opname == "LOAD_CONST":
            value = first.argval
        elif first.opname in _LOCAL_LOADS:
            value = self.local(first.argval)
        else:
            value = self._global(first.argval)
        for ins in self._instructions[start + 1 : end + 1]:
            if value is MISSING:
                break
            value = inspect.getattr_static(value, str(ins.argval), MISSING)
        return value

    def local(self, name: Any) -> Any:
        if self._locals is None:
            self._locals = self._frame.f_locals
        return self._locals.get(str(name), MISSING)

    def _global(self, name: Any) -> Any:
        key = str(name)
        found = self._frame.f_globals.get(key, MISSING)
        return found if found is not MISSING else getattr(builtins, key, MISSING)

    def kw_names(self, ins: dis.Instruction) -> tuple[str, ...]:
        # Python 3.11's dis does not resolve KW_NAMES; its argument indexes the constants.
        names = ins.argval if isinstance(ins.argval, tuple) else self._code.co_consts[ins.arg or 0]
        return tuple(names)
