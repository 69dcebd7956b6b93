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

from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.web.wsgi import ActuatorWSGI

_logger = logging.getLogger("otel_actuator")


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        _logger.debug("management server: " + format, *args)


class ManagementServer:
    """Serves the actuator on ``host:port`` (port 0 picks a free one) in a daemon thread.

    :func:`otel_actuator.serve_management` builds and starts one from settings.
    """

    def __init__(self, dispatcher: Dispatcher, host: str = "127.0.0.1", port: int = 0) -> None:
        self.dispatcher = dispatcher
        self._server = make_server(
            host,
            port,
            ActuatorWSGI(dispatcher),
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
        return f"http://{self.host}:{self.port}{self.dispatcher.policy.base_path}"

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
