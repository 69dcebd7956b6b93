"""Mount the actuator into an aiohttp application in one call, as one resource of its router.

aiohttp has no ASGI: the actuator is an aiohttp handler over :meth:`Dispatcher.handle_async`. The app's
middlewares run in front of it as in front of every route (an auth middleware guards it too).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any, Optional

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import AbstractResource, PlainResource, ResourceRoute, UrlMappingMatchInfo
from multidict import CIMultiDict
from yarl import URL

from otel_actuator.actuator import Actuator
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Request, Response, encoded_path
from otel_actuator.endpoints.threaddump.snapshot import register_loop
from otel_actuator.settings import Settings
from otel_actuator.sources import RouteMapping
from otel_actuator.web.urls import base_url

_INSTRUMENTATION = "opentelemetry.instrumentation.aiohttp_server"
_SEMCONV = "OTEL_SEMCONV_STABILITY_OPT_IN"


class _Mounted:
    """The actuator an app serves; an explicit mount may replace an automatic one."""

    def __init__(self, actuator: Actuator, automatic: bool) -> None:
        self.actuator = actuator
        self.automatic = automatic


_MOUNTED = web.AppKey("otel_actuator", _Mounted)


class ActuatorResource(AbstractResource):
    """The base path and everything below it.

    Each request resolves to a route whose resource is named by the endpoint's template
    (``/actuator/metrics/{requiredMetricName}``): the aiohttp instrumentation reads the metric's
    ``http.route`` from ``request.match_info.route.resource.canonical``. A path no endpoint answers gets a
    route without a resource, so its metric says NOT_FOUND like any unmatched path.
    """

    def __init__(self, mounted: _Mounted) -> None:
        super().__init__(name=None)
        self._mounted = mounted
        self._prefix = mounted.actuator.settings.base_path.rstrip("/")
        self._any = ResourceRoute(hdrs.METH_ANY, self._handle, self)
        # No template: the instrumentation tags no route.
        self._unnamed = ResourceRoute(hdrs.METH_ANY, self._handle, None)  # type: ignore[arg-type]
        self._routes: dict[str, ResourceRoute] = {}

    @property
    def dispatcher(self) -> Dispatcher:
        return self._mounted.actuator.dispatcher

    @property
    def canonical(self) -> str:
        return self._prefix or "/"

    def url_for(self, **kwargs: str) -> URL:
        return URL.build(path=self.canonical)

    def add_prefix(self, prefix: str) -> None:
        self._prefix = prefix + self._prefix

    def get_info(self) -> Any:
        return {"prefix": self.canonical}

    def raw_match(self, path: str) -> bool:
        return path == self.canonical

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[ResourceRoute]:
        yield self._any

    async def resolve(self, request: web.Request) -> Any:
        path = request.path
        if not self._owns(path):
            return None, set()
        template = self.dispatcher.route_template(path[len(self._prefix) :])
        return UrlMappingMatchInfo({}, self._route(template)), {hdrs.METH_ANY}

    def _owns(self, path: str) -> bool:
        return path == (self._prefix or "/") or path.startswith(self._prefix + "/")

    def _route(self, template: Optional[str]) -> ResourceRoute:
        if template is None:
            return self._unnamed
        route = self._routes.get(template)
        if route is None:
            # One per endpoint template, so the dictionary stays as small as the endpoint list.
            route = self._routes[template] = ResourceRoute(hdrs.METH_ANY, self._handle, PlainResource(template))
        return route

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        register_loop(asyncio.get_running_loop())
        dispatcher = self.dispatcher
        response = await dispatcher.handle_async(await _request(request, dispatcher, self._prefix))
        return await _send(request, response)


async def _request(request: web.Request, dispatcher: Dispatcher, prefix: str) -> Request:
    """``prefix`` is the base path behind the prefixes of any sub-applications the actuator sits in."""
    headers: dict[str, str] = {}
    for raw_name, value in request.headers.items():
        name = raw_name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    policy = dispatcher.policy
    body = await _read_body(request, dispatcher.body_limit(headers.get("authorization", "")))
    return Request(
        method=request.method,
        path=encoded_path(request.path[len(prefix) :]),
        base_url=base_url(
            request.scheme,
            request.host,
            prefix[: len(prefix) - len(policy.base_path.rstrip("/"))],
            policy.base_path,
            headers,
            trust_forwarded=policy.forwarded_headers,
        ),
        query=tuple(request.rel_url.query.items()),
        headers=headers,
        body=body,
        remote_addr=request.remote,
    )


async def _read_body(request: web.Request, limit: int) -> bytes:
    """At most ``limit`` bytes; the rest stays unread (aiohttp discards it before the next request)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = await request.content.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def _send(request: web.Request, response: Response) -> web.StreamResponse:
    headers = CIMultiDict(response.headers)
    if response.stream is None:
        return web.Response(status=response.status, body=response.body, headers=headers)
    headers[hdrs.CONTENT_LENGTH] = str(response.stream.length)
    streamed = web.StreamResponse(status=response.status, headers=headers)
    await streamed.prepare(request)
    chunks = iter(response.stream.chunks)
    while True:
        # Chunks come from disk: read them off the event loop.
        chunk = await asyncio.to_thread(next, chunks, b"")
        if not chunk:
            break
        await streamed.write(chunk)
    await streamed.write_eof()
    return streamed


def mount_aiohttp(app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None) -> Actuator:
    """Serve the actuator inside an aiohttp ``web.Application``; mounting twice returns the first actuator.

    Call it before the app starts (aiohttp freezes the router then). An explicit mount with its own
    actuator or settings replaces one made by the zero-code instrumentor.
    """
    return install(app, actuator, settings, automatic=False)


def install(
    app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None, *, automatic: bool
) -> Actuator:
    """``mount_aiohttp``, and the zero-code instrumentor's mount (``automatic``), which an explicit one replaces."""
    from otel_actuator import boot

    mounted: Optional[_Mounted] = app.get(_MOUNTED)
    if mounted is not None:
        if not mounted.automatic or automatic or (actuator is None and settings is None):
            return mounted.actuator
        boot.retire(mounted.actuator)
        # The resource already registered serves whichever actuator is current.
        mounted.actuator = boot.prepare(actuator, settings)
        mounted.automatic = False
    else:
        # Before prepare: the client instrumentations it runs fix the conventions for the whole process.
        os.environ.setdefault(_SEMCONV, "http")
        mounted = _Mounted(boot.prepare(actuator, settings, instrument_app=lambda: instrument_aiohttp(app)), automatic)
        app[_MOUNTED] = mounted
        if boot.serves_on_app_port(mounted.actuator.settings):
            app.router.register_resource(ActuatorResource(mounted))
    actuator = mounted.actuator
    actuator.sources.mappings = lambda: aiohttp_mappings(app)
    boot.start(actuator)
    return actuator


def instrument_aiohttp(app: Any) -> None:
    """The contrib aiohttp-server instrumentation on this app (one mount call, no ``opentelemetry-instrument``).

    Its instrumentor only swaps ``web.Application`` for apps created later, so this app gets its middleware
    here. Under the old HTTP conventions its duration metric carries no route at all: ``install`` chooses
    the stable ones unless the user chose (an instrumentor that ran before has fixed the mode already).
    """
    from opentelemetry.instrumentation import aiohttp_server

    instrumentor = aiohttp_server.AioHttpServerInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()
    if not any(getattr(m, "__module__", "") == _INSTRUMENTATION for m in app.middlewares):
        app.middlewares.insert(0, aiohttp_server.create_aiohttp_middleware())


def aiohttp_mappings(app: Any) -> list[RouteMapping]:
    mappings: list[RouteMapping] = []
    for resource in app.router.resources():
        routes = list(resource)
        if isinstance(resource, ActuatorResource):
            pattern, module, name = resource.canonical.rstrip("/") + "/**", __name__, type(resource).__name__
        else:
            handler = routes[0].handler if routes else None
            pattern = resource.canonical
            module = getattr(handler, "__module__", "") or ""
            name = getattr(handler, "__qualname__", "") or type(resource).__name__
        methods = sorted({r.method for r in routes if r.method not in (hdrs.METH_HEAD, hdrs.METH_ANY)})
        mappings.append(
            RouteMapping(
                patterns=(pattern,),
                methods=tuple(methods),
                handler=f"{module}.{name}" if module else name,
                handler_class=module,
                handler_name=name,
                framework="aiohttp",
            )
        )
    return mappings
