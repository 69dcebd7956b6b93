"""When registration starts and how it ends: URL resolution, atexit, SIGTERM and provider shutdown.

Deregistration must happen on every graceful exit. ``atexit`` covers normal exits; SIGTERM does not
run atexit by default (and uvicorn re-raises it after its own graceful shutdown), so a SIGTERM handler
is chained in front of whatever handler is there; and the registrar can sit on a TracerProvider as a
span processor, so shutting the OTel providers down deregisters too.
"""

from __future__ import annotations

import atexit
import logging
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any, Optional

from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from otel_actuator.admin.discovery import http_url, listening_endpoints
from otel_actuator.admin.payload import InstanceUrls
from otel_actuator.admin.registrar import Registrar, UrlResolver

if TYPE_CHECKING:
    from otel_actuator.actuator import Actuator

_logger = logging.getLogger("otel_actuator.admin")


def url_resolver(actuator: Actuator, management_url: Optional[str] = None) -> UrlResolver:
    """Settings first; otherwise the socket the application listens on, once it does.

    ``management_url`` is the standalone management server's actuator URL when one serves this process.
    """
    settings = actuator.settings

    def resolve() -> Optional[InstanceUrls]:
        service_url = settings.admin_service_url
        if service_url is None:
            excluded = {management_port(management_url)} if management_url else set()
            candidates = [e for e in listening_endpoints() if e.port not in excluded]
            if candidates:
                service_url = http_url(candidates[0], prefer_ip=settings.admin_prefer_ip)
            elif management_url:
                # A process without a web server of its own: the management server is the service.
                service_url = management_url[: len(management_url) - len(settings.base_path)]
            else:
                return None
        if not service_url.endswith("/"):
            service_url += "/"
        manage = settings.admin_management_url or management_url or service_url.rstrip("/") + settings.base_path
        health = settings.admin_health_url or manage.rstrip("/") + "/health"
        return InstanceUrls(service_url=service_url, management_url=manage.rstrip("/"), health_url=health)

    return resolve


def management_port(url: str) -> int:
    authority = url.split("://", 1)[-1].split("/", 1)[0]
    return int(authority.rsplit(":", 1)[1])


class RegistrarSpanProcessor(SpanProcessor):
    """Ties the registrar to a TracerProvider: its shutdown deregisters."""

    def __init__(self, registrar: Registrar) -> None:
        self.registrar = registrar

    def on_start(self, span: Span, parent_context: Any = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        return None

    def shutdown(self) -> None:
        self.registrar.stop()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def deregister_on_sigterm(registrar: Registrar) -> bool:
    """Chain a SIGTERM handler that deregisters, then hands over to the previous one (or exits cleanly)."""
    if threading.current_thread() is not threading.main_thread():
        return False
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: Optional[FrameType]) -> None:
        registrar.stop()
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_IGN:
            return
        else:
            # SystemExit instead of the default kill, so atexit hooks and OTel provider shutdown run.
            raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    return True


def start_registration(actuator: Actuator, *, management_url: Optional[str] = None) -> Registrar:
    """Start registering ``actuator``'s process with SBA; stops (and deregisters) at exit or SIGTERM."""
    registrar = Registrar(
        actuator.settings,
        url_resolver(actuator, management_url),
        resource_attributes=actuator.resource_attributes,
    )
    registrar.start()
    atexit.register(registrar.stop)
    deregister_on_sigterm(registrar)
    _logger.info("registering with Spring Boot Admin at %s", ", ".join(actuator.settings.admin_url))
    return registrar
