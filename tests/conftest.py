"""Shared fixtures (real servers on loopback, real external services, fakes for faults) and the summary."""

from __future__ import annotations

pytest_plugins = [
    "tests.support.services",
    "tests.support.sba",
    "tests.support.eureka",
    "tests.support.fake_admin",
    "tests.support.release",
    "tests.support.summary",
]
