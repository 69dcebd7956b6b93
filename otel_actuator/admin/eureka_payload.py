"""The instance document Eureka's ``POST /apps/{APP}`` takes, with the metadata SBA's discovery reads.

SBA lists an instance it finds in Eureka with the health URL from ``healthCheckUrl`` and the management
URL built from the service's host and port plus ``management.*`` metadata (port, context path, and
scheme and address when they differ from the service's). Spring Cloud looks instances up by
``vipAddress``: without it the instance sits UP in Eureka and never shows in SBA.
"""

from __future__ import annotations

import ipaddress
import math
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit

from otel_actuator.admin.payload import InstanceUrls, application_name, registration
from otel_actuator.settings import Settings

#: What Eureka accepts as an instance status.
STATUSES = ("UP", "DOWN", "STARTING", "OUT_OF_SERVICE", "UNKNOWN")
_DATA_CENTER = {"@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn"}


@dataclass(frozen=True)
class _Address:
    scheme: str
    host: str
    port: int
    path: str


def _address(url: str) -> _Address:
    parts = urlsplit(url)
    scheme = parts.scheme or "http"
    port = parts.port or (443 if scheme == "https" else 80)
    return _Address(scheme, parts.hostname or "localhost", port, parts.path.rstrip("/"))


def ip_address_of(host: str) -> str:
    """The host itself when it is an IP literal, else what it resolves to (Eureka insists on an ipAddr)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return socket.gethostbyname(host)
    except OSError:
        return host


def app_name(settings: Settings, resource_attributes: Optional[Mapping[str, Any]] = None) -> str:
    """Eureka's application name: the service name upper-cased, as Eureka stores it anyway."""
    return application_name(settings, resource_attributes).upper()


def instance_id(urls: InstanceUrls, settings: Settings, resource_attributes: Optional[Mapping[str, Any]]) -> str:
    """``host:app:port`` as Spring's clients build it, with the port SBA polls: one id per serving process
    (workers behind one port each serve their actuator on a port of their own)."""
    management = _address(urls.management_url)
    return f"{management.host}:{application_name(settings, resource_attributes).lower()}:{management.port}"


def discovery_metadata(urls: InstanceUrls) -> dict[str, str]:
    """The ``management.*`` and ``health.path`` keys SBA's service-instance converters read."""
    service, management = _address(urls.service_url), _address(urls.management_url)
    metadata = {"management.port": str(management.port), "management.context-path": management.path or "/"}
    if management.scheme != service.scheme:
        metadata["management.scheme"] = management.scheme
    if management.host != service.host:
        metadata["management.address"] = management.host
    prefix = urls.management_url.rstrip("/") + "/"
    if urls.health_url.startswith(prefix):
        metadata["health.path"] = urls.health_url[len(prefix) :]
    return metadata


def instance_info(
    settings: Settings,
    urls: InstanceUrls,
    resource_attributes: Optional[Mapping[str, Any]],
    *,
    status: str,
    ip_address: str,
    dirty_timestamp: int,
) -> dict[str, Any]:
    """The ``{"instance": {...}}`` body; ``dirty_timestamp`` (ms) must grow whenever anything in it changes."""
    service = _address(urls.service_url)
    vip = application_name(settings, resource_attributes).lower()
    renewal = max(1, math.ceil(settings.eureka_interval))
    secure = service.scheme == "https"
    metadata = registration(settings, urls, resource_attributes)["metadata"]
    metadata.update(discovery_metadata(urls))
    return {
        "instance": {
            "instanceId": instance_id(urls, settings, resource_attributes),
            "hostName": service.host,
            "app": app_name(settings, resource_attributes),
            "ipAddr": ip_address,
            "vipAddress": vip,
            "secureVipAddress": vip,
            "status": status,
            "port": {"$": service.port, "@enabled": "false" if secure else "true"},
            "securePort": {"$": service.port if secure else 443, "@enabled": "true" if secure else "false"},
            "homePageUrl": urls.service_url,
            "statusPageUrl": urls.management_url.rstrip("/") + "/info",
            "healthCheckUrl": urls.health_url,
            "dataCenterInfo": dict(_DATA_CENTER),
            # Eureka expires a lease after durationInSecs without a heartbeat (in practice about twice that).
            "leaseInfo": {"renewalIntervalInSecs": renewal, "durationInSecs": 3 * renewal},
            "metadata": metadata,
            "lastDirtyTimestamp": str(dirty_timestamp),
        }
    }
