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

#: key -> (class, attribute, its original value), to undo the wrapping.
_ORIGINALS: dict[str, tuple[Any, str, Callable[..., Any]]] = {}


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
    _ORIGINALS[key] = (cls, "__init__", original)


def _wrap_before(key: str, cls: Any, name: str, prepare: Callable[[Any, dict[str, Any]], None]) -> None:
    """For what must happen before ``cls.name`` runs: ``prepare(self, kwargs)`` may add keyword arguments."""
    if key in _ORIGINALS:
        return
    original: Callable[..., Any] = getattr(cls, name)

    @functools.wraps(original)
    def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            prepare(self, kwargs)
        except Exception:
            _logger.exception("could not mount the actuator into %s", type(self).__name__)
        return original(self, *args, **kwargs)

    setattr(cls, name, wrapped)
    _ORIGINALS[key] = (cls, name, original)


def _base_class(cls: Any, module: str) -> Any:
    """The framework's own class where an instrumentor swapped in a subclass (Starlette's does)."""
    return next((c for c in cls.__mro__ if c.__module__ == module), cls)


def _mount_starlette(starlette_mount: Any) -> Callable[[Any], Any]:
    def mount(app: Any) -> Any:
        # FastAPI apps get FastAPI's mount (FastAPI's __init__ does not call Starlette's today).
        if any(c.__module__.startswith("fastapi") for c in type(app).__mro__):
            return None
        return starlette_mount.install(app, automatic=True)

    return mount


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

        try:
            import django.core.handlers.base

            from otel_actuator.web import django as django_mount

            # Before any handler loads MIDDLEWARE, once every instrumentor (Django's too) has run.
            _wrap_before(
                "django",
                django.core.handlers.base.BaseHandler,
                "load_middleware",
                lambda handler, kwargs: django_mount.list_middleware(),
            )
        except ImportError:
            pass

        try:
            import starlette.applications

            from otel_actuator.web import starlette as starlette_mount

            starlette_class = _base_class(starlette.applications.Starlette, "starlette.applications")
            _wrap_init("starlette", starlette_class, _mount_starlette(starlette_mount))
        except ImportError:
            pass
        try:
            import litestar

            from otel_actuator.web import litestar as litestar_mount

            # Litestar's plugins act while its __init__ runs: the actuator's goes into the arguments.
            _wrap_before(
                "litestar", litestar.Litestar, "__init__", lambda app, kwargs: litestar_mount.add_plugin(kwargs)
            )
        except ImportError:
            pass

    def _uninstrument(self, **kwargs: Any) -> None:
        for key, (cls, name, original) in list(_ORIGINALS.items()):
            setattr(cls, name, original)
            del _ORIGINALS[key]
