"""Shared fixtures (real servers on loopback, real external services, fakes for faults) and the summary."""

from __future__ import annotations

import pytest

from otel_actuator import boot

pytest_plugins = [
    "tests.support.services",
    "tests.support.sba",
    "tests.support.eureka",
    "tests.support.fake_admin",
    "tests.support.release",
    "tests.support.summary",
]


@pytest.fixture(autouse=True)
def _no_process_wide_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake: in-process mounts skip the one-call OpenTelemetry set-up.

    It sets the test process's global providers and instruments httpx for good, which would leak into every
    later test. The set-up itself is tested in child processes (tests/integration/test_one_call.py,
    test_client_spans.py, test_registration_lifecycle.py).
    """
    monkeypatch.setattr(boot, "connect_telemetry", lambda settings, instrument_app: None)
