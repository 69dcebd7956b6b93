"""What every mount helper does before serving: one Actuator per app, with a log source."""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Optional

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings

if TYPE_CHECKING:
    from otel_actuator.web.server import ManagementServer

_logger = logging.getLogger("otel_actuator")


def ready_actuator(actuator: Optional[Actuator], settings: Optional[Settings]) -> Actuator:
    """Use the given actuator or build one; attach the process's bridge and a log tail when missing."""
    from otel_actuator.sources.logs import install_log_tail

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
    registers as its own instance, so SBA never sees a different worker on each poll. A gunicorn
    master that imports the application (``--preload``) serves nothing itself: each worker starts
    both once forked.
    """
    from otel_actuator.admin.discovery import preforking_master

    settings = actuator.settings
    if not settings.admin_url and settings.port is None:
        return
    if preforking_master():
        with _forking_lock:
            if not _after_fork:
                os.register_at_fork(after_in_child=_monitor_in_forked_worker)
            if actuator not in _after_fork:
                _after_fork.append(actuator)
        return
    _start_monitoring(actuator)


_forking_lock = threading.Lock()
#: Actuators a preforking master left for its workers to start.
_after_fork: list[Actuator] = []


def _monitor_in_forked_worker() -> None:
    pending = list(_after_fork)
    _after_fork.clear()
    for actuator in pending:
        try:
            _start_monitoring(actuator)
        except Exception:
            _logger.exception("the actuator's management server or registration could not start in this worker")


def _start_monitoring(actuator: Actuator) -> None:
    from otel_actuator.admin.discovery import Endpoint, http_url, worker_count
    from otel_actuator.admin.lifecycle import start_registration

    settings = actuator.settings
    workers = worker_count()
    if actuator.management_server is None and (settings.port is not None or (settings.admin_url and workers > 1)):
        actuator.management_server = _management_server(actuator, settings.port or 0, workers)
    if settings.admin_url and actuator.registrar is None:
        management_url = None
        server = actuator.management_server
        if server is not None:
            # A wildcard bind (0.0.0.0) is no address for SBA to call: advertise the host instead.
            endpoint = Endpoint(server.host, server.port)
            management_url = http_url(endpoint, prefer_ip=settings.admin_prefer_ip, path=settings.base_path)
        actuator.registrar = start_registration(actuator, management_url=management_url)


def _management_server(actuator: Actuator, port: int, workers: int) -> ManagementServer:
    from otel_actuator.web.server import ManagementServer

    try:
        return ManagementServer(actuator, port=port).start()
    except OSError as exc:
        if port == 0 or workers <= 1:
            raise
        # Sibling workers cannot all bind one port: the first one keeps it, the others take a free one.
        _logger.warning("management port %d is taken (%s); this worker serves its actuator on a free port", port, exc)
        return ManagementServer(actuator, port=0).start()


def retire(actuator: Actuator) -> None:
    """Stop what :func:`monitor` started for an actuator that another one replaces."""
    with _forking_lock:
        if actuator in _after_fork:
            _after_fork.remove(actuator)
    if actuator.registrar is not None:
        actuator.registrar.stop(deregister=False)
    if actuator.management_server is not None:
        actuator.management_server.stop()
