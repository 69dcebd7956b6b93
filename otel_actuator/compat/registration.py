"""Registration with Spring Boot Admin, started the moment a Pyctuator is built, as Pyctuator did.

The registrar runs on its own thread: construction never waits for SBA. With ``auto_deregister`` the
instance is removed on the way out: at exit, and on SIGTERM (which Pyctuator missed under uvicorn).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any, Optional, Union

from otel_actuator import boot
from otel_actuator.admin.payload import InstanceUrls
from otel_actuator.admin.registrar import Registrar
from otel_actuator.settings import Settings

#: Pyctuator's switch to skip certificate checks towards SBA (for tests with self-signed certificates).
NO_CERT_VARIABLE = "PYCTUATOR_REGISTRATION_NO_CERT"

Verify = Union[ssl.SSLContext, bool]


def verification(ssl_context: Optional[ssl.SSLContext], environ: Optional[Mapping[str, str]] = None) -> Verify:
    env = os.environ if environ is None else environ
    if ssl_context is not None:
        return ssl_context
    return NO_CERT_VARIABLE not in env


def start_registration(
    settings: Settings,
    urls: InstanceUrls,
    *,
    resource_attributes: Mapping[str, Any],
    metadata: Optional[Mapping[str, Any]],
    ssl_context: Optional[ssl.SSLContext],
    auto_deregister: bool,
) -> Registrar:
    return boot.start_registration(
        settings,
        boot.fixed_urls(urls),
        resource_attributes=resource_attributes,
        metadata=metadata,
        verify=verification(ssl_context),
        deregister_at_exit=auto_deregister,
    )
