"""The registration document SBA's ``POST /instances`` takes."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from otel_actuator.settings import Settings


@dataclass(frozen=True)
class InstanceUrls:
    service_url: str
    management_url: str
    health_url: str


STARTUP = _dt.datetime.now().astimezone().isoformat()


def registration(
    settings: Settings,
    urls: InstanceUrls,
    resource_attributes: Optional[Mapping[str, Any]] = None,
    extra_metadata: Optional[Mapping[str, Any]] = None,
) -> dict[str, Any]:
    """Name, URLs and string-only metadata (SBA turns any other JSON value into an empty string)."""
    resource = dict(resource_attributes or {})
    metadata: dict[str, str] = {
        "startup": STARTUP,
        "python.version": platform.python_version(),
        "pid": str(os.getpid()),
    }
    instance_id = resource.get("service.instance.id")
    if instance_id:
        metadata["service.instance.id"] = str(instance_id)
    version = settings.app_version or resource.get("service.version")
    if version:
        metadata["build.version"] = str(version)
    environment = resource.get("deployment.environment.name") or resource.get("deployment.environment")
    if environment:
        metadata["tags.environment"] = str(environment)
    for item in settings.admin_tags:
        key, sep, value = item.partition("=")
        if sep and key.strip():
            metadata[f"tags.{key.strip()}"] = value.strip()
    if settings.username is not None and settings.password is not None:
        metadata["user.name"] = settings.username
        metadata["user.password"] = settings.password
    for key, value in (extra_metadata or {}).items():
        metadata[str(key)] = "" if value is None else str(value)
    name = settings.app_name or resource.get("service.name") or settings.service_name
    return {
        "name": str(name),
        "managementUrl": urls.management_url,
        "healthUrl": urls.health_url,
        "serviceUrl": urls.service_url,
        "metadata": metadata,
    }
