"""GET/DELETE /caches and /caches/{cache}: registered caches per cache manager, and their eviction.

As Spring: ``DELETE /caches`` clears every cache (204); ``/caches/{cache}`` takes an optional
``cacheManager`` query parameter and is a 404 for an unknown cache and a 400 when the name is found under
several managers and none is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import attached, bad_request, not_found

if TYPE_CHECKING:
    from otel_actuator.sources import CacheSource, Sources
    from otel_actuator.sources.caches import CacheDescription


def create(sources: Sources) -> list[Endpoint]:
    def source() -> CacheSource:
        return attached(sources.caches, "cache")

    def read_all(ctx: OperationContext) -> Result:
        managers: dict[str, Any] = {}
        for cache in source().caches():
            managers.setdefault(cache.manager, {"caches": {}})["caches"][cache.name] = {"target": cache.target}
        return Result({"cacheManagers": managers})

    def read_one(ctx: OperationContext) -> Result:
        cache = _find(source(), ctx)
        return Result({"target": cache.target, "name": cache.name, "cacheManager": cache.manager})

    def clear_all(ctx: OperationContext) -> Result:
        caches = source()
        for cache in caches.caches():
            caches.clear(cache.manager, cache.name)
        return Result(status=204)

    def clear_one(ctx: OperationContext) -> Result:
        caches = source()
        cache = _find(caches, ctx)
        caches.clear(cache.manager, cache.name)
        return Result(status=204)

    return [
        Endpoint(
            id="caches",
            operations=(
                Operation("GET", read_all),
                Operation("DELETE", clear_all, blocking=True),
                Operation("GET", read_one, selector="cache"),
                Operation("DELETE", clear_one, selector="cache", blocking=True),
            ),
            available=lambda: sources.caches is not None,
        )
    ]


def _find(caches: CacheSource, ctx: OperationContext) -> CacheDescription:
    name = ctx.selector or ""
    managers = ctx.request.query_values("cacheManager")
    matches = [c for c in caches.caches() if c.name == name and (not managers or c.manager == managers[0])]
    if not matches:
        where = f" in cache manager {managers[0]!r}" if managers else ""
        raise not_found(f"No cache named {name!r}{where}")
    if len(matches) > 1:
        listed = ", ".join(sorted(c.manager for c in matches))
        raise bad_request(f"Cache {name!r} exists in several cache managers ({listed}); give cacheManager")
    return matches[0]
