"""GET /prometheus: the Prometheus text format (0.0.4), or OpenMetrics 1.0 when Accept asks for it.

``includedNames`` (comma-separated, or repeated) keeps only the metrics named, as Spring Boot's does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import attached

if TYPE_CHECKING:
    from otel_actuator.sources import Sources

TEXT = "text/plain"
OPENMETRICS = "application/openmetrics-text"


def create(sources: Sources) -> list[Endpoint]:
    def scrape(ctx: OperationContext) -> Result:
        # The dispatcher already chose between the two formats (q-values included): render that one.
        source = attached(sources.prometheus, "Prometheus")
        body, content_type = source.render(ctx.media_type == OPENMETRICS, included_names(ctx))
        return Result(body, content_type=content_type)

    return [
        Endpoint(
            id="prometheus",
            operations=(Operation("GET", scrape, produces=(TEXT, OPENMETRICS), blocking=True),),
            available=lambda: sources.prometheus is not None,
        )
    ]


def included_names(ctx: OperationContext) -> Optional[frozenset[str]]:
    """The names of ``includedNames``; None when it names none (every metric, as Spring's empty filter)."""
    values = ctx.request.query_values("includedNames")
    names = frozenset(name.strip() for value in values for name in value.split(",") if name.strip())
    return names or None
