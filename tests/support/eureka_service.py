"""The example user-service with Eureka registration started in code, as an application does it by hand.

Run under ``opentelemetry-instrument`` with the usual ``OTEL_ACTUATOR_*`` variables (``EUREKA_URL`` among
them) plus ``HOST`` and ``PORT``. SIGTERM deregisters, then lets uvicorn shut down gracefully: uvicorn
restores this handler after its shutdown and signals again, which then only stops what is stopped.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Optional

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    import uvicorn

    from otel_actuator.admin.discovery import url_resolver
    from otel_actuator.admin.eureka import start_eureka
    from otel_actuator.settings import Settings

    example = runpy.run_path(str(REPO / "examples" / "user_service" / "app.py"), run_name="user_service_app")
    settings = Settings.from_env()
    registrar = start_eureka(settings, url_resolver(settings), {"service.name": settings.service_name})

    def on_sigterm(signum: int, frame: Optional[FrameType]) -> None:
        registrar.stop()

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        uvicorn.run(example["app"], host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ["PORT"]))
    finally:
        registrar.stop()


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
