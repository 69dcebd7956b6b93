"""Apps with the Pyctuator drop-in on real loopback servers, for the compat integration tests.

The port is chosen before the app is built: Pyctuator takes the app's URL, port included, as an argument.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from otel_actuator.compat import Pyctuator
from tests.support.servers import serve_aiohttp, serve_asgi, serve_tornado, serve_wsgi


@dataclass
class PyctuatorApp:
    url: str
    pyctuator: Pyctuator

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10.0)


@contextmanager
def serving(framework: str, app: Any, port: int, pyctuator: Pyctuator) -> Iterator[PyctuatorApp]:
    """Serve ``app`` (``fastapi``, ``flask``, ``aiohttp`` or ``tornado``) on ``port``; ``pyctuator``, built on
    it, is stopped before the server."""
    with _server(framework, app, port) as url:
        try:
            yield PyctuatorApp(url, pyctuator)
        finally:
            pyctuator.stop()


def _server(framework: str, app: Any, port: int) -> AbstractContextManager[str]:
    if framework == "fastapi":
        # uvicorn as Pyctuator's tutorial configures it: the asyncio loop, the app's lifespan run.
        return serve_asgi(app, port, loop="asyncio", lifespan="auto")
    if framework == "flask":
        return serve_wsgi(app, port)
    if framework == "aiohttp":
        return serve_aiohttp(app, port)
    if framework == "tornado":
        return serve_tornado(app, port)
    raise ValueError(f"no server for {framework!r}")
