"""Serving the endpoints inside the application, with Pyctuator's ``customizer`` hook.

The endpoints are mounted with the ordinary helpers (``mount_fastapi``, ``mount_flask``, ``mount_aiohttp``,
``mount_tornado``). A customizer
receives what Pyctuator handed it, an ``APIRouter`` for FastAPI and a ``Blueprint`` for Flask; what it
sets there guards every endpoint (see ``fastapi_guard`` and ``flask_guard``).
"""

from __future__ import annotations

import importlib.util
from typing import Any, Callable, Optional

from otel_actuator.actuator import Actuator
from otel_actuator.compat.telemetry import AIOHTTP, FASTAPI, FLASK, TORNADO

Customizer = Callable[[Any], Any]

#: The view name ``mount_flask`` gives the actuator's URL rules.
FLASK_VIEW = "otel_actuator"


def framework_of(app: Any) -> str:
    if importlib.util.find_spec("fastapi") is not None:
        from fastapi import FastAPI

        if isinstance(app, FastAPI):
            return FASTAPI
    if importlib.util.find_spec("flask") is not None:
        from flask import Flask

        if isinstance(app, Flask):
            return FLASK
    if importlib.util.find_spec("aiohttp") is not None:
        from aiohttp.web import Application as AiohttpApplication

        if isinstance(app, AiohttpApplication):
            return AIOHTTP
    if importlib.util.find_spec("tornado") is not None:
        from tornado.web import Application as TornadoApplication

        if isinstance(app, TornadoApplication):
            return TORNADO
    # OSError is Pyctuator's EnvironmentError, so code written against Pyctuator still catches it.
    raise OSError(
        f"{type(app).__module__}.{type(app).__name__} is not a FastAPI, Flask, aiohttp or Tornado application "
        "(is the framework installed and imported?)"
    )


def mount(app: Any, framework: str, actuator: Actuator, customizer: Optional[Customizer]) -> Actuator:
    if framework == FASTAPI:
        from otel_actuator.web.fastapi import mount_fastapi

        mounted = mount_fastapi(app, actuator)
        if customizer is not None:
            from otel_actuator.compat.fastapi_guard import guard_fastapi

            guard_fastapi(app, mounted, customizer)
        return mounted
    if framework in (AIOHTTP, TORNADO):
        if customizer is not None:
            raise TypeError(f"a customizer is supported for FastAPI and Flask apps only, not {framework}")
        return _mount_other(app, framework, actuator)
    from otel_actuator.web.flask import mount_flask

    mounted = mount_flask(app, actuator)
    if customizer is not None:
        from otel_actuator.compat.flask_guard import guard_flask

        guard_flask(app, mounted, customizer)
    return mounted


def _mount_other(app: Any, framework: str, actuator: Actuator) -> Actuator:
    if framework == AIOHTTP:
        from otel_actuator.web.aiohttp import mount_aiohttp

        return mount_aiohttp(app, actuator)
    from otel_actuator.web.tornado import mount_tornado

    return mount_tornado(app, actuator)
