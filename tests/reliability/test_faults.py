"""Faults the application must survive: it keeps serving at its normal latency, and the actuator tells
the truth about what is broken.

Each test serves a real app (uvicorn or werkzeug), measures the median latency of an application
request, injects one fault, measures again while Spring Boot Admin's polling of the actuator goes on,
and compares the two as a ratio. Faults: Spring Boot Admin down, refusing, black-holed, answering 500
or slow (fakes); Redis stopped, killed or frozen (a real redis-server); a database that accepts and never
answers (a fake); the log file deleted or rotated under the tail; the log file's disk full (a 64 KiB
tmpfs, or /dev/full where mounting is not allowed); a health check that raises or hangs; metric
callbacks that raise or return garbage.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

import tests.support.apps as apps
from otel_actuator import Settings, boot
from otel_actuator.health import redis_indicator
from tests.support.fake_admin import FakeAdmin
from tests.support.latency import assert_unaffected, median_latency
from tests.support.polling import eventually
from tests.support.requirements import require
from tests.support.services import RedisServer, silent_tcp_server


@contextmanager
def polled(url: str, paths: tuple[str, ...] = ("/actuator/health",), interval: float = 0.05) -> Iterator[list[int]]:
    """Spring Boot Admin's side: the actuator polled from another thread for as long as the block runs."""
    statuses: list[int] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                for path in paths:
                    statuses.append(client.get(path).status_code)
                stop.wait(interval)

    thread = threading.Thread(target=poll, name="sba-poller", daemon=True)
    thread.start()
    try:
        yield statuses
    finally:
        stop.set()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the poller is stuck on the actuator"


def assert_served_under_fault(
    name: str,
    url: str,
    client: httpx.Client,
    baseline: float,
    answers: int,
    paths: tuple[str, ...] = ("/actuator/health",),
) -> None:
    """While SBA polls ``paths`` (each answering ``answers``), the median request stays near ``baseline``."""
    with polled(url, paths) as statuses:
        under_fault = median_latency(client)
    assert statuses and set(statuses) == {answers}
    assert_unaffected(name, baseline, under_fault)


def health(client: httpx.Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/actuator/health")
    return response.status_code, response.json()


# -- Spring Boot Admin --------------------------------------------------------------------------------


# The registrar is the same whatever the framework: each fault once, black-holing on both servers.
SBA_FAULTS = [
    ("refused", "fastapi"),
    ("blackhole", "fastapi"),
    ("blackhole", "flask"),
    ("error", "flask"),
    ("slow", "fastapi"),
]


@pytest.mark.parametrize(("fault", "framework"), SBA_FAULTS)
def test_spring_boot_admin_faults(framework: str, fault: str, caplog: pytest.LogCaptureFixture) -> None:
    """SBA answers at first, then goes down (refused), black-holes, answers 500 or gets slow."""
    admin = FakeAdmin(delay=1.0)
    settings = Settings(
        exposure_include=("*",),
        admin_url=(admin.url,),
        admin_interval=0.3,
        admin_timeout=0.5 if fault == "blackhole" else 3.0,
        admin_service_url="http://127.0.0.1:1/",
    )
    caplog.set_level(logging.DEBUG, logger="otel_actuator.admin")
    with apps.served(framework, settings) as (url, actuator), httpx.Client(base_url=url, timeout=30) as client:
        handle = boot.running(actuator)
        registrar = handle.registrar if handle is not None else None
        assert registrar is not None, "the mount starts registration when an admin URL is set"
        try:
            eventually(lambda: registrar.registered, what="the first registration")
            baseline = median_latency(client)
            before = len(admin.received)
            caplog.clear()
            if fault == "refused":
                admin.close()
            else:
                admin.mode = fault
                eventually(lambda: len(admin.received) > before, what="a registration attempt under the fault")
            assert_served_under_fault(f"SBA {fault} ({framework})", url, client, baseline, 200)
            assert registrar.running
            if fault == "slow":
                # Slow is not broken: registrations keep going through, late.
                count = len(admin.registrations())
                eventually(lambda: len(admin.registrations()) > count + 1, what="slow registrations")
                assert not _failure_messages(caplog)
            else:
                eventually(lambda: len(_failure_messages(caplog)) >= 2, what="two failed attempts")
                warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
                assert len(warnings) == 1, "only the first failure of a streak is a warning"
                assert admin.url in warnings[0].getMessage()
            if fault in ("blackhole", "error"):
                admin.mode = "ok"
                eventually(
                    lambda: any("answers again" in r.getMessage() for r in caplog.records),
                    what="the registrar to notice SBA is back",
                )
        finally:
            admin.mode = "ok"
            stopped = threading.Thread(target=registrar.stop)
            stopped.start()
            stopped.join(timeout=30)
            assert not stopped.is_alive(), "stopping the registrar hangs on the faulty SBA"
            if fault != "refused":
                admin.close()
        assert client.get("/items/3").json() == {"id": 3}


def _failure_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    messages = (r.getMessage() for r in caplog.records)
    return [m for m in messages if "registration at" in m and "failed" in m]


# -- Redis and a database -----------------------------------------------------------------------------


REDIS_FAULTS = [
    ("fastapi", "freeze", "async"),
    ("flask", "freeze", "sync"),
    ("fastapi", "stop", "async"),
    ("flask", "kill", "sync"),
]


@pytest.mark.parametrize(("framework", "fault", "client_kind"), REDIS_FAULTS)
def test_redis_down_or_hanging(
    framework: str, fault: str, client_kind: str, redis_factory: Callable[[], RedisServer]
) -> None:
    import redis
    import redis.asyncio

    server = redis_factory()
    settings = Settings(exposure_include=("*",), health_show_details="always", health_timeout=0.5)
    redis_client: Any = (redis.asyncio.Redis if client_kind == "async" else redis.Redis).from_url(server.url)
    with apps.served(framework, settings) as (url, actuator), httpx.Client(base_url=url, timeout=30) as client:
        actuator.health.register("redis", redis_indicator(redis_client))
        status, body = health(client)
        assert status == 200 and body["components"]["redis"]["status"] == "UP"
        baseline = median_latency(client)
        getattr(server, fault)()
        try:
            assert_served_under_fault(f"Redis {fault}, {client_kind} client ({framework})", url, client, baseline, 503)
            status, body = health(client)
            assert status == 503
            assert body["status"] == "DOWN"
            redis_health = body["components"]["redis"]
            assert redis_health["status"] == "DOWN"
            assert redis_health["details"]["error"]
            if fault == "freeze":
                assert "timed out" in redis_health["details"]["error"]
            assert body["components"]["ping"]["status"] == "UP"
            liveness = client.get("/actuator/health/liveness").json()  # liveness never depends on Redis
            assert liveness == {"status": "UP", "components": {"ping": {"status": "UP"}}}
        finally:
            if fault == "freeze":
                server.thaw()
        if fault == "freeze":
            eventually(lambda: health(client)[0] == 200, what="redis to be UP again after the thaw")


def test_database_that_never_answers() -> None:
    import sqlalchemy

    settings = Settings(exposure_include=("*",), health_show_details="always", health_timeout=0.5)
    with silent_tcp_server() as port:
        engine = sqlalchemy.create_engine(
            f"mysql+pymysql://app:secret@127.0.0.1:{port}/app", connect_args={"connect_timeout": 60}
        )
        from otel_actuator.health import db_indicator

        try:
            with apps.served("flask", settings) as (url, actuator), httpx.Client(base_url=url, timeout=30) as client:
                baseline = median_latency(client)
                actuator.health.register("db", db_indicator(engine))
                assert_served_under_fault("database never answers (flask)", url, client, baseline, 503)
                status, body = health(client)
                assert status == 503
                assert body["components"]["db"] == {
                    "status": "DOWN",
                    "details": {"error": "TimeoutError: Health check timed out after 0.5s"},
                }
                assert body["components"]["diskSpace"]["status"] == "UP"
        finally:
            engine.dispose()


# -- health checks and metric callbacks written by the user -------------------------------------------


@pytest.mark.parametrize("framework", apps.FRAMEWORKS)
def test_health_checks_that_raise_or_hang(framework: str) -> None:
    settings = Settings(exposure_include=("*",), health_show_details="always", health_timeout=0.5)
    release = threading.Event()

    def raises() -> None:
        raise RuntimeError("inventory service exploded")

    async def raises_async() -> bool:
        raise ConnectionError("search cluster unreachable")

    with apps.served(framework, settings) as (url, actuator), httpx.Client(base_url=url, timeout=30) as client:
        baseline = median_latency(client)
        actuator.health.register("inventory", raises)
        actuator.health.register("search", raises_async)
        actuator.health.register("stuck", lambda: release.wait(3600))
        try:
            assert_served_under_fault(f"health checks raise and hang ({framework})", url, client, baseline, 503)
            status, body = health(client)
            assert status == 503
            components = body["components"]
            assert components["inventory"] == {
                "status": "DOWN",
                "details": {"error": "RuntimeError: inventory service exploded"},
            }
            assert components["search"]["details"]["error"] == "ConnectionError: search cluster unreachable"
            assert "timed out" in components["stuck"]["details"]["error"]
            assert components["ping"]["status"] == "UP"
            one = client.get("/actuator/health/inventory")
            assert one.status_code == 503 and one.json()["status"] == "DOWN"
        finally:
            release.set()


@pytest.mark.parametrize("framework", apps.FRAMEWORKS)
def test_metric_callbacks_that_raise(framework: str) -> None:
    from opentelemetry.metrics import CallbackOptions, Observation

    settings = Settings(exposure_include=("*",), metrics_cache_ttl=0.0)  # every read runs the callbacks

    def broken(options: CallbackOptions) -> list[Observation]:
        raise RuntimeError("queue client is closed")

    def garbage(options: CallbackOptions) -> Any:
        return [Observation("not a number")]  # type: ignore[arg-type]

    def not_iterable(options: CallbackOptions) -> Any:
        return 42

    def healthy(options: CallbackOptions) -> list[Observation]:
        return [Observation(17, {"queue": "orders"}), Observation(float("nan"), {"queue": "broken"})]

    with apps.served_app(framework, settings) as app, httpx.Client(base_url=app.url, timeout=30) as client:
        meter = app.telemetry.meter_provider.get_meter("user.code")
        baseline = median_latency(client)
        meter.create_observable_gauge("queue.broken", callbacks=[broken])
        meter.create_observable_gauge("queue.garbage", callbacks=[garbage])
        meter.create_observable_counter("queue.not.iterable", callbacks=[not_iterable])
        meter.create_observable_gauge("queue.depth", callbacks=[healthy])
        assert_served_under_fault(
            f"metric callbacks raise ({framework})",
            app.url,
            client,
            baseline,
            200,
            ("/actuator/metrics", "/actuator/prometheus"),
        )
        names = client.get("/actuator/metrics").json()["names"]
        assert {"queue.depth", "process.uptime", "jvm.threads.live", "http.server.requests"} <= set(names)
        assert not {"queue.broken", "queue.garbage", "queue.not.iterable"} & set(names)
        depth = client.get("/actuator/metrics/queue.depth").json()
        assert depth["measurements"] == [{"statistic": "VALUE", "value": 17.0}]
        assert client.get("/actuator/metrics/queue.broken").status_code == 404
        prometheus = client.get("/actuator/prometheus")
        assert prometheus.status_code == 200
        assert 'queue_depth{queue="orders"} 17.0' in prometheus.text
        assert "process_uptime_seconds" in prometheus.text


# -- the log file -------------------------------------------------------------------------------------


@contextmanager
def file_logger(name: str, handler: logging.Handler) -> Iterator[logging.Logger]:
    """A logger writing only to ``handler``. Make it after the server started: uvicorn's logging setup
    closes every handler that exists when it starts (a closed FileHandler silently reopens its path)."""
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        with contextlib.suppress(OSError):  # flushing to a full disk fails once more
            handler.close()


def _size(response: httpx.Response) -> int:
    return int(response.headers["content-range"].rsplit("/", 1)[1])


@pytest.mark.parametrize("framework", apps.FRAMEWORKS)
def test_log_file_deleted_under_the_tail(framework: str, tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.touch()
    settings = Settings(exposure_include=("*",), logfile_path=str(path))
    with apps.served(framework, settings) as (url, _), httpx.Client(base_url=url, timeout=30) as client:
        with file_logger(f"faults.deleted.{framework}", logging.FileHandler(path)) as logger:
            for n in range(40):
                logger.info("before deletion %d", n)
            whole = client.get("/actuator/logfile")
            assert whole.status_code == 200 and "before deletion 39" in whole.text
            seen = len(whole.content)
            baseline = median_latency(client)
            path.unlink()
            with polled(url, ("/actuator/logfile",)) as statuses:
                under_fault = median_latency(client)
                for n in range(40):
                    logger.info("into the deleted file %d", n)  # the writer keeps its descriptor: no error
            assert statuses and set(statuses) == {200}
            assert_unaffected(f"log file deleted ({framework})", baseline, under_fault)
            # The truth: there is no log file any more; the tail's next request is unsatisfiable, so SBA starts over.
            assert client.get("/actuator/logfile").content == b""
            tail = client.get("/actuator/logfile", headers={"Range": f"bytes={seen}-"})
            assert tail.status_code == 416 and tail.headers["content-range"] == "bytes */0"
        # The application opens a new file: the endpoint serves it from its first byte.
        with file_logger(f"faults.deleted.{framework}", logging.FileHandler(path)) as logger:
            logger.info("a fresh file")
            fresh = client.get("/actuator/logfile")
            assert fresh.status_code == 200 and fresh.text.endswith("a fresh file\n")
            assert "before deletion" not in fresh.text


@pytest.mark.parametrize("framework", apps.FRAMEWORKS)
def test_log_file_rotated_under_the_tail(framework: str, tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    settings = Settings(exposure_include=("*",), logfile_path=str(path))
    with apps.served(framework, settings) as (url, _), httpx.Client(base_url=url, timeout=30) as client:
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=20_000, backupCount=2)
        with file_logger(f"faults.rotated.{framework}", handler) as logger:
            for n in range(100):
                logger.info("first generation line %03d %s", n, "x" * 60)
            baseline = median_latency(client)
            # SBA's tail: remember the size, then ask only for what came after it.
            seen = _size(client.get("/actuator/logfile", headers={"Range": "bytes=-1"}))
            writing = threading.Event()

            def write_and_rotate() -> None:
                n = 0
                while not writing.is_set():
                    logger.info("busy line %06d %s", n, "y" * 80)
                    n += 1
                    writing.wait(0.001)

            writer = threading.Thread(target=write_and_rotate, daemon=True)
            writer.start()
            with polled(url, ("/actuator/logfile",)) as statuses:
                under_fault = median_latency(client)
                eventually(lambda: (tmp_path / "app.log.2").exists(), what="the log to rotate twice")
            writing.set()
            writer.join(timeout=30)
            assert statuses and set(statuses) == {200}
            assert_unaffected(f"log file rotating under the tail ({framework})", baseline, under_fault)
            # Rotated: the file is smaller than what the tail saw, so the tail's next request is 416 with the
            # new size, and reading from 0 shows the new generation only.
            handler.doRollover()
            logger.info("after the rotation")
            total = path.stat().st_size
            assert total < seen
            tail = client.get("/actuator/logfile", headers={"Range": f"bytes={seen}-"})
            assert tail.status_code == 416 and tail.headers["content-range"] == f"bytes */{total}"
            restart = client.get("/actuator/logfile", headers={"Range": "bytes=0-"})
            assert restart.status_code == 206
            assert restart.headers["content-range"] == f"bytes 0-{total - 1}/{total}"
            assert restart.text.endswith("after the rotation\n") and "first generation" not in restart.text


@contextmanager
def full_disk() -> Iterator[tuple[Path, str]]:
    """A log file on a 64 KiB tmpfs (as root), else /dev/full; yields its path and which one it is."""
    mountpoint = Path(tempfile.mkdtemp(prefix="full-disk-"))
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mountpoint)], capture_output=True
        ).returncode
        == 0
    )
    try:
        if mounted:
            yield mountpoint / "app.log", "64 KiB tmpfs"
        elif os.path.exists("/dev/full"):
            yield Path("/dev/full"), "/dev/full"
        else:
            require(False, "neither a tmpfs mount (needs root) nor /dev/full is available to fill a disk")
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mountpoint)], check=False)
        mountpoint.rmdir()


def test_log_file_disk_full(capsys: pytest.CaptureFixture[str]) -> None:
    """The access log (werkzeug logs every request) goes to a file on a full disk."""
    with full_disk() as (path, kind):
        settings = Settings(exposure_include=("*",), logfile_path=str(path))
        access = logging.getLogger("werkzeug")
        with apps.served("flask", settings) as (url, _), httpx.Client(base_url=url, timeout=30) as client:
            baseline = median_latency(client)
            with file_logger("faults.filler", logging.FileHandler(path)) as filler:
                access.addHandler(filler.handlers[0])
                try:
                    for n in range(1000):  # 64 KiB and then some
                        filler.warning("filling the disk %05d %s", n, "z" * 40)
                    with polled(url, ("/actuator/logfile", "/actuator/health")) as statuses:
                        under_fault = median_latency(client)
                finally:
                    access.removeHandler(filler.handlers[0])
            assert statuses and set(statuses) == {200}
            assert_unaffected(f"log file on a full disk, {kind} (flask)", baseline, under_fault)
            # The truth: the log holds exactly what fit, and ranges over it add up.
            whole = client.get("/actuator/logfile")
            assert whole.status_code == 200
            size = path.stat().st_size
            assert len(whole.content) == size
            if size:
                assert 0 < size <= 64 * 1024
                part = client.get("/actuator/logfile", headers={"Range": "bytes=-100"})
                assert part.status_code == 206 and part.headers["content-range"].endswith(f"/{size}")
            assert client.get("/items/9").json() == {"id": 9}
    assert "No space left on device" in capsys.readouterr().err, "the writes did fail"
