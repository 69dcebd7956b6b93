"""Regular expressions sent by clients, compiled only when matching them is sure to be cheap.

Python's ``re`` backtracks, and a match holds the GIL from start to end: one pattern such as
``^([A-Z_]+)+[a-z]$`` run against an ordinary environment variable name freezes every thread of the
process for hours, and no timeout can interrupt it. So a pattern is refused (a 400) unless it is easy:

* no repetition inside a repetition, no alternation inside a repetition and no backreference, the
  constructs behind exponential backtracking;
* an upper bound of the steps it can take on the given names stays under a budget. The bound is, for
  each name, its length (start positions) times, for each repetition, how many lengths it may try.

What remains covers what people filter names with: ``^OTEL_``, ``(?i)password``, ``.*_HEADERS$``,
``^(DB|REDIS)_.*``.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterable
from typing import Any

# The parser behind ``re``; importing it as ``sre_parse`` is deprecated since Python 3.11.
_parser: Any = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")

#: Steps a pattern may be expected to take at worst over all names of one request (tens of milliseconds).
STEP_BUDGET = 100_000_000

_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
_BACKREFERENCES = frozenset(
    {"GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE", "GROUPREF_UNI_IGNORE"}
)


class PatternTooComplex(ValueError):
    """The pattern could backtrack for too long; the message says why."""


def compile_guarded(pattern: str, subjects: Iterable[str]) -> re.Pattern[str]:
    """Compile ``pattern`` for searching ``subjects``; ``re.error`` or :class:`PatternTooComplex` otherwise."""
    compiled = re.compile(pattern)
    parsed = _parser.parse(pattern)
    steps = 0
    for subject in subjects:
        length = len(subject) + 1
        steps += length * _paths(parsed, length, in_repeat=False)
        if steps > STEP_BUDGET:
            raise PatternTooComplex(
                "pattern would take too long to match; use fewer or bounded repetitions (*, +, {m,n})"
            )
    return compiled


def _paths(items: Any, length: int, *, in_repeat: bool) -> int:
    """How many ways, at most, ``items`` can be tried from one start position against ``length`` characters."""
    total = 1
    for op, argument in items:
        name = getattr(op, "name", str(op))
        if name in _REPEATS:
            if in_repeat:
                raise PatternTooComplex("pattern repeats a repetition (as in (a+)+); repeat a plain group instead")
            low, high, body = argument
            total *= max(min(high, length) - low + 1, 1) * _paths(body, length, in_repeat=True)
        elif name == "BRANCH":
            if in_repeat:
                raise PatternTooComplex("pattern repeats an alternation (as in (a|ab)*); use a character class")
            total *= sum(_paths(branch, length, in_repeat=False) for branch in argument[1])
        elif name == "SUBPATTERN":
            total *= _paths(argument[-1], length, in_repeat=in_repeat)
        elif name in ("ASSERT", "ASSERT_NOT"):
            total *= _paths(argument[1], length, in_repeat=in_repeat)
        elif name == "ATOMIC_GROUP":
            total *= _paths(argument, length, in_repeat=in_repeat)
        elif name in _BACKREFERENCES:
            raise PatternTooComplex("pattern uses a backreference, which is not supported here")
    return total
