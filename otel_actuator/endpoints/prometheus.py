"""GET /prometheus: the Prometheus text format (0.0.4), or OpenMetrics 1.0 when Accept asks for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import ActuatorError

if TYPE_CHECKING:
    from otel_actuator.actuator import Actuator

TEXT = "text/plain"
OPENMETRICS = "application/openmetrics-text"


def create(actuator: Actuator) -> list[Endpoint]:
    def scrape(ctx: OperationContext) -> Result:
        source = actuator.prometheus
        if source is None:
            raise ActuatorError(404, "No Prometheus source is attached")
        # The dispatcher already chose between the two formats (q-values included): ask for that one.
        accept = "application/openmetrics-text; version=1.0.0" if ctx.media_type == OPENMETRICS else TEXT
        body, content_type = source.render(accept)
        return Result(body, content_type=content_type)

    return [
        Endpoint(
            id="prometheus",
            operations=(Operation("GET", scrape, produces=(TEXT, OPENMETRICS), blocking=True),),
            available=lambda: actuator.prometheus is not None,
        )
    ]
