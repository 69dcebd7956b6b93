"""A standalone management server: the actuator on its own port, for any Python process.

It runs waitress, a production WSGI server without a framework: one thread multiplexes the
connections and a few workers run the requests, so idle or slow clients hold no thread. The standard
library's servers cannot bound what a hostile client holds; here idle connections are closed after
``read_timeout`` seconds, at most ``connection_limit`` are open at once (further clients wait in the
listen backlog), request bodies are de-chunked and capped, and the app's own port is never starved of
file descriptors by the management port.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Optional

from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.web.wsgi import ActuatorWSGI

_logger = logging.getLogger("otel_actuator")

READ_TIMEOUT = 30
CONNECTION_LIMIT = 64
BACKLOG = 1024
_WORKER_THREADS = 4
#: Headers SBA and browsers send fit in a fraction of this.
_MAX_HEADER_BYTES = 16384


class ManagementServer:
    """Serves the actuator on ``host:port`` (port 0 picks a free one) in a daemon thread.

    :func:`otel_actuator.serve_management` builds and starts one from settings.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        read_timeout: int = READ_TIMEOUT,
        connection_limit: int = CONNECTION_LIMIT,
    ) -> None:
        from waitress.server import create_server

        self.dispatcher = dispatcher
        self._server: Any = create_server(
            ActuatorWSGI(dispatcher),
            host=host,
            port=port,
            threads=_WORKER_THREADS,
            connection_limit=connection_limit,
            channel_timeout=read_timeout,
            # How often idle connections are looked for: a fraction of the timeout.
            cleanup_interval=max(1, read_timeout // 4),
            backlog=BACKLOG,
            max_request_header_size=_MAX_HEADER_BYTES,
            max_request_body_size=dispatcher.policy.max_body_bytes + 1,
            ident="otel-actuator",
            clear_untrusted_proxy_headers=False,
        )
        self._thread: Optional[threading.Thread] = None

    @property
    def host(self) -> str:
        return str(self._server.effective_host)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.dispatcher.policy.base_path}"

    def start(self) -> ManagementServer:
        """Serve on a daemon thread from now on; returns self."""
        self._thread = threading.Thread(target=self._server.run, name="otel-actuator-management", daemon=True)
        self._thread.start()
        _logger.info("Actuator management server listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Close the listening socket and every connection, and wait briefly for the thread."""
        from waitress import wasyncore

        server = self._server
        if self._thread is None:
            server.close()
            server.task_dispatcher.shutdown()
            return
        # Closing every channel from the server's own thread ends its loop, which runs while any is open.
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # The wake-up pipe is gone already: close from here, the loop notices on its next poll.
            wasyncore.close_all(server._map, ignore_all=True)
        self._thread.join(timeout=5)
        server.task_dispatcher.shutdown()
