"""Waiting for what happens on another thread or in another process: poll a check, never sleep a fixed time."""

from __future__ import annotations

import subprocess
import time
from typing import Callable, Optional, TypeVar

T = TypeVar("T")


def eventually(
    check: Callable[[], Optional[T]],
    *,
    timeout: float = 30.0,
    what: str = "the condition",
    interval: float = 0.05,
    retrying: tuple[type[Exception], ...] = (AssertionError,),
    process: Optional[subprocess.Popen[bytes]] = None,
) -> T:
    """Call ``check`` until it returns something truthy, and return that.

    ``check`` raising one of ``retrying`` (a failed assert, unless told otherwise) means "not yet". When
    ``timeout`` seconds are up, the failure names ``what`` and the last result or error. A ``process``
    that exits meanwhile ends the wait at once: what it was to do will not happen any more.
    """
    deadline = time.monotonic() + timeout
    while True:
        error: Optional[Exception] = None
        try:
            result = check()
        except retrying as exc:
            error, result = exc, None
        if result:
            return result
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process exited with {process.returncode} while waiting for {what}") from error
        if time.monotonic() > deadline:
            last = error if error is not None else result
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}; last: {last!r}") from error
        time.sleep(interval)
