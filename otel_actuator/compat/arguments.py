"""Pyctuator's constructor arguments turned into the actuator's settings and Spring Boot Admin URLs.

Three layers, each winning over the one before:

1. ``OTEL_ACTUATOR_*`` environment variables, read as everywhere else;
2. what a Pyctuator application had without asking (every endpoint exposed, health details and env
   values shown, values still sanitized), applied only where the variable is not set, so an operator
   can harden a deployed application without touching its code;
3. the constructor arguments themselves.

Registration and the management port are decided by the arguments alone: the actuator never starts
its own registrar or server for a Pyctuator application.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit

from otel_actuator.admin.payload import InstanceUrls
from otel_actuator.compat.auth import Auth, BasicAuth
from otel_actuator.compat.endpoints import EXPOSED_IDS, Endpoints, endpoint_ids
from otel_actuator.settings import PREFIX, SHOW_ALWAYS, Settings

#: Pyctuator's defaults, kept so an application behaves as it did when it leaves an argument out.
DEFAULT_DISK_THRESHOLD = 100 * 1024 * 1024
DEFAULT_LOGFILE_MAX_SIZE = 10000
DEFAULT_LOGFILE_FORMAT = "%(asctime)s  %(levelname)-5s %(process)d -- [%(threadName)s] %(module)s: %(message)s"

_PYCTUATOR_DEFAULTS: Mapping[str, Any] = {
    "exposure_include": EXPOSED_IDS,
    "health_show_details": SHOW_ALWAYS,
    "env_show_values": SHOW_ALWAYS,
}


@dataclass(frozen=True)
class Arguments:
    """The constructor arguments that shape settings and registration."""

    app_name: str
    app_url: str
    pyctuator_endpoint_url: str
    registration_url: Optional[str] = None
    registration_auth: Optional[Auth] = None
    app_description: Optional[str] = None
    registration_interval_sec: float = 10
    free_disk_space_down_threshold_bytes: int = DEFAULT_DISK_THRESHOLD
    logfile_max_size: int = DEFAULT_LOGFILE_MAX_SIZE
    logfile_formatter: str = DEFAULT_LOGFILE_FORMAT
    disabled_endpoints: Endpoints = Endpoints.NONE


def actuator_settings(arguments: Arguments, environ: Optional[Mapping[str, str]] = None) -> Settings:
    """The settings the actuator serves with (no registration, no management port of its own)."""
    env = os.environ if environ is None else environ
    base = Settings.from_env(env)
    values: dict[str, Any] = {
        name: value for name, value in _PYCTUATOR_DEFAULTS.items() if not env.get(PREFIX + name.upper(), "").strip()
    }
    values.update(
        base_path=base_path(arguments.pyctuator_endpoint_url),
        exposure_exclude=tuple(dict.fromkeys((*base.exposure_exclude, *endpoint_ids(arguments.disabled_endpoints)))),
        app_name=arguments.app_name,
        health_disk_threshold=arguments.free_disk_space_down_threshold_bytes,
        logfile_max_bytes=arguments.logfile_max_size,
        logfile_pattern=arguments.logfile_formatter,
        admin_url=(),
        port=None,
    )
    if arguments.app_description is not None:
        values["app_description"] = arguments.app_description
    return dataclasses.replace(base, **values)


def registration_target(arguments: Arguments) -> Optional[str]:
    """The URL registrations are POSTed to, as given; None without one. Checked before anything starts."""
    url = arguments.registration_url
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"registration_url {url!r} is not an http(s) URL, such as http://localhost:8080/instances")
    auth = arguments.registration_auth
    if auth is not None and not isinstance(auth, BasicAuth):
        raise TypeError(f"registration_auth must be a BasicAuth, got {type(auth).__name__}")
    return url


def base_path(pyctuator_endpoint_url: str) -> str:
    """The path of the endpoint URL, where the endpoints are served; the site root is refused."""
    path = urlsplit(pyctuator_endpoint_url).path.rstrip("/")
    if not path:
        raise ValueError(
            f"pyctuator_endpoint_url {pyctuator_endpoint_url!r} has no path: the endpoints would take over the "
            "whole application; give it one, such as http://host:8000/pyctuator"
        )
    return path


def instance_urls(arguments: Arguments) -> InstanceUrls:
    """The URLs sent to SBA, exactly as Pyctuator sent them."""
    service = arguments.app_url if arguments.app_url.endswith("/") else arguments.app_url + "/"
    management = arguments.pyctuator_endpoint_url.rstrip("/")
    return InstanceUrls(service_url=service, management_url=management, health_url=management + "/health")
