"""Mounts the actuator into every FastAPI, Flask, aiohttp and Tornado application created after instrumentation.

The base classes' ``__init__`` are wrapped (not the module attributes the contrib instrumentors
swap), so the mount happens whichever instrumentor runs first, and an app that also mounts the
actuator explicitly still gets exactly one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection
from typing import Any, Callable

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

_logger = logging.getLogger("otel_actuator")

_ORIGINALS: dict[str, tuple[Any, Callable[..., None]]] = {}


def _wrap_init(key: str, cls: Any, mount: Callable[[Any], Any]) -> None:
    if key in _ORIGINALS:
        return
    original: Callable[..., None] = cls.__init__

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        try:
            mount(self)
        except Exception:
            _logger.exception("could not mount the actuator into %s", type(self).__name__)

    cls.__init__ = init
    _ORIGINALS[key] = (cls, original)


class ActuatorInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Declared with ``instruments-any`` for every framework it mounts into: any one is enough."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return ()

    def _instrument(self, **kwargs: Any) -> None:
        try:
            import fastapi.applications

            from otel_actuator.web import fastapi as fastapi_mount

            _wrap_init(
                "fastapi",
                fastapi.applications.FastAPI,
                lambda app: fastapi_mount.install(app, automatic=True),
            )
        except ImportError:
            pass
        try:
            import flask.app

            from otel_actuator.web import flask as flask_mount

            _wrap_init("flask", flask.app.Flask, lambda app: flask_mount.install(app, automatic=True))
        except ImportError:
            pass
        try:
            import aiohttp.web_app

            from otel_actuator.web import aiohttp as aiohttp_mount

            # The base class: the aiohttp-server instrumentor swaps the module attribute for a subclass.
            _wrap_init("aiohttp", aiohttp.web_app.Application, lambda app: aiohttp_mount.install(app, automatic=True))
        except ImportError:
            pass
        try:
            import tornado.web

            from otel_actuator.web import tornado as tornado_mount

            _wrap_init("tornado", tornado.web.Application, lambda app: tornado_mount.install(app, automatic=True))
        except ImportError:
            pass

    def _uninstrument(self, **kwargs: Any) -> None:
        for key, (cls, original) in list(_ORIGINALS.items()):
            cls.__init__ = original
            del _ORIGINALS[key]
