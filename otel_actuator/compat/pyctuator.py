"""``Pyctuator``: Pyctuator's constructor and methods, served by the actuator and fed by OpenTelemetry.

Code written for Pyctuator runs unchanged once its imports name ``otel_actuator.compat`` instead of
``pyctuator`` (``from otel_actuator.compat import Pyctuator``). docs/migration-from-pyctuator.md lists
what maps to what and what differs.
"""

from __future__ import annotations

import datetime as _dt
import logging
import ssl
from collections.abc import Mapping
from typing import Any, Callable, Optional

from otel_actuator.compat.appinfo import AppInfoContributor, flattened
from otel_actuator.compat.arguments import (
    DEFAULT_DISK_THRESHOLD,
    DEFAULT_LOGFILE_FORMAT,
    DEFAULT_LOGFILE_MAX_SIZE,
    Arguments,
    actuator_settings,
    instance_urls,
    registration_target,
)
from otel_actuator.compat.auth import Auth
from otel_actuator.compat.endpoints import Endpoints
from otel_actuator.compat.facade import PyctuatorActuator
from otel_actuator.compat.health.health_provider import HealthProvider, IndicatorProvider, ProviderIndicator
from otel_actuator.compat.impl.spring_boot_admin_registration import BootAdminRegistrationHandler
from otel_actuator.compat.mounting import Customizer, framework_of, mount
from otel_actuator.compat.registration import start_registration
from otel_actuator.compat.telemetry import Telemetry, instrument, telemetry_for
from otel_actuator.settings import Settings

_logger = logging.getLogger("otel_actuator")


class Pyctuator:
    """Mounts the actuator endpoints under the path of ``pyctuator_endpoint_url`` in a FastAPI or Flask
    ``app`` and, with a ``registration_url``, registers with Spring Boot Admin right away (in the
    background) and again every ``registration_interval_sec``.

    ``actuator`` is the :class:`~otel_actuator.Actuator` behind it, for everything Pyctuator had no
    method for; ``telemetry`` holds the OpenTelemetry providers and the bridge in use.
    """

    def __init__(
        self,
        app: Any,
        app_name: str,
        app_url: str,
        pyctuator_endpoint_url: str,
        registration_url: Optional[str],
        registration_auth: Optional[Auth] = None,
        app_description: Optional[str] = None,
        registration_interval_sec: float = 10,
        free_disk_space_down_threshold_bytes: int = DEFAULT_DISK_THRESHOLD,
        logfile_max_size: int = DEFAULT_LOGFILE_MAX_SIZE,
        logfile_formatter: str = DEFAULT_LOGFILE_FORMAT,
        auto_deregister: bool = True,
        metadata: Optional[Mapping[str, Any]] = None,
        additional_app_info: Optional[Mapping[str, Any]] = None,
        ssl_context: Optional[ssl.SSLContext] = None,
        customizer: Optional[Customizer] = None,
        disabled_endpoints: Endpoints = Endpoints.NONE,
    ) -> None:
        framework = framework_of(app)
        arguments = Arguments(
            app_name=app_name,
            app_url=app_url,
            pyctuator_endpoint_url=pyctuator_endpoint_url,
            registration_url=registration_url,
            registration_auth=registration_auth,
            app_description=app_description,
            registration_interval_sec=registration_interval_sec,
            free_disk_space_down_threshold_bytes=free_disk_space_down_threshold_bytes,
            logfile_max_size=logfile_max_size,
            logfile_formatter=logfile_formatter,
            disabled_endpoints=disabled_endpoints,
        )
        settings = actuator_settings(arguments)
        target = registration_target(arguments)  # fails on a bad URL before anything starts
        self.auto_deregister = auto_deregister
        self.telemetry: Telemetry = telemetry_for(settings)
        instrument(app, framework, self.telemetry)
        actuator = PyctuatorActuator(settings)
        self.telemetry.bridge.attach(actuator)
        actuator.use_pyctuator_sources()
        self._info = AppInfoContributor(additional_app_info)
        actuator.add_info_contributor(self._info)
        self.actuator = mount(app, framework, actuator, customizer)
        #: Pyctuator's name for the registration: ``stop()`` it, ``deregister_from_admin_server()``.
        self.boot_admin_registration_handler: Optional[BootAdminRegistrationHandler] = None
        if target is not None:
            self.boot_admin_registration_handler = start_registration(
                target,
                registration_auth,
                app_name,
                instance_urls(arguments),
                registration_interval_sec,
                metadata={**_credentials(settings), **(metadata or {})},
                ssl_context=ssl_context,
                auto_deregister=auto_deregister,
                timeout=settings.admin_timeout,
            )

    def stop(self) -> None:
        """Stop registering; deregister too unless ``auto_deregister`` was turned off. The endpoints stay."""
        handler = self.boot_admin_registration_handler
        if handler is not None:
            handler.stop(deregister=self.auto_deregister)
            self.boot_admin_registration_handler = None

    def register_health_provider(self, provider: HealthProvider) -> None:
        """Add a health component named ``provider.get_name()``; one registered under that name is replaced."""
        if not provider.is_supported():
            _logger.info("health provider %s is not supported here; not registered", provider.get_name())
            return
        name = provider.get_name()
        indicator = provider.indicator if isinstance(provider, IndicatorProvider) else ProviderIndicator(provider)
        self.actuator.health.unregister(name)
        self.actuator.health.register(name, indicator)

    def register_environment_provider(self, name: str, env_provider: Callable[[], Mapping[str, Any]]) -> None:
        """Show what ``env_provider`` returns in env as property source ``name``, nested keys joined by dots."""
        self.actuator.add_property_source(name, flattened(env_provider))

    def set_git_info(self, commit: str, time: _dt.datetime, branch: Optional[str] = None) -> None:
        self._info.set_git(commit, time, branch)

    def set_build_info(
        self,
        artifact: Optional[str] = None,
        group: Optional[str] = None,
        name: Optional[str] = None,
        version: Optional[str] = None,
        time: Optional[_dt.datetime] = None,
    ) -> None:
        self._info.set_build(artifact=artifact, group=group, name=name, version=version, time=time)


def _credentials(settings: Settings) -> dict[str, str]:
    """SBA calls endpoints the actuator's own credentials protect with these (Pyctuator had none to send)."""
    if settings.username is None or settings.password is None:
        return {}
    return {"user.name": settings.username, "user.password": settings.password}
