"""Numbers the suites measure, printed once when the session is over (a pytest plugin, see tests/conftest.py).

A suite makes a :func:`table` at import and fills it as its tests run: the fault tests their latency
ratios, the fuzz tests their case counts. Tables nobody filled in this session are not printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest


@dataclass
class Table:
    title: str
    #: How one value is written, e.g. ``"{:>6.2f}x"``.
    cell: str
    #: Whether a last row adds the values up.
    total: bool = False
    rows: dict[str, float] = field(default_factory=dict)

    def set(self, name: str, value: float) -> None:
        self.rows[name] = value

    def add(self, name: str, amount: float = 1) -> None:
        self.rows[name] = self.rows.get(name, 0) + amount

    def get(self, name: str) -> float:
        return self.rows.get(name, 0)


_TABLES: list[Table] = []


def table(title: str, cell: str, *, total: bool = False) -> Table:
    made = Table(title, cell, total)
    _TABLES.append(made)
    return made


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for filled in (t for t in _TABLES if t.rows):
        terminalreporter.section(filled.title)
        for name, value in sorted(filled.rows.items()):
            terminalreporter.write_line(f"{filled.cell.format(value)}  {name}")
        if filled.total:
            terminalreporter.write_line(f"{filled.cell.format(sum(filled.rows.values()))}  in total")
