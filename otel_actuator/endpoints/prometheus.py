"""GET /prometheus: the Prometheus text format (0.0.4), or OpenMetrics 1.0 when Accept asks for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import attached

if TYPE_CHECKING:
    from otel_actuator.sources import Sources

TEXT = "text/plain"
OPENMETRICS = "application/openmetrics-text"


def create(sources: Sources) -> list[Endpoint]:
    def scrape(ctx: OperationContext) -> Result:
        # The dispatcher already chose between the two formats (q-values included): render that one.
        body, content_type = attached(sources.prometheus, "Prometheus").render(ctx.media_type == OPENMETRICS)
        return Result(body, content_type=content_type)

    return [
        Endpoint(
            id="prometheus",
            operations=(Operation("GET", scrape, produces=(TEXT, OPENMETRICS), blocking=True),),
            available=lambda: sources.prometheus is not None,
        )
    ]
