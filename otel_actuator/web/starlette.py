"""Mount the actuator into a Starlette application in one call: FastAPI's route, Starlette's instrumentation."""

from __future__ import annotations

from typing import Any, Optional

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings
from otel_actuator.web import fastapi


def mount_starlette(app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None) -> Actuator:
    """Serve the actuator inside a Starlette ``app``; mounting twice returns the first actuator."""
    return install(app, actuator, settings, automatic=False)


def install(
    app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None, *, automatic: bool
) -> Actuator:
    """``mount_starlette``, and the zero-code instrumentor's mount (``automatic``), which an explicit one replaces."""
    return fastapi.install(
        app, actuator, settings, automatic=automatic, instrument=instrument_starlette, framework="Starlette"
    )


def instrument_starlette(app: Any) -> None:
    """The contrib Starlette instrumentation on this app (one mount call, no ``opentelemetry-instrument``)."""
    from opentelemetry.instrumentation.starlette import StarletteInstrumentor

    StarletteInstrumentor.instrument_app(app)
