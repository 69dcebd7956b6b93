"""Serve the actuator inside a Django project: one line in ``MIDDLEWARE``, under WSGI and ASGI.

``otel_actuator.django.ActuatorMiddleware`` hands a request for the base path to a view of its own
through ``request.urlconf``, so the request runs through the project's middleware like any other: the
Django instrumentation reads the endpoint's template as the route in ``process_view`` (where it reads every
route), and only that view is exempt from ``CsrfViewMiddleware`` (the loggers POST carries no token).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Callable, Optional

from otel_actuator.actuator import Actuator
from otel_actuator.bridge import django_routes
from otel_actuator.core.http import Response
from otel_actuator.settings import Settings
from otel_actuator.sources import RouteMapping
from otel_actuator.web.wsgi import request_from_environ

MIDDLEWARE = "otel_actuator.django.ActuatorMiddleware"
_NAME = "otel_actuator"


class _Mounted:
    def __init__(self, actuator: Actuator, automatic: bool) -> None:
        self.actuator = actuator
        self.automatic = automatic


#: The actuator of this process's Django project (Django has one set of settings per process).
_mounted: Optional[_Mounted] = None
#: Dotted paths of the middleware the Django instrumentation added when the one-call set-up applied it.
_tracing: list[str] = []


def mount_django(actuator: Optional[Actuator] = None, settings: Optional[Settings] = None) -> Actuator:
    """The actuator ``ActuatorMiddleware`` serves, built on first use; call it (in an ``AppConfig.ready``,
    say) to register health indicators on it or to give it settings of your own."""
    return install(actuator, settings, automatic=False)


def install(actuator: Optional[Actuator] = None, settings: Optional[Settings] = None, *, automatic: bool) -> Actuator:
    """``mount_django``, and the middleware's own mount (``automatic``), which an explicit one replaces."""
    from otel_actuator import boot

    global _mounted
    if _mounted is not None:
        if not _mounted.automatic or automatic or (actuator is None and settings is None):
            return _mounted.actuator
        boot.retire(_mounted.actuator)
        _mounted.actuator, _mounted.automatic = boot.prepare(actuator, settings), False
    else:
        _mounted = _Mounted(boot.prepare(actuator, settings, instrument_app=instrument_django), automatic)
    mounted = _mounted
    mounted.actuator.sources.mappings = lambda: django_mappings(mounted.actuator)
    boot.start(mounted.actuator)
    return mounted.actuator


def instrument_django() -> None:
    """The contrib Django instrumentation (one-call set-up, no ``opentelemetry-instrument``).

    Django may be loading ``MIDDLEWARE`` right now (the middleware's constructor gets here): the
    instrumentation's insertion goes to a copy, and ``ActuatorMiddleware`` runs what it inserted.
    """
    from django.conf import settings
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    listed = settings.MIDDLEWARE
    settings.MIDDLEWARE = list(listed)
    try:
        DjangoInstrumentor().instrument()
        _tracing[:] = [path for path in settings.MIDDLEWARE if path not in listed]
    finally:
        settings.MIDDLEWARE = listed


def list_middleware() -> None:
    """Zero code: ``ActuatorMiddleware`` right after the Django instrumentation's middleware (first without
    it), unless the project lists it already. Runs before a handler loads ``MIDDLEWARE``."""
    from django.conf import settings

    listed = list(settings.MIDDLEWARE)
    if MIDDLEWARE in listed:
        return
    tracing = [i for i, path in enumerate(listed) if path.startswith("opentelemetry.instrumentation.django.")]
    listed.insert(tracing[-1] + 1 if tracing else 0, MIDDLEWARE)
    settings.MIDDLEWARE = listed


class ActuatorMiddleware:
    """Serves the base path; list it first in ``MIDDLEWARE``. Sync and async, as Django's handler runs it."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        from asgiref.sync import iscoroutinefunction, markcoroutinefunction

        install(automatic=True)
        self._async = iscoroutinefunction(get_response)
        self._urlconf = _ActuatorUrls(_async_view if self._async else _view)
        self._chain, self._tracing = _run_first(_tracing, get_response, self._async)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if self._async:
            return self._acall(request)
        self._route(request)
        return self._chain(request)

    async def _acall(self, request: Any) -> Any:
        self._route(request)
        return await self._chain(request)

    def _route(self, request: Any) -> None:
        from otel_actuator import boot

        if not self._async:
            _name_the_path(request)
        actuator = _current()
        if actuator.dispatcher.policy.owns(request.path_info) and boot.serves_on_app_port(actuator.settings):
            request.urlconf = self._urlconf

    def process_view(self, request: Any, view: Any, args: Any, kwargs: Any) -> Any:
        for middleware in self._tracing:
            hook = getattr(middleware, "process_view", None)
            answer = hook(request, view, args, kwargs) if hook is not None else None
            if answer is not None:
                return answer
        return None

    def process_exception(self, request: Any, exception: Exception) -> Any:
        for middleware in reversed(self._tracing):
            hook = getattr(middleware, "process_exception", None)
            answer = hook(request, exception) if hook is not None else None
            if answer is not None:
                return answer
        return None


def _name_the_path(request: Any) -> None:
    """Under the stable conventions the WSGI instrumentation takes the path from ``RAW_URI`` or
    ``REQUEST_URI`` only, which ``runserver`` does not set: the request's span would have no path."""
    meta = request.META
    if "RAW_URI" in meta or "REQUEST_URI" in meta:
        return
    from opentelemetry import trace

    span = trace.get_current_span()
    if span.is_recording() and "url.path" not in (getattr(span, "attributes", None) or {}):
        span.set_attribute("url.path", request.path)
        if meta.get("QUERY_STRING"):
            span.set_attribute("url.query", meta["QUERY_STRING"])


def _run_first(paths: Sequence[str], get_response: Callable[[Any], Any], is_async: bool) -> tuple[Any, list[Any]]:
    """``get_response`` behind the middleware at ``paths``, each in the mode it supports, as Django's handler
    builds its chain; and those middleware instances."""
    from django.core.handlers.exception import convert_exception_to_response
    from django.utils.module_loading import import_string

    handler, handler_is_async = get_response, is_async
    instances: list[Any] = []
    for path in reversed(paths):
        middleware = import_string(path)
        runs_async = (is_async and getattr(middleware, "async_capable", False)) or not getattr(
            middleware, "sync_capable", True
        )
        instance = middleware(_in_mode(runs_async, handler, handler_is_async))
        instances.insert(0, instance)
        handler, handler_is_async = convert_exception_to_response(instance), runs_async
    return _in_mode(is_async, handler, handler_is_async), instances


def _in_mode(is_async: bool, handler: Callable[[Any], Any], handler_is_async: bool) -> Callable[[Any], Any]:
    from asgiref.sync import async_to_sync, sync_to_async

    if is_async and not handler_is_async:
        return sync_to_async(handler, thread_sensitive=True)
    if handler_is_async and not is_async:
        return async_to_sync(handler)
    return handler


def _current() -> Actuator:
    return _mounted.actuator if _mounted is not None else install(automatic=True)


class _ActuatorUrls:
    """A URLconf of one pattern answering every path below the base path, named by the endpoint's template."""

    def __init__(self, view: Callable[..., Any]) -> None:
        from django.urls import ResolverMatch, URLPattern, path

        class ActuatorPattern(URLPattern):  # type: ignore[misc]
            def resolve(self, route_path: str) -> Any:
                dispatcher = _current().dispatcher
                base = dispatcher.policy.base_path.rstrip("/")
                template = dispatcher.route_template(("/" + route_path)[len(base) :])
                # No template (no endpoint answers): no route, as for any unmatched path.
                route = template[1:] if template else ""
                return ResolverMatch(self.callback, (), {}, _NAME, route=route, captured_kwargs={}, extra_kwargs={})

        placeholder = path("", view, name=_NAME)
        self.urlpatterns = [ActuatorPattern(placeholder.pattern, view, name=_NAME)]


def _environ(request: Any) -> dict[str, Any]:
    """The request as a WSGI environ (under ASGI too), its body already read by Django."""
    body: bytes = request.body
    environ = dict(request.META)
    environ.update(
        {
            "PATH_INFO": request.path_info.encode("utf-8").decode("latin-1"),
            "SCRIPT_NAME": request.META.get("SCRIPT_NAME", ""),
            "wsgi.url_scheme": request.scheme,
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
        }
    )
    return environ


def _django_response(response: Response) -> Any:
    from django.http import HttpResponse, StreamingHttpResponse

    answer: Any
    if response.stream is None:
        answer = HttpResponse(response.body, status=response.status)
    else:
        answer = StreamingHttpResponse(response.stream.chunks, status=response.status)
        answer["Content-Length"] = str(response.content_length)
    # Django's own defaults (Content-Type) give way; a header the actuator repeats is joined.
    joined: dict[str, tuple[str, str]] = {}
    for name, value in response.headers:
        key = name.lower()
        joined[key] = (name, f"{joined[key][1]}, {value}") if key in joined else (name, value)
    for name, value in joined.values():
        answer[name] = value
    return answer


def _view(request: Any) -> Any:
    dispatcher = _current().dispatcher
    environ = _environ(request)
    limit = dispatcher.body_limit(str(environ.get("HTTP_AUTHORIZATION", "")))
    return _django_response(dispatcher.handle(request_from_environ(environ, dispatcher.policy, limit)))


async def _async_view(request: Any) -> Any:
    dispatcher = _current().dispatcher
    environ = _environ(request)
    limit = dispatcher.body_limit(str(environ.get("HTTP_AUTHORIZATION", "")))
    return _django_response(await dispatcher.handle_async(request_from_environ(environ, dispatcher.policy, limit)))


def django_mappings(actuator: Actuator) -> list[RouteMapping]:
    """The project's URL patterns as templates (``users/<int:id>`` -> ``/users/{id}``), and the actuator's."""
    from django.urls import URLPattern, URLResolver, get_resolver

    mappings: list[RouteMapping] = []

    def walk(patterns: Sequence[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                mappings.append(_mapping(prefix + str(pattern.pattern), pattern.callback))

    walk(get_resolver().url_patterns, "")
    base = actuator.settings.base_path.rstrip("/")
    mappings.insert(
        0,
        RouteMapping(
            patterns=(base + "/{*path}",),
            methods=(),
            handler=MIDDLEWARE,
            handler_class="otel_actuator.django",
            handler_name="ActuatorMiddleware",
            framework="Django",
        ),
    )
    return mappings


def _mapping(route: str, callback: Any) -> RouteMapping:
    view_class = getattr(callback, "view_class", None)
    target = view_class or callback
    module = getattr(target, "__module__", "") or ""
    name = getattr(target, "__qualname__", "") or type(target).__name__
    methods: tuple[str, ...] = ()
    if view_class is not None:
        names = getattr(view_class, "http_method_names", ())
        methods = tuple(sorted(m.upper() for m in names if m not in ("head", "options") and hasattr(view_class, m)))
    return RouteMapping(
        patterns=(django_routes.template(route) or route,),
        methods=methods,
        handler=f"{module}.{name}" if module else name,
        handler_class=module,
        handler_name=name,
        framework="Django",
    )


# What ``csrf_exempt`` sets (which wraps a coroutine function as a sync one before Django 5.0):
# CsrfViewMiddleware skips these two views, and only these.
_view.csrf_exempt = True  # type: ignore[attr-defined]
_async_view.csrf_exempt = True  # type: ignore[attr-defined]
