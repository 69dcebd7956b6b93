"""Django support under the name settings use: ``"otel_actuator.django.ActuatorMiddleware"`` in ``MIDDLEWARE``."""

from __future__ import annotations

from otel_actuator.web.django import ActuatorMiddleware, mount_django

__all__ = ["ActuatorMiddleware", "mount_django"]
