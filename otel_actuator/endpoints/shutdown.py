"""POST /shutdown: stop the application gracefully (off unless OTEL_ACTUATOR_SHUTDOWN_ENABLED).

The answer goes out first; the stop runs on a daemon timer a moment later: ``Sources.shutdown_hook`` when
set, otherwise SIGTERM to this process, which uvicorn, gunicorn and Flask's server all treat as a graceful stop.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import TYPE_CHECKING

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result

if TYPE_CHECKING:
    from otel_actuator.sources import Sources

_logger = logging.getLogger("otel_actuator")

MESSAGE = "Shutting down, bye..."

#: Seconds between answering and stopping, so the client receives the answer.
DELAY = 0.5


def create(sources: Sources, enabled: bool, delay: float = DELAY) -> list[Endpoint]:
    pending = threading.Lock()

    def stop() -> None:
        try:
            hook = sources.shutdown_hook
            if hook is not None:
                hook()
            else:
                os.kill(os.getpid(), signal.SIGTERM)
        except Exception:
            _logger.warning("shutdown failed", exc_info=True)
        finally:
            pending.release()

    def shutdown(ctx: OperationContext) -> Result:
        # One stop at a time: repeated POSTs while one is pending get the same answer without a second stop.
        if pending.acquire(blocking=False):
            _logger.info("shutdown requested through the actuator")
            timer = threading.Timer(delay, stop)
            timer.daemon = True
            try:
                timer.start()
            except RuntimeError:  # no new threads while the interpreter is finalizing
                pending.release()
                raise
        return Result({"message": MESSAGE})

    return [
        Endpoint(
            id="shutdown",
            operations=(Operation("POST", shutdown),),
            enabled=enabled,
        )
    ]
