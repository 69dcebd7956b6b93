"""Security round, resource findings: nothing a client sends grows the process without bound.

Logger creation is capped and the loggers listing runs off the event loop; the management server
closes idle connections, caps them and listens with a normal backlog; chunked bodies are read (or
refused, never taken for empty); the log file is streamed with ranges served exactly; HTTP meters keep
a bounded tag set whatever the Host header says. Counts and orderings are compared, never durations.
"""

from __future__ import annotations

import functools
import logging
import secrets
import shutil
import socket
import subprocess
import threading
import tracemalloc
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest

from otel_actuator import Actuator, Settings
from otel_actuator.endpoints.loggers import MAX_CREATED_LOGGERS
from otel_actuator.web.server import ManagementServer
from otel_actuator.web.wsgi import ActuatorWSGI
from tests.support.apps import FRAMEWORKS, served
from tests.support.polling import eventually
from tests.support.servers import serve_asgi

EVERYTHING = Settings(exposure_include=("*",), telemetry_setup=False, metrics_cache_ttl=0)


@contextmanager
def _management_server(settings: Settings = EVERYTHING, **options: Any) -> Iterator[ManagementServer]:
    server = ManagementServer(Actuator(settings).dispatcher, "127.0.0.1", 0, **options).start()
    try:
        yield server
    finally:
        server.stop()


# -- loggers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_logger_creation_through_post_is_capped(framework: str) -> None:
    registry = logging.Logger.manager.loggerDict
    prefix = f"cap{secrets.token_hex(4)}"
    names = [f"{prefix}.n{i}." + ".".join("x" * 99) for i in range(30)]  # 100 new entries each
    before = len(registry)
    with served(framework, EVERYTHING) as (url, _):
        statuses = [
            httpx.post(f"{url}/actuator/loggers/{name}", json={"configuredLevel": "DEBUG"}).status_code
            for name in names
        ]
    assert 204 in statuses and statuses.count(400) >= len(names) - MAX_CREATED_LOGGERS // 100
    assert len(registry) - before <= MAX_CREATED_LOGGERS


class _GatedLogger(logging.Logger):
    """A logger whose level lookup waits until released: it holds whichever thread lists it."""

    entered = threading.Event()
    release = threading.Event()
    released_by_test: list[bool] = []

    def getEffectiveLevel(self) -> int:
        if not self.release.is_set():
            self.entered.set()
            self.released_by_test.append(self.release.wait(timeout=20))
        return super().getEffectiveLevel()


def test_listing_loggers_runs_off_the_event_loop() -> None:
    from fastapi import FastAPI

    from otel_actuator.web.fastapi import mount_fastapi

    app = FastAPI()

    @app.get("/ping")
    async def ping() -> str:  # async: served on the event loop itself
        return "pong"

    mount_fastapi(app, settings=EVERYTHING)
    name = f"gated{secrets.token_hex(4)}"
    logging.Logger.manager.loggerDict[name] = _GatedLogger(name)
    listing: list[int] = []
    try:
        with serve_asgi(app) as url:
            reader = threading.Thread(
                target=lambda: listing.append(httpx.get(f"{url}/actuator/loggers", timeout=60).status_code)
            )
            reader.start()
            eventually(_GatedLogger.entered.is_set, what="the listing to reach the gated logger")
            assert httpx.get(f"{url}/ping", timeout=60).json() == "pong"
            _GatedLogger.release.set()
            reader.join(timeout=60)
    finally:
        _GatedLogger.release.set()
        del logging.Logger.manager.loggerDict[name]
    assert listing == [200]
    assert _GatedLogger.released_by_test == [True], "/ping waited for the listing: it ran on the event loop"


# -- the management server -----------------------------------------------------------------------


def test_idle_connections_hold_no_thread_are_capped_and_closed() -> None:
    with _management_server(read_timeout=2, connection_limit=8) as server, ExitStack() as stack:
        threads_before = threading.active_count()
        idle = [
            stack.enter_context(socket.create_connection((server.host, server.port), timeout=30)) for _ in range(24)
        ]
        assert threading.active_count() - threads_before < 4
        # Past the cap, a request waits in the backlog until idle connections time out, then is served.
        assert httpx.get(f"{server.url}/health", timeout=60).json()["status"] == "UP"
        for sock in idle[:8]:
            eventually(functools.partial(_closed_by_peer, sock), what="the idle connection to be closed")


def _closed_by_peer(sock: socket.socket) -> bool:
    return sock.recv(1) == b""


@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) is not installed")
def test_the_management_server_listens_with_a_normal_backlog() -> None:
    with _management_server() as server:
        listing = subprocess.run(
            ["ss", "-ltnH", f"sport = :{server.port}"], capture_output=True, text=True, check=True
        ).stdout.split()
    assert int(listing[2]) >= 128, listing  # Send-Q of a listening socket is its backlog


def test_a_chunked_post_to_the_management_server_is_read() -> None:
    name = f"findings.chunked.{secrets.token_hex(4)}"
    with _management_server() as server:
        body = iter([b'{"configuredLevel":', b' "DEBUG"}'])
        answer = httpx.post(f"{server.url}/loggers/{name}", content=body, headers={"Content-Type": "application/json"})
        assert answer.request.headers["transfer-encoding"] == "chunked"
        assert answer.status_code == 204
        assert httpx.get(f"{server.url}/loggers/{name}").json()["configuredLevel"] == "DEBUG"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


def test_a_chunked_body_a_wsgi_server_leaves_undecoded_is_refused_not_taken_for_empty() -> None:
    # The standard library's WSGI server hands the chunked stream over as it came, with no end marker.
    name = f"findings.wsgiref.{secrets.token_hex(4)}"
    logging.getLogger(name).setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, ActuatorWSGI(Actuator(EVERYTHING).dispatcher), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/actuator/loggers/{name}"
        body = iter([b'{"configuredLevel": "DEBUG"}'])
        answer = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    finally:
        thread.join(timeout=10)
        server.server_close()
    assert answer.status_code == 411
    assert logging.getLogger(name).level == logging.ERROR


# -- the log file ---------------------------------------------------------------------------------

LOG_BYTES = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("logs") / "app.log"
    with path.open("wb") as log:
        log.write(b"".join(b"line %06d\n" % n for n in range(100)))
        log.truncate(LOG_BYTES)  # the rest is a hole on disk: no 64 MiB write
    return path


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_log_file_is_streamed_not_read_whole(framework: str, big_log: Path) -> None:
    settings = Settings(exposure_include=("logfile",), logfile_path=str(big_log), telemetry_setup=False)
    with served(framework, settings) as (url, _):
        tracemalloc.start()
        try:
            received = 0
            with httpx.stream("GET", f"{url}/actuator/logfile", timeout=60) as answer:
                assert answer.status_code == 200
                assert answer.headers["content-length"] == str(LOG_BYTES)
                for chunk in answer.iter_raw():
                    received += len(chunk)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert received == LOG_BYTES
    assert peak < LOG_BYTES // 4, f"{peak} bytes allocated at peak to send a {LOG_BYTES}-byte file"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_several_ranges_are_served_exactly(framework: str, big_log: Path) -> None:
    settings = Settings(exposure_include=("logfile",), logfile_path=str(big_log), telemetry_setup=False)
    with served(framework, settings) as (url, _):
        answer = httpx.get(f"{url}/actuator/logfile", headers={"Range": "bytes=0-10,24-34,-1"})
        whole = httpx.get(f"{url}/actuator/logfile", headers={"Range": f"bytes=0-{LOG_BYTES // 2},{LOG_BYTES // 2}-"})
    assert answer.status_code == 206
    content_type = answer.headers["content-type"]
    assert content_type.startswith("multipart/byteranges; boundary=")
    boundary = content_type.split("boundary=", 1)[1].encode()
    parts = [p for p in answer.content.split(b"--" + boundary) if p not in (b"", b"--\r\n")]
    assert len(parts) == 3
    ranges = [part.split(b"Content-Range: ", 1)[1].split(b"\r\n", 1)[0] for part in parts]
    assert ranges == [f"bytes {r}/{LOG_BYTES}".encode() for r in ("0-10", "24-34", f"{LOG_BYTES - 1}-{LOG_BYTES - 1}")]
    assert [part.split(b"\r\n\r\n", 1)[1][:-2] for part in parts] == [b"line 000000", b"line 000002", b"\x00"]
    assert len(answer.content) < 1024
    # Ranges adding up to the whole file would send it more than once: refused, as Spring does.
    assert whole.status_code == 416


# -- HTTP meters ----------------------------------------------------------------------------------

SPRING_HTTP_TAGS = {"method", "uri", "status", "outcome", "error"}


def test_http_server_meters_keep_a_bounded_tag_set_whatever_the_host_header_says() -> None:
    settings = Settings(exposure_include=("*",), metrics_cache_ttl=0)
    with served("fastapi", settings) as (url, _), httpx.Client(base_url=url) as client:
        for n in range(40):
            assert client.get("/items/1", headers={"Host": f"attacker-{n}.example"}).status_code == 200
        names = client.get("/actuator/metrics").json()["names"]
        sized = [name for name in names if name.startswith("http.server.") and "size" in name]
        assert sized, names
        for name in sized:
            meter = client.get(f"/actuator/metrics/{name}").json()
            tags = {tag["tag"]: tag["values"] for tag in meter["availableTags"]}
            assert set(tags) <= SPRING_HTTP_TAGS, (name, sorted(tags))
        prometheus = client.get("/actuator/prometheus").text
    assert "attacker-" not in prometheus
