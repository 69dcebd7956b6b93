"""Mount the actuator into a Tornado application in one call, as the first rule of its router.

Tornado has no ASGI: the actuator is a ``RequestHandler`` over :meth:`Dispatcher.handle_async`. Its rule
routes each endpoint template to its own sub-rule, because the Tornado instrumentation names a request's
route after the rule that matched it (``/actuator/metrics/{requiredMetricName}``, not one catch-all).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Optional

import tornado.web
from tornado.httputil import HTTPServerRequest
from tornado.routing import AnyMatches, Matcher, Rule, RuleRouter

from otel_actuator.actuator import Actuator
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Request, Response
from otel_actuator.endpoints.threaddump.snapshot import register_loop
from otel_actuator.settings import Settings
from otel_actuator.sources import RouteMapping
from otel_actuator.web.urls import base_url

_logger = logging.getLogger("otel_actuator")

#: Where a request's endpoint template is kept once worked out: every sub-rule and the instrumentation ask.
_TEMPLATE = "_otel_actuator_template"
_NOT_WORKED_OUT = object()
_GUARDED = "_otel_actuator_guarded"


class _Mounted:
    """The actuator an app serves; an explicit mount may replace an automatic one."""

    def __init__(self, actuator: Actuator, automatic: bool) -> None:
        self.actuator = actuator
        self.automatic = automatic

    @property
    def dispatcher(self) -> Dispatcher:
        return self.actuator.dispatcher

    def template(self, request: HTTPServerRequest) -> Optional[str]:
        template = getattr(request, _TEMPLATE, _NOT_WORKED_OUT)
        if template is _NOT_WORKED_OUT:
            base = self.dispatcher.policy.base_path.rstrip("/")
            template = self.dispatcher.route_template(request.path[len(base) :])
            setattr(request, _TEMPLATE, template)
        return template  # type: ignore[return-value]


class _BasePath(Matcher):
    """The base path and everything below it (the raw path: the dispatcher decodes each segment once)."""

    def __init__(self, mounted: _Mounted) -> None:
        self.mounted = mounted

    def match(self, request: HTTPServerRequest) -> Optional[dict[str, Any]]:
        return {} if self.mounted.dispatcher.policy.owns(request.path) else None


class _Template(Matcher):
    """The paths one endpoint template answers."""

    def __init__(self, mounted: _Mounted, template: str) -> None:
        self.mounted = mounted
        self.template = template

    def match(self, request: HTTPServerRequest) -> Optional[dict[str, Any]]:
        return {} if self.mounted.template(request) == self.template else None

    def _find_groups(self) -> tuple[str, int]:
        # What the Tornado instrumentation reads a rule's route from: a template without parameters.
        return self.template, 0


class _ActuatorRouter(RuleRouter):
    """The sub-rules; hands the handler class to the application, as its own router does."""

    def __init__(self, application: tornado.web.Application, rules: list[Rule]) -> None:
        self.application = application
        super().__init__(rules)

    def get_target_delegate(self, target: Any, request: HTTPServerRequest, **target_params: Any) -> Any:
        if isinstance(target, type) and issubclass(target, tornado.web.RequestHandler):
            return self.application.get_handler_delegate(request, target, **target_params)
        return super().get_target_delegate(target, request, **target_params)


class ActuatorHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

    def initialize(self, mounted: _Mounted) -> None:
        self.mounted = mounted

    def check_xsrf_cookie(self) -> None:
        # The actuator reads no cookie: a write needs a JSON body, which a cross-site form cannot send.
        return None

    async def get(self, *args: str) -> None:
        register_loop(asyncio.get_running_loop())
        dispatcher = self.mounted.dispatcher
        response = await dispatcher.handle_async(_request(self.request, dispatcher))
        await self._send(response)

    head = post = put = patch = delete = options = get

    async def _send(self, response: Response) -> None:
        self.set_status(response.status)
        self.clear_header("Content-Type")
        for name, value in response.headers:
            self.add_header(name, value)
        if response.stream is None:
            if response.body:
                self.write(response.body)
            return
        self.set_header("Content-Length", str(response.stream.length))
        chunks = iter(response.stream.chunks)
        while True:
            # Chunks come from disk: read them off the event loop.
            chunk = await asyncio.to_thread(next, chunks, b"")
            if not chunk:
                break
            self.write(chunk)
            await self.flush()


def _request(request: HTTPServerRequest, dispatcher: Dispatcher) -> Request:
    policy = dispatcher.policy
    headers: dict[str, str] = {}
    for raw_name, value in request.headers.get_all():
        name = raw_name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    limit = dispatcher.body_limit(headers.get("authorization", ""))
    base = policy.base_path.rstrip("/")
    return Request(
        method=request.method or "GET",
        path=request.path[len(base) :],
        base_url=base_url(
            request.protocol, request.host, "", policy.base_path, headers, trust_forwarded=policy.forwarded_headers
        ),
        query=tuple((k, v.decode("utf-8", "replace")) for k, vs in request.query_arguments.items() for v in vs),
        headers=headers,
        # Tornado has read the whole body already (up to its max_body_size): only the limit is left to apply.
        body=request.body[:limit],
        remote_addr=request.remote_ip,
    )


def mount_tornado(app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None) -> Actuator:
    """Serve the actuator inside a ``tornado.web.Application``; mounting twice returns the first actuator.

    An explicit mount with its own actuator or settings replaces one made by the zero-code instrumentor.
    """
    return install(app, actuator, settings, automatic=False)


def install(
    app: Any, actuator: Optional[Actuator] = None, settings: Optional[Settings] = None, *, automatic: bool
) -> Actuator:
    """``mount_tornado``, and the zero-code instrumentor's mount (``automatic``), which an explicit one replaces."""
    from otel_actuator import boot

    rules: list[Rule] = app.wildcard_router.rules
    mounted_rule = next((r for r in rules if isinstance(r.matcher, _BasePath)), None)
    if mounted_rule is not None:
        assert isinstance(mounted_rule.matcher, _BasePath)
        mounted = mounted_rule.matcher.mounted
        if not mounted.automatic or automatic or (actuator is None and settings is None):
            return mounted.actuator
        rules.remove(mounted_rule)
        boot.retire(mounted.actuator)
    guard_double_counting()
    actuator = boot.prepare(actuator, settings, instrument_app=instrument_tornado)
    mounted = _Mounted(actuator, automatic)
    if boot.serves_on_app_port(actuator.settings):
        rules.insert(0, _rule(app, mounted))
    actuator.sources.mappings = lambda: tornado_mappings(app)
    boot.start(actuator)
    return actuator


def _rule(app: tornado.web.Application, mounted: _Mounted) -> Rule:
    """One rule for the base path, then a sub-rule per endpoint template and one for the paths none answers.

    The outer rule's matcher also marks the app as mounted when it has a management port of its own.
    """
    dispatcher = mounted.dispatcher
    base = dispatcher.policy.base_path.rstrip("/")
    templates = dict.fromkeys(
        [base or "/", *(base + e.operation_path(op) for e in dispatcher.endpoints for op in e.operations)]
    )
    target = {"mounted": mounted}
    rules = [Rule(_Template(mounted, t), ActuatorHandler, target) for t in templates]
    rules.append(Rule(AnyMatches(), ActuatorHandler, target))
    return Rule(_BasePath(mounted), _ActuatorRouter(app, rules))


def instrument_tornado() -> None:
    """The contrib Tornado instrumentation (one mount call, no ``opentelemetry-instrument``).

    It patches every ``RequestHandler`` class when first used, so it covers the app already built.
    """
    from opentelemetry.instrumentation.tornado import TornadoInstrumentor

    instrumentor = TornadoInstrumentor()  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def guard_double_counting() -> None:
    """Keep the Tornado instrumentation from counting a failed request twice.

    Its ``log_exception`` wrapper records the duration and ends the active request, then its ``on_finish``
    wrapper, which Tornado calls next, records both again (three 404s: COUNT 6, active requests -1).
    ``RequestHandler.log_exception`` itself runs inside the first wrapper, after it recorded: there the
    request is marked as recorded, in the instrumentation's own per-request state, which its ``on_finish``
    wrapper checks. Handler classes the instrumentation patched before this ran (their first request came
    first), and handlers overriding ``log_exception`` without calling it, keep the double count.
    """
    try:
        from opentelemetry.instrumentation import tornado as instrumentation
    except ImportError:
        return
    state_key = getattr(instrumentation, "_HANDLER_STATE_KEY", None)
    handler = tornado.web.RequestHandler
    if getattr(handler.log_exception, _GUARDED, False):
        return
    if not isinstance(state_key, str):
        _logger.warning("this Tornado instrumentation is unknown here: failed requests may be counted twice")
        return
    original = handler.log_exception

    @functools.wraps(original)
    def log_exception(self: tornado.web.RequestHandler, *args: Any) -> None:
        state = getattr(self, state_key, None)
        if isinstance(state, dict):
            state["exclude_request"] = True
        else:
            setattr(self, state_key, {"exclude_request": True})
        original(self, *args)

    setattr(log_exception, _GUARDED, True)
    handler.log_exception = log_exception  # type: ignore[method-assign,assignment]


def tornado_mappings(app: Any) -> list[RouteMapping]:
    mappings: list[RouteMapping] = []
    for rule in _rules(app.default_router):
        matcher, target = rule.matcher, rule.target
        if isinstance(matcher, _BasePath):
            base = matcher.mounted.dispatcher.policy.base_path.rstrip("/")
            methods: tuple[str, ...] = ()
            pattern, module, name = base + "/**", __name__, ActuatorHandler.__name__
        elif isinstance(target, type) and issubclass(target, tornado.web.RequestHandler):
            regex = getattr(matcher, "regex", None)
            pattern = regex.pattern.rstrip("$") if regex is not None else type(matcher).__name__
            module, name, methods = target.__module__, target.__qualname__, _methods(target)
        else:
            continue
        mappings.append(
            RouteMapping(
                patterns=(pattern,),
                methods=methods,
                handler=f"{module}.{name}",
                handler_class=module,
                handler_name=name,
                framework="Tornado",
            )
        )
    return mappings


def _rules(router: Any) -> list[Rule]:
    """The rules of a router and of the routers nested in it, not those inside the actuator's own rule."""
    found: list[Rule] = []
    for rule in getattr(router, "rules", ()):
        if hasattr(rule.target, "rules") and not isinstance(rule.matcher, _BasePath):
            found.extend(_rules(rule.target))
        else:
            found.append(rule)
    return found


def _methods(handler: type[tornado.web.RequestHandler]) -> tuple[str, ...]:
    """The methods a handler class implements (RequestHandler's own answer 405)."""
    base = tornado.web.RequestHandler
    return tuple(
        m
        for m in handler.SUPPORTED_METHODS
        if m not in ("HEAD", "OPTIONS") and getattr(handler, m.lower(), None) is not getattr(base, m.lower(), None)
    )
