"""Real HTTP servers on loopback for integration tests: uvicorn for ASGI apps, werkzeug for WSGI apps."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

import httpx

from tests.support.polling import eventually


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    eventually(lambda: _listens(port), timeout=timeout, what=f"a listener on 127.0.0.1:{port}", interval=0.02)


def _listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Run ``app`` under a real uvicorn server in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    # proxy_headers off: uvicorn would otherwise apply X-Forwarded-* from loopback itself.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", proxy_headers=False)
    server = uvicorn.Server(config)  # off the main thread, it leaves the signal handlers alone

    def stop() -> None:
        server.should_exit = True

    with _serving(server.run, stop, port) as url:
        yield url


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """Run ``app`` under a real threaded werkzeug server in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    with _serving(server.serve_forever, server.shutdown, port) as url:
        yield url


@contextmanager
def _serving(run: Callable[[], None], stop: Callable[[], None], port: int) -> Iterator[str]:
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wait_for_port(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop()
        thread.join(timeout=10)


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=10.0)
