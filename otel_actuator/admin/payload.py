"""The registration document SBA's ``POST /instances`` takes."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional

from otel_actuator.settings import Settings


@dataclass(frozen=True)
class InstanceUrls:
    service_url: str
    management_url: str
    health_url: str


#: Called before each registration attempt: the URLs to advertise, or None while the server is not listening yet.
UrlResolver = Callable[[], Optional[InstanceUrls]]

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
    for key, value in settings.admin_tags.items():
        metadata[f"tags.{key}"] = value
    if settings.username is not None and settings.password is not None:
        metadata["user.name"] = settings.username
        metadata["user.password"] = settings.password
    metadata.update(ui_metadata(settings))
    for key, value in (extra_metadata or {}).items():
        metadata[str(key)] = "" if value is None else str(value)
    return {
        "name": application_name(settings, resource),
        "managementUrl": urls.management_url,
        "healthUrl": urls.health_url,
        "serviceUrl": urls.service_url,
        "metadata": metadata,
    }


def application_name(settings: Settings, resource_attributes: Optional[Mapping[str, Any]] = None) -> str:
    """The name instances of one service share: settings, else the OTel resource's service.name."""
    resource = resource_attributes or {}
    return str(settings.app_name or resource.get("service.name") or settings.service_name)


def ui_metadata(settings: Settings) -> dict[str, str]:
    """The metadata keys SBA's UI reads to group the instance, show its URL and add sidebar links."""
    metadata: dict[str, str] = {}
    if settings.admin_group:
        metadata["group"] = settings.admin_group
    if settings.admin_hide_url:
        metadata["hide-url"] = "true"
    if settings.admin_disable_url:
        metadata["disable-url"] = "true"
    if settings.admin_service_path:
        metadata["service-path"] = settings.admin_service_path
    # SBA renders each label as HTML and opens its URL from the instance's sidebar.
    for index, (label, url) in enumerate(settings.admin_sidebar_links.items()):
        metadata[f"sidebar.links.{index}.label"] = label
        metadata[f"sidebar.links.{index}.url"] = url
    return metadata
