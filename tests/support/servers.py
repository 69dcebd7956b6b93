"""Real HTTP servers on loopback for integration tests, each on a thread of its own: uvicorn for ASGI apps,
werkzeug for WSGI apps, aiohttp's and Tornado's own servers on an event loop of their own."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any, Callable, Optional

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
def serve_asgi(app: Any, port: Optional[int] = None, **options: Any) -> Iterator[str]:
    """Run ``app`` under a real uvicorn server in a thread (on ``port`` if given); yields its base URL.

    ``options`` override the ``uvicorn.Config`` arguments set here.
    """
    import uvicorn

    port = port or free_port()
    # proxy_headers off: uvicorn would otherwise apply X-Forwarded-* from loopback itself.
    arguments = {"host": "127.0.0.1", "log_level": "warning", "lifespan": "off", "proxy_headers": False, **options}
    server = uvicorn.Server(uvicorn.Config(app, port=port, **arguments))  # off the main thread: no signal handlers

    def stop() -> None:
        server.should_exit = True

    with _serving(server.run, stop, port) as url:
        yield url


@contextmanager
def serve_wsgi(app: Any, port: Optional[int] = None) -> Iterator[str]:
    """Run ``app`` under a real threaded werkzeug server in a thread (on ``port`` if given); yields its base URL."""
    from werkzeug.serving import make_server

    port = port or free_port()
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


@contextmanager
def serve_aiohttp(app: Any, port: Optional[int] = None) -> Iterator[str]:
    """Run an ``aiohttp.web.Application`` on aiohttp's own server (on ``port`` if given); yields its base URL."""
    from aiohttp import web

    port = port or free_port()
    runner = web.AppRunner(app)

    async def start() -> None:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()

    with _on_a_loop(start, runner.cleanup, port) as url:
        yield url


@contextmanager
def serve_tornado(app: Any, port: Optional[int] = None) -> Iterator[str]:
    """Run a ``tornado.web.Application`` on its own HTTP server (on ``port`` if given); yields its base URL."""
    port = port or free_port()
    servers: list[Any] = []

    async def start() -> None:
        servers.append(app.listen(port, address="127.0.0.1"))

    async def stop() -> None:
        servers[0].stop()

    with _on_a_loop(start, stop, port) as url:
        yield url


@contextmanager
def _on_a_loop(start: Callable[[], Awaitable[Any]], stop: Callable[[], Awaitable[Any]], port: int) -> Iterator[str]:
    """Run ``start`` on an event loop of its own thread, then that loop until the block ends, then ``stop``."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(stop())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    wait_for_port(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=10.0)
