"""The actuator as a WSGI application (Flask, the management server, any WSGI server)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable
from urllib.parse import parse_qsl

from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Request, Response, encoded_path, reason
from otel_actuator.core.policy import HttpPolicy
from otel_actuator.web.urls import base_url

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


class ActuatorWSGI:
    """Serves every path under the base path; anything else is a 404."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        response = self.respond(environ)
        start_response(f"{response.status} {reason(response.status)}", response_headers(response))
        return response.stream.chunks if response.stream is not None else [response.body]

    def respond(self, environ: Environ) -> Response:
        path = environ.get("PATH_INFO", "") or "/"
        if not self.dispatcher.policy.owns(path):
            return _plain_error(404)
        if _unframed_chunked(environ):
            # The server hands the chunked body over undecoded and without an end: it cannot be read, and
            # taking it for an empty one would turn "set this level" into "reset it".
            return _plain_error(411)
        limit = self.dispatcher.body_limit(str(environ.get("HTTP_AUTHORIZATION", "")))
        return self.dispatcher.handle(request_from_environ(environ, self.dispatcher.policy, limit))


def response_headers(response: Response) -> list[tuple[str, str]]:
    return [*response.headers, ("Content-Length", str(response.content_length))]


def _plain_error(status: int) -> Response:
    body = f'{{"status":{status},"error":"{reason(status)}"}}'.encode()
    return Response(status, body, [("Content-Type", "application/json")])


def _unframed_chunked(environ: Environ) -> bool:
    chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return chunked and not environ.get("CONTENT_LENGTH") and not environ.get("wsgi.input_terminated")


def request_from_environ(environ: Environ, policy: HttpPolicy, body_limit: int) -> Request:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = str(value)
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    host = headers.get("host") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    path = _decoded_path(environ)
    return Request(
        method=environ.get("REQUEST_METHOD", "GET"),
        path=encoded_path(path[len(policy.base_path.rstrip("/")) :]),
        base_url=base_url(
            environ.get("wsgi.url_scheme", "http"),
            host,
            environ.get("SCRIPT_NAME", ""),
            policy.base_path,
            headers,
            trust_forwarded=policy.forwarded_headers,
        ),
        query=tuple(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
        headers=headers,
        body=_read_body(environ, body_limit),
        remote_addr=environ.get("REMOTE_ADDR"),
    )


def _decoded_path(environ: Environ) -> str:
    # PEP 3333 hands PATH_INFO over as latin-1-decoded bytes; undo that to get UTF-8 text.
    raw = environ.get("PATH_INFO", "") or "/"
    try:
        return str(raw.encode("latin-1").decode("utf-8"))
    except (UnicodeEncodeError, UnicodeDecodeError):
        return str(raw)


def _read_body(environ: Environ, limit: int) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    raw_length = environ.get("CONTENT_LENGTH") or ""
    if not raw_length and environ.get("wsgi.input_terminated"):
        # A chunked body has no length; servers that de-chunk it mark the stream as ending by itself.
        chunked: bytes = stream.read(limit)
        return chunked
    try:
        length = int(raw_length or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    data: bytes = stream.read(min(length, limit))
    return data
