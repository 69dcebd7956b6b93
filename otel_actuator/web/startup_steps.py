"""The start-up steps only a web adapter sees: the framework's start-up and the first request served.

A FastAPI or Starlette app starts in its ASGI lifespan (its own lifespan up to ``yield``, ``on_startup``
handlers), which the router runs through ``router.lifespan_context``: that is wrapped and timed as
``asgi.lifespan.startup``, so steps the app times inside it are its children. A Flask app has no start-up
of its own; it does its lazy set-up on the first request. The first request the app answers, whatever its
path, is timed as ``http.server.first-request``: from its arrival until the ASGI app has sent the response,
or until the WSGI app returned it to the server. Later requests pass through untimed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, MutableMapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from otel_actuator.actuator import Actuator

FRAMEWORK_STARTUP = "asgi.lifespan.startup"
FIRST_REQUEST = "http.server.first-request"

#: Where an app keeps its StartupSteps: the wrapped lifespan function (ASGI), ``app.extensions`` (Flask).
_STEPS = "otel_actuator_startup_steps"


class StartupSteps:
    """The steps of one app, recorded into the timeline of its current actuator (a later mount replaces it)."""

    def __init__(self, actuator: Actuator) -> None:
        self.actuator = actuator
        self._first_request = threading.Lock()  # taken by the first request, never released

    def step(self, name: str, **tags: object) -> AbstractContextManager[object]:
        return self.actuator.startup_step(name, **tags)

    def claim_first_request(self) -> bool:
        """True once: for the first request, also among requests arriving together on several threads."""
        return self._first_request.acquire(blocking=False)


def time_asgi_app(app: Any, actuator: Actuator) -> None:
    """Time a Starlette (FastAPI) app's lifespan start-up and first request; a second call only moves the steps."""
    router = app.router
    steps: Optional[StartupSteps] = getattr(router.lifespan_context, _STEPS, None)
    if steps is not None:
        steps.actuator = actuator
        return
    steps = StartupSteps(actuator)
    router.lifespan_context = _timed_lifespan(router.lifespan_context, steps)
    if app.middleware_stack is None:  # an app that already serves takes no middleware
        app.add_middleware(FirstRequestASGI, steps=steps)


def _timed_lifespan(lifespan: Callable[[Any], Any], steps: StartupSteps) -> Callable[[Any], Any]:
    @contextlib.asynccontextmanager
    async def timed(app: Any) -> AsyncIterator[Any]:
        async with contextlib.AsyncExitStack() as stack:
            with steps.step(FRAMEWORK_STARTUP):
                state = await stack.enter_async_context(lifespan(app))
            yield state

    setattr(timed, _STEPS, steps)
    return timed


Message = MutableMapping[str, Any]


class FirstRequestASGI:
    """ASGI middleware timing the app's first HTTP request."""

    def __init__(self, app: Callable[..., Any], steps: StartupSteps) -> None:
        self.app = app
        self.steps = steps

    async def __call__(self, scope: Message, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http" or not self.steps.claim_first_request():
            await self.app(scope, receive, send)
            return
        with self.steps.step(FIRST_REQUEST, method=scope.get("method", "")):
            await self.app(scope, receive, send)


def time_wsgi_app(app: Any, actuator: Actuator) -> None:
    """Time a Flask app's first request (wrapping ``app.wsgi_app``); a second call only moves the step."""
    steps: Optional[StartupSteps] = app.extensions.get(_STEPS)
    if steps is not None:
        steps.actuator = actuator
        return
    steps = app.extensions[_STEPS] = StartupSteps(actuator)
    app.wsgi_app = FirstRequestWSGI(app.wsgi_app, steps)


class FirstRequestWSGI:
    """WSGI middleware timing the app's first request."""

    def __init__(self, app: Callable[..., Any], steps: StartupSteps) -> None:
        self.app = app
        self.steps = steps

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self.steps.claim_first_request():
            return self.app(environ, start_response)
        with self.steps.step(FIRST_REQUEST, method=environ.get("REQUEST_METHOD", "")):
            return self.app(environ, start_response)
