"""GET /mappings: the host application's routes in Spring MVC's shape, which SBA's Mappings view draws.

Routes come from ``actuator.mappings_provider`` (set by the FastAPI/Flask mount helpers). Patterns keep
the framework's own syntax (``/users/{id}``, ``/users/<int:id>``). Python has no servlets or servlet
filters, so those lists are empty; SBA only needs them present. SBA titles each group of
``dispatcherServlets`` with its key (Spring's ``dispatcherServlet``): here the framework that serves the
routes (``FastAPI``, ``Flask``), or ``routes`` for a provider that does not say.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.sources import RouteMapping

if TYPE_CHECKING:
    from otel_actuator.sources import Sources

_logger = logging.getLogger("otel_actuator")

DEFAULT_GROUP = "routes"


def create(sources: Sources, context_name: str) -> list[Endpoint]:
    def read(ctx: OperationContext) -> Result:
        context = {
            "mappings": {
                "dispatcherServlets": _groups(sources),
                "servletFilters": [],
                "servlets": [],
            },
            "parentId": None,
        }
        return Result({"contexts": {context_name: context}})

    return [Endpoint(id="mappings", operations=(Operation("GET", read),))]


def _groups(sources: Sources) -> dict[str, list[dict[str, Any]]]:
    """The routes by the framework serving them; one empty group when there are none."""
    groups: dict[str, list[dict[str, Any]]] = {}
    provider = sources.mappings
    try:
        for route in provider() if provider is not None else ():
            groups.setdefault(route.framework or DEFAULT_GROUP, []).append(mapping_entry(route))
    except Exception:
        _logger.warning("the route mappings provider failed; mappings is empty", exc_info=True)
        groups = {}
    return groups or {DEFAULT_GROUP: []}


def mapping_entry(route: RouteMapping) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if route.handler_name:
        details["handlerMethod"] = {"className": route.handler_class, "name": route.handler_name, "descriptor": ""}
    details["requestMappingConditions"] = {
        "consumes": _media_types(route.consumes),
        "headers": [],
        "methods": list(route.methods),
        "params": [],
        "patterns": list(route.patterns),
        "produces": _media_types(route.produces),
    }
    return {"handler": route.handler, "predicate": predicate(route), "details": details}


def predicate(route: RouteMapping) -> str:
    """Spring's ``RequestMappingInfo`` text: ``{GET [/users/{id}], produces [application/json]}``."""
    text = "{"
    if len(route.methods) == 1:
        text += route.methods[0] + " "
    elif route.methods:
        text += "[" + ", ".join(route.methods) + "] "
    text += "[" + " || ".join(route.patterns) + "]"
    if route.consumes:
        text += ", consumes [" + " || ".join(route.consumes) + "]"
    if route.produces:
        text += ", produces [" + " || ".join(route.produces) + "]"
    return text + "}"


def _media_types(types: Sequence[str]) -> list[dict[str, Any]]:
    """``!text/xml`` is a negated condition, as Spring writes it."""
    return [{"mediaType": t[1:] if t.startswith("!") else t, "negated": t.startswith("!")} for t in types]
