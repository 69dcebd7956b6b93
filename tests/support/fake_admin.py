"""Fault-injecting fakes of a Spring Boot Admin server (the real one is used in tests/e2e).

``FakeAdmin`` answers registrations in a chosen mode: ``ok`` (201 with an id, like SBA), ``error``
(500), ``blackhole`` (accepts the connection and holds the request unanswered until the fake closes)
or ``slow`` (answers after a delay). The ``fake_admin`` fixture (registered in tests/conftest.py) is one
in ``ok`` mode, closed after the test.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    method: str
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class FakeAdmin:
    mode: str = "ok"
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        fake = self
        self._closing = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body: Any = json.loads(raw) if raw else None
                fake.received.append(Received(self.command, self.path, body, dict(self.headers)))
                if fake.mode == "blackhole":
                    fake._closing.wait()
                    return
                if fake.mode == "slow":
                    fake._closing.wait(fake.delay)
                if fake.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                if self.command == "POST":
                    instance_id = hashlib.sha1(str(body["healthUrl"]).encode()).hexdigest()[:12]
                    payload = json.dumps({"id": instance_id}).encode()
                    self.send_response(201)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                else:
                    self.send_response(204)
                    self.end_headers()

            do_POST = _handle
            do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def registrations(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST"]

    def deregistrations(self) -> list[Received]:
        return [r for r in self.received if r.method == "DELETE"]

    def close(self) -> None:
        """Stop listening; requests held in the black hole are let go without an answer."""
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def fake_admin() -> Iterator[FakeAdmin]:
    fake = FakeAdmin()
    yield fake
    fake.close()


def refused_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
