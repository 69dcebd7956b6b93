"""GET /sbom (the ids) and GET /sbom/{id} (one SBOM, served with its own media type, CycloneDX JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import attached, not_found
from otel_actuator.core.negotiation import APPLICATION_JSON

if TYPE_CHECKING:
    from otel_actuator.sources import Sources

CYCLONEDX_JSON = "application/vnd.cyclonedx+json"


def create(sources: Sources) -> list[Endpoint]:
    def ids(ctx: OperationContext) -> Result:
        return Result({"ids": list(attached(sources.sbom, "SBOM").ids())})

    def document(ctx: OperationContext) -> Result:
        sbom_id = ctx.selector or ""
        found = attached(sources.sbom, "SBOM").document(sbom_id)
        if found is None:
            raise not_found(f"No SBOM with id {sbom_id!r}")
        body, media_type = found
        return Result(body, content_type=media_type)

    return [
        Endpoint(
            id="sbom",
            operations=(
                Operation("GET", ids),
                # SBA asks for */*; a client asking for JSON gets the same document.
                Operation("GET", document, selector="id", produces=(CYCLONEDX_JSON, APPLICATION_JSON), blocking=True),
            ),
            available=lambda: sources.sbom is not None,
        )
    ]
