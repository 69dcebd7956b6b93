"""Concurrent load on the actuator and the application, and a fork of a process whose bridge is active.

Under load: 8 threads x 200 requests and 16 asyncio tasks x 50 requests over real sockets, mixing
application requests, every actuator read and logger writes while log lines are written: everything
finishes (no deadlock), nothing raises, nothing answers 5xx, the exchange ring and the log tail stay
within their caps and the process's memory does not keep growing from one round to the next.

After ``os.fork()``: the child's actuator describes the child (pid, start time, threads), not a cached
picture of the parent, and the child neither registers with Spring Boot Admin a second time nor
deregisters the parent's instance.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
import pytest

import tests.support.apps as apps
from otel_actuator import Actuator, Settings
from otel_actuator.admin.discovery import url_resolver
from otel_actuator.admin.registrar import Registrar
from otel_actuator.sources.logs import LogTail
from tests.support.fake_admin import FakeAdmin
from tests.support.polling import eventually
from tests.support.requests import call, json_of

EXCHANGES_CAPACITY = 50
LOG_TAIL_BYTES = 16_384
LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF")
#: Generous: a round of the load must finish in this many seconds, or something is stuck.
DEADLINE = 240.0
MB = 1 << 20


@dataclass
class Outcome:
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, status: int) -> None:
        with self.lock:
            self.statuses[(what, status)] += 1

    def server_errors(self) -> list[tuple[str, int]]:
        return [key for key in self.statuses if key[1] >= 500]


def request_mix(n: int) -> tuple[str, str, dict[str, Any]]:
    """Request ``n`` of a worker: every other one is the application's, the rest go round the actuator."""
    if n % 2 == 0:
        return "GET", f"/items/{n}", {}
    reads: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/actuator/health", {}),
        ("GET", "/actuator/metrics", {}),
        ("GET", "/actuator/metrics/http.server.requests", {"params": {"tag": "method:GET"}}),
        ("GET", "/actuator/metrics/process.uptime", {}),
        ("GET", "/actuator/prometheus", {}),
        ("GET", "/actuator/env", {}),
        ("GET", "/actuator/loggers", {}),
        ("POST", "/actuator/loggers/load.target", {"json": {"configuredLevel": LEVELS[n % len(LEVELS)]}}),
        ("GET", "/actuator/threaddump", {}),
        ("GET", "/actuator/threaddump", {"headers": {"Accept": "text/plain"}}),
        ("GET", "/actuator/httpexchanges", {}),
        ("GET", "/actuator/logfile", {"headers": {"Range": "bytes=-2048"}}),
        ("GET", "/actuator/info", {}),
        ("GET", "/actuator", {}),
    ]
    return reads[(n // 2) % len(reads)]


@pytest.fixture(params=apps.FRAMEWORKS)
def loaded_app(request: pytest.FixtureRequest) -> Iterator[tuple[str, Actuator]]:
    """A served app whose OpenTelemetry logs (logger ``load``) feed the actuator's log tail."""
    from opentelemetry.sdk._logs import LoggingHandler

    settings = Settings(
        exposure_include=("*",),
        health_show_details="always",
        exchanges_capacity=EXCHANGES_CAPACITY,
        exchanges_include_actuator=True,
        logfile_max_bytes=LOG_TAIL_BYTES,
    )
    with apps.served_app(str(request.param), settings) as app:
        handler = LoggingHandler(logger_provider=app.telemetry.logger_provider)
        logger = logging.getLogger("load")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            yield app.url, app.actuator
        finally:
            logger.removeHandler(handler)
            logging.getLogger("load.target").setLevel(logging.NOTSET)


def threaded_round(url: str, threads: int, requests: int, outcome: Outcome) -> None:
    log = logging.getLogger("load.worker")

    def worker(index: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            for n in range(requests):
                method, path, options = request_mix(n + index)
                try:
                    response = client.request(method, path, **options)
                    outcome.record(path, response.status_code)
                except httpx.HTTPError as exc:
                    with outcome.lock:
                        outcome.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                log.info("worker %d finished request %d of %d (%s %s)", index, n, requests, method, path)

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="load") as pool:
        futures = [pool.submit(worker, index) for index in range(threads)]
        done, not_done = wait(futures, timeout=DEADLINE)
        assert not not_done, f"{len(not_done)} of {threads} workers still running after {DEADLINE}s: deadlock?"
        for future in done:
            future.result()


def asyncio_round(url: str, tasks: int, requests: int, outcome: Outcome) -> None:
    async def task(client: httpx.AsyncClient, index: int) -> None:
        for n in range(requests):
            method, path, options = request_mix(n + index)
            try:
                response = await client.request(method, path, **options)
                outcome.record(path, response.status_code)
            except httpx.HTTPError as exc:
                outcome.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")

    async def main() -> None:
        limits = httpx.Limits(max_connections=tasks)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            await asyncio.wait_for(asyncio.gather(*(task(client, i) for i in range(tasks))), DEADLINE)

    asyncio.run(main())


def assert_healthy_round(outcome: Outcome, expected: int) -> None:
    assert not outcome.errors, outcome.errors[:10]
    assert not outcome.server_errors(), outcome.server_errors()
    assert sum(outcome.statuses.values()) == expected
    allowed = {200, 204, 206}
    unexpected = {key: count for key, count in outcome.statuses.items() if key[1] not in allowed}
    assert not unexpected, unexpected


def assert_bounded(actuator: Actuator) -> None:
    exchanges = actuator.exchanges
    assert exchanges is not None
    assert len(exchanges.exchanges()) == EXCHANGES_CAPACITY  # full, and not one more
    tail = actuator.logs
    assert isinstance(tail, LogTail)
    assert tail.size() > 4 * LOG_TAIL_BYTES, "the load wrote well past the cap"
    assert tail.size() - tail.first_offset() <= LOG_TAIL_BYTES


def rss() -> int:
    return int(psutil.Process().memory_info().rss)


def test_concurrent_reads_and_writes_under_load(loaded_app: tuple[str, Actuator]) -> None:
    url, actuator = loaded_app
    threaded_round(url, threads=4, requests=40, outcome=Outcome())  # warm-up: imports, caches, pools
    with httpx.Client(base_url=url, timeout=30) as client:
        # The warm-up's first collection may predate every application request; it is reused for
        # metrics_cache_ttl, during which http.server.requests is rightly absent.
        eventually(
            lambda: client.get("/actuator/metrics/http.server.requests").status_code == 200,
            what="the application's requests in the metrics",
        )
    baseline = rss()

    first = Outcome()
    threaded_round(url, threads=8, requests=200, outcome=first)
    assert_healthy_round(first, 8 * 200)
    asyncio_round(url, tasks=16, requests=50, outcome=first)
    assert_healthy_round(first, 8 * 200 + 16 * 50)
    assert_bounded(actuator)
    after_first = rss()

    second = Outcome()
    threaded_round(url, threads=8, requests=200, outcome=second)
    asyncio_round(url, tasks=16, requests=50, outcome=second)
    assert_healthy_round(second, 8 * 200 + 16 * 50)
    assert_bounded(actuator)
    after_second = rss()

    print(
        f"RSS: {baseline / MB:.1f} MB after warm-up, {after_first / MB:.1f} MB after round 1, "
        f"{after_second / MB:.1f} MB after round 2"
    )
    assert after_first - baseline < 150 * MB
    assert after_second - after_first < 40 * MB, "memory keeps growing with the same load"
    assert logging.getLogger("load.target").level in (5, 10, 20, 30, 40, 100)
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/items/1").json() == {"id": 1}
        assert client.get("/actuator/health").status_code == 200


# -- fork -----------------------------------------------------------------------------------------------


def _get(actuator: Actuator, path: str) -> Any:
    return json_of(call(actuator.dispatcher, "GET", path))


def _value(actuator: Actuator, metric: str) -> float:
    return float(_get(actuator, f"/metrics/{metric}")["measurements"][0]["value"])


def _in_child(actuator: Actuator, registrar: Registrar) -> dict[str, Any]:
    """What the forked child sees; runs in the child, whose only thread is this one."""
    report: dict[str, Any] = {
        "pid": os.getpid(),
        "create_time": psutil.Process().create_time(),
        "info_pid": _get(actuator, "/info")["process"]["pid"],
        "env_pid": _get(actuator, "/env/PID")["property"]["value"],
        "start_time": _value(actuator, "process.start.time"),
        "threads": _value(actuator, "python.threads.live"),
        "running": registrar.running,
        "registered": dict(registrar.registered),
    }
    registrar.start()  # a second registrar thread must not appear
    time.sleep(1.0)  # room for a wrongly restarted thread to register from here
    report["running_after_start"] = registrar.running
    registrar.stop()  # what atexit or the SIGTERM handler does in the child
    return report


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_forked_child_reports_itself_and_leaves_registration_to_the_parent() -> None:
    admin = FakeAdmin()
    settings = Settings(
        exposure_include=("*",),
        admin_url=(admin.url,),
        admin_interval=0.2,
        admin_timeout=2.0,
        admin_service_url="http://127.0.0.1:8000/",
    )
    actuator, telemetry = apps.bridged_actuator(settings)
    registrar = Registrar(settings, url_resolver(actuator.settings), resource_attributes=actuator.resource_attributes)
    registrar.start()
    try:
        eventually(lambda: registrar.registered, what="the parent's registration")
        parent_start = _value(actuator, "process.start.time")  # now cached for metrics_cache_ttl
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through the pipe and never returns
            status = 0
            try:
                os.close(read_end)
                os.write(write_end, json.dumps(_in_child(actuator, registrar)).encode())
            except BaseException as exc:
                os.write(write_end, json.dumps({"error": repr(exc)}).encode())
                status = 1
            finally:
                os._exit(status)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            report = json.loads(pipe.read() or b"{}")
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0, report
        registrations_after_child = len(admin.registrations())

        assert report["pid"] == child
        assert report["info_pid"] == child
        assert report["env_pid"] == str(child)
        assert abs(report["start_time"] - report["create_time"]) < 1.0, "process.start.time is the child's"
        assert report["start_time"] != parent_start
        assert report["threads"] == 1.0, "the child has only the thread that forked"
        assert report["running"] is False and report["running_after_start"] is False
        assert report["registered"] == {}, "the parent's instance is not the child's to deregister"
        assert admin.deregistrations() == []
        assert {r.body["metadata"]["pid"] for r in admin.registrations()} == {str(os.getpid())}
        # The parent goes on registering as before.
        assert registrar.running
        eventually(
            lambda: len(admin.registrations()) > registrations_after_child, what="the parent's next registration"
        )
    finally:
        registrar.stop()
        telemetry.shutdown()
        admin.close()
    assert len(admin.deregistrations()) == 1, "only the parent deregistered, once"
