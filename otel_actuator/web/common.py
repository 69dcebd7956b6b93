"""What every mount helper does before serving: one Actuator per app, with a log source."""

from __future__ import annotations

from typing import Optional

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings


def ready_actuator(actuator: Optional[Actuator], settings: Optional[Settings]) -> Actuator:
    """Use the given actuator or build one; attach the process's bridge and a log tail when missing."""
    from otel_actuator.logtail import install_log_tail

    actuator = actuator or Actuator(settings)
    attach_default_bridge(actuator)
    install_log_tail(actuator)
    return actuator


def attach_default_bridge(actuator: Actuator) -> None:
    """Zero-code exporters register a process-wide bridge; an app mounted later picks it up."""
    from otel_actuator.bridge import current_bridge

    bridge = current_bridge()
    if bridge is not None and actuator.meters is None and actuator.exchanges is None:
        bridge.attach(actuator)


def monitor(actuator: Actuator) -> None:
    """Start what the settings ask for, once: a per-process management server and SBA registration.

    With several workers behind one port, each worker serves its actuator on a port of its own and
    registers as its own instance, so SBA never sees a different worker on each poll.
    """
    from otel_actuator.admin.discovery import worker_count
    from otel_actuator.admin.lifecycle import start_registration
    from otel_actuator.web.server import ManagementServer

    settings = actuator.settings
    if actuator.management_server is None and (
        settings.port is not None or (settings.admin_url and worker_count() > 1)
    ):
        actuator.management_server = ManagementServer(actuator, port=settings.port or 0).start()
    if settings.admin_url and actuator.registrar is None:
        management_url = actuator.management_server.url if actuator.management_server else None
        actuator.registrar = start_registration(actuator, management_url=management_url)


def retire(actuator: Actuator) -> None:
    """Stop what :func:`monitor` started for an actuator that another one replaces."""
    if actuator.registrar is not None:
        actuator.registrar.stop(deregister=False)
    if actuator.management_server is not None:
        actuator.management_server.stop()
