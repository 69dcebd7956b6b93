"""Spring Boot Actuator endpoints for Python services, fed by OpenTelemetry, ready for Spring Boot Admin.

The public API is what this module exports; framework helpers are imported only when first used, so
installing the package without FastAPI or Flask costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings, SettingsError

if TYPE_CHECKING:
    from otel_actuator.web.fastapi import mount_fastapi
    from otel_actuator.web.flask import mount_flask
    from otel_actuator.web.server import ManagementServer, serve_management

__all__ = [
    "Actuator",
    "ManagementServer",
    "Settings",
    "SettingsError",
    "mount_fastapi",
    "mount_flask",
    "serve_management",
]

_LAZY = {
    "mount_fastapi": "otel_actuator.web.fastapi",
    "mount_flask": "otel_actuator.web.flask",
    "serve_management": "otel_actuator.web.server",
    "ManagementServer": "otel_actuator.web.server",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'otel_actuator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
