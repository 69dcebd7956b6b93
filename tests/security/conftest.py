"""Reports how many fuzz cases ran, once the session is over."""

from __future__ import annotations

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    fuzz = sys.modules.get("tests.security.test_fuzz")
    cases = getattr(fuzz, "CASES", None)
    if not cases:
        return
    terminalreporter.section("fuzz cases")
    for name, count in sorted(cases.items()):
        terminalreporter.write_line(f"{count:>7}  {name}")
    terminalreporter.write_line(f"{sum(cases.values()):>7}  in total")
