"""The actuator as an ASGI application (FastAPI, Starlette, any ASGI server)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, MutableMapping
from typing import Any, Callable

from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Request, Response, encoded_path
from otel_actuator.endpoints.threaddump.snapshot import register_loop
from otel_actuator.web.urls import base_url

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ActuatorASGI:
    """Serves every path under the base path; anything else is a 404 (for use as a standalone app)."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._loop_registered = False

    def owns(self, path: str) -> bool:
        return self.dispatcher.policy.owns(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if not self._loop_registered:
            register_loop(asyncio.get_running_loop())
            self._loop_registered = True
        path = _route_path(scope)
        if not self.owns(path):
            await _send(
                send, Response(404, b'{"status":404,"error":"Not Found"}', [("Content-Type", "application/json")])
            )
            return
        request = await self._request(scope, receive, path)
        response = await self.dispatcher.handle_async(request)
        await _send(send, response)

    async def _request(self, scope: Scope, receive: Receive, path: str) -> Request:
        policy = self.dispatcher.policy
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        host = headers.get("host") or _server_host(scope)
        body = await _read_body(receive, self.dispatcher.body_limit(headers.get("authorization", "")))
        client = scope.get("client")
        return Request(
            method=scope["method"],
            path=encoded_path(path[len(policy.base_path.rstrip("/")) :]),
            base_url=base_url(
                scope.get("scheme", "http"),
                host,
                scope.get("root_path", "") or "",
                policy.base_path,
                headers,
                trust_forwarded=policy.forwarded_headers,
            ),
            query=_parse_query(scope.get("query_string", b"")),
            headers=headers,
            body=body,
            remote_addr=client[0] if client else None,
        )


def _route_path(scope: Scope) -> str:
    """The path without the mount prefix (Starlette keeps the full path in ``path`` since 0.33)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "") or ""
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


def _server_host(scope: Scope) -> str:
    server = scope.get("server")
    if not server:
        return "localhost"
    host, port = server[0], server[1]
    return f"{host}:{port}" if port else str(host)


def _parse_query(raw: bytes) -> tuple[tuple[str, str], ...]:
    from urllib.parse import parse_qsl

    return tuple(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))


async def _read_body(receive: Receive, limit: int) -> bytes:
    """Read at most ``limit`` bytes. The rest stays unread: the server closes a connection whose request
    body was not consumed, which is cheaper than receiving a body nobody looks at."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk: bytes = message.get("body", b"")
        chunks.append(chunk[: limit - size])
        size += len(chunks[-1])
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(send: Send, response: Response) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(response.content_length).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if response.stream is None:
        await send({"type": "http.response.body", "body": response.body})
        return
    chunks = iter(response.stream.chunks)
    while True:
        # Chunks come from disk: read them off the event loop.
        chunk = await asyncio.to_thread(next, chunks, b"")
        if not chunk:
            break
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
