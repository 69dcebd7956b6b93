"""Skip a test on a machine that lacks an external program; fail instead where CI demands everything.

Set ``OTEL_ACTUATOR_TEST_STRICT=1`` (``.ci/run`` does) to turn every such skip into a failure.
"""

from __future__ import annotations

import os

import pytest


def strict() -> bool:
    return os.environ.get("OTEL_ACTUATOR_TEST_STRICT", "") not in ("", "0", "false")


def require(ok: bool, reason: str) -> None:
    if ok:
        return
    if strict():
        pytest.fail(f"required for this test run but missing: {reason}", pytrace=False)
    pytest.skip(reason)
