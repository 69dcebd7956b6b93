"""Reports the latency ratios the fault tests measured, once the session is over."""

from __future__ import annotations

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    latency = sys.modules.get("tests.reliability.latency")
    measured = getattr(latency, "MEASURED", None)
    if not measured:
        return
    terminalreporter.section("median latency under fault / baseline")
    for name, ratio in sorted(measured.items()):
        terminalreporter.write_line(f"{ratio:>6.2f}x  {name}")
