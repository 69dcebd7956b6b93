"""Spring Boot Actuator endpoints for Python services, fed by OpenTelemetry, ready for Spring Boot Admin.

Everything a user imports comes from here. Names are loaded on first use, so importing the package
without FastAPI, Flask or the OpenTelemetry SDK's optional parts costs nothing:

* mounting: :func:`mount_fastapi`, :func:`mount_flask`, :func:`mount_aiohttp`, :func:`mount_tornado`,
  :func:`mount_starlette`, :class:`LitestarActuatorPlugin`, :func:`mount_django` (beside
  ``otel_actuator.django.ActuatorMiddleware``), :func:`wrap_asgi` / :func:`wrap_wsgi` (any other ASGI or WSGI
  app), :func:`serve_management` (any process);
* configuration: :class:`Settings`, :class:`SettingsError`;
* the actuator a mount returns: :class:`Actuator`, its :class:`Sources`, :class:`Sanitizer`;
* your own OpenTelemetry providers: :func:`connect` (one call), or :class:`Bridge` piece by piece;
* health checks: :class:`HealthIndicator`, :class:`Health`, :class:`Status`, :class:`CompositeHealth`,
  and the ready-made :class:`RedisHealthIndicator`, :class:`AsyncRedisHealthIndicator`,
  :class:`SqlAlchemyHealthIndicator`, :class:`AsyncSqlAlchemyHealthIndicator`, :class:`DiskSpaceHealthIndicator`;
* data for endpoints: :class:`RouteMapping` (mappings), :class:`Meter`, :class:`Exchange`;
* what runs beside an actuator: :class:`Running` (``running(actuator).stop()``), :class:`ManagementServer`;
* logging: :func:`quiet_access_log` (the servers' access logs without the actuator's requests).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from otel_actuator.settings import Settings, SettingsError

if TYPE_CHECKING:
    from otel_actuator.actuator import Actuator
    from otel_actuator.boot import Running, running, serve_management
    from otel_actuator.bridge import Bridge
    from otel_actuator.bridge.setup import connect
    from otel_actuator.health import (
        AsyncRedisHealthIndicator,
        AsyncSqlAlchemyHealthIndicator,
        CompositeHealth,
        DiskSpaceHealthIndicator,
        Health,
        HealthIndicator,
        RedisHealthIndicator,
        SqlAlchemyHealthIndicator,
        Status,
    )
    from otel_actuator.sanitize import Sanitizer
    from otel_actuator.sources import Exchange, Meter, RouteMapping, Sources
    from otel_actuator.web.access_log import quiet_access_log
    from otel_actuator.web.aiohttp import mount_aiohttp
    from otel_actuator.web.django import mount_django
    from otel_actuator.web.fastapi import mount_fastapi
    from otel_actuator.web.flask import mount_flask
    from otel_actuator.web.litestar import LitestarActuatorPlugin
    from otel_actuator.web.server import ManagementServer
    from otel_actuator.web.starlette import mount_starlette
    from otel_actuator.web.tornado import mount_tornado
    from otel_actuator.web.wrap import wrap_asgi, wrap_wsgi

_LAZY = {
    "Actuator": "otel_actuator.actuator",
    "Running": "otel_actuator.boot",
    "running": "otel_actuator.boot",
    "serve_management": "otel_actuator.boot",
    "Bridge": "otel_actuator.bridge",
    "connect": "otel_actuator.bridge.setup",
    "AsyncRedisHealthIndicator": "otel_actuator.health",
    "AsyncSqlAlchemyHealthIndicator": "otel_actuator.health",
    "CompositeHealth": "otel_actuator.health",
    "DiskSpaceHealthIndicator": "otel_actuator.health",
    "Health": "otel_actuator.health",
    "HealthIndicator": "otel_actuator.health",
    "RedisHealthIndicator": "otel_actuator.health",
    "SqlAlchemyHealthIndicator": "otel_actuator.health",
    "Status": "otel_actuator.health",
    "Sanitizer": "otel_actuator.sanitize",
    "Exchange": "otel_actuator.sources",
    "Meter": "otel_actuator.sources",
    "RouteMapping": "otel_actuator.sources",
    "Sources": "otel_actuator.sources",
    "quiet_access_log": "otel_actuator.web.access_log",
    "mount_aiohttp": "otel_actuator.web.aiohttp",
    "mount_django": "otel_actuator.web.django",
    "mount_fastapi": "otel_actuator.web.fastapi",
    "mount_flask": "otel_actuator.web.flask",
    "LitestarActuatorPlugin": "otel_actuator.web.litestar",
    "ManagementServer": "otel_actuator.web.server",
    "mount_starlette": "otel_actuator.web.starlette",
    "mount_tornado": "otel_actuator.web.tornado",
    "wrap_asgi": "otel_actuator.web.wrap",
    "wrap_wsgi": "otel_actuator.web.wrap",
}

__all__ = [
    "Actuator",
    "AsyncRedisHealthIndicator",
    "AsyncSqlAlchemyHealthIndicator",
    "Bridge",
    "CompositeHealth",
    "DiskSpaceHealthIndicator",
    "Exchange",
    "Health",
    "HealthIndicator",
    "LitestarActuatorPlugin",
    "ManagementServer",
    "Meter",
    "RedisHealthIndicator",
    "RouteMapping",
    "Running",
    "Sanitizer",
    "Settings",
    "SettingsError",
    "Sources",
    "SqlAlchemyHealthIndicator",
    "Status",
    "connect",
    "mount_aiohttp",
    "mount_django",
    "mount_fastapi",
    "mount_flask",
    "mount_starlette",
    "mount_tornado",
    "quiet_access_log",
    "running",
    "serve_management",
    "wrap_asgi",
    "wrap_wsgi",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'otel_actuator' has no attribute {name!r}")
    return getattr(importlib.import_module(module_name), name)
