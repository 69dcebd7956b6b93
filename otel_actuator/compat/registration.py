"""Registration with Spring Boot Admin, started the moment a Pyctuator is built, as Pyctuator did.

The handler runs on its own thread: construction never waits for SBA. With ``auto_deregister`` the
instance is removed on the way out: at exit, on SIGTERM (which Pyctuator missed under uvicorn) and when
the global tracer provider shuts down.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any, Optional, Union

from otel_actuator import boot
from otel_actuator.admin.payload import InstanceUrls
from otel_actuator.compat.auth import Auth
from otel_actuator.compat.impl.spring_boot_admin_registration import BootAdminRegistrationHandler, StopAtExit

#: Pyctuator's switch to skip certificate checks towards SBA (for tests with self-signed certificates).
NO_CERT_VARIABLE = "PYCTUATOR_REGISTRATION_NO_CERT"

Verify = Union[ssl.SSLContext, bool]


def verification(ssl_context: Optional[ssl.SSLContext], environ: Optional[Mapping[str, str]] = None) -> Verify:
    env = os.environ if environ is None else environ
    if ssl_context is not None:
        return ssl_context
    return NO_CERT_VARIABLE not in env


def start_registration(
    registration_url: str,
    registration_auth: Optional[Auth],
    application_name: str,
    urls: InstanceUrls,
    interval: float,
    *,
    metadata: Optional[Mapping[str, Any]],
    ssl_context: Optional[ssl.SSLContext],
    auto_deregister: bool,
    timeout: float,
) -> BootAdminRegistrationHandler:
    handler = BootAdminRegistrationHandler(
        registration_url,
        registration_auth,
        application_name,
        urls,
        interval,
        metadata=metadata,
        verify=verification(ssl_context),
        timeout=timeout,
    )
    handler.start()
    boot.stop_at_exit(StopAtExit(handler, auto_deregister))
    return handler
