"""A standalone management server: the actuator on its own port, for any Python process.

It is a small threaded WSGI server from the standard library, so it needs no web framework and keeps
serving while the application's own server is busy.
"""

from __future__ import annotations

import logging
import threading
from socketserver import ThreadingMixIn
from typing import Any, Optional
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings
from otel_actuator.web.common import monitor, ready_actuator
from otel_actuator.web.wsgi import ActuatorWSGI

_logger = logging.getLogger("otel_actuator")


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        _logger.debug("management server: " + format, *args)


class ManagementServer:
    """Serves the actuator on ``host:port`` (port 0 picks a free one) in a daemon thread."""

    def __init__(self, actuator: Actuator, host: Optional[str] = None, port: Optional[int] = None) -> None:
        self.actuator = actuator
        settings = actuator.settings
        self._server = make_server(
            host or settings.host,
            port if port is not None else (settings.port or 0),
            ActuatorWSGI(actuator),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self._thread: Optional[threading.Thread] = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.actuator.settings.base_path}"

    def start(self) -> ManagementServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="otel-actuator-management", daemon=True)
        self._thread.start()
        _logger.info("Actuator management server listening on %s", self.url)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def serve_management(
    actuator: Optional[Actuator] = None,
    settings: Optional[Settings] = None,
    *,
    host: Optional[str] = None,
    port: Optional[int] = None,
) -> ManagementServer:
    """Start the management server for ``actuator`` (or a new one from settings) and return it."""
    actuator = ready_actuator(actuator, settings)
    server = ManagementServer(actuator, host, port).start()
    if actuator.management_server is None:
        actuator.management_server = server
    monitor(actuator)
    return server
