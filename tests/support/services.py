"""Real redis-server and MariaDB servers on free loopback ports, in temporary directories.

``redis_server`` and ``mariadb_server`` are shared by the whole run; a test that wants to stop, kill or
freeze Redis mid-test starts its own through ``redis_factory``. ``silent_tcp_server`` is a fake, for
fault injection only: it accepts connections and never says a word, like a hung dependency.

Import the fixtures a test module uses from here.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional

import pytest

from tests.support.polling import eventually
from tests.support.requirements import require
from tests.support.servers import free_port


def _program(name: str, *fallbacks: str) -> Optional[str]:
    found = shutil.which(name)
    if found:
        return found
    return next((path for path in fallbacks if os.access(path, os.X_OK)), None)


REDIS_SERVER = _program("redis-server", "/usr/bin/redis-server")
MARIADBD = _program("mariadbd", "/usr/sbin/mariadbd", "/usr/sbin/mysqld")
MARIADB_INSTALL_DB = _program("mariadb-install-db", "/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db")


def _wait_until(
    ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str, log: Path, timeout: float
) -> None:
    try:
        eventually(ready, timeout=timeout, what=f"{what} to be ready", process=process)
    except AssertionError as exc:
        process.kill()
        raise RuntimeError(f"{exc}:\n{_tail(log)}") from None


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


def _stop(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGCONT)  # a frozen process cannot act on SIGTERM
        process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- Redis -------------------------------------------------------------------------------------------


class RedisServer:
    """One redis-server process without persistence, listening on 127.0.0.1 only."""

    def __init__(self, workdir: Path) -> None:
        assert REDIS_SERVER is not None
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = workdir / "redis.log"
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", str(workdir), "--logfile", str(self.log), "--daemonize", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_until(self._answers_ping, self.process, "redis-server", self.log, timeout=15)

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Shut the server down gracefully; connections are closed, new ones refused."""
        _stop(self.process, signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: the server vanishes without a goodbye."""
        _stop(self.process, signal.SIGKILL)

    def freeze(self) -> None:
        """SIGSTOP: the kernel still accepts connections, but nothing ever answers (a hung Redis)."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def redis_version() -> str:
    """The version the installed redis-server reports about itself (``Redis server v=7.0.15 ...``)."""
    assert REDIS_SERVER is not None
    out = subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True, check=True).stdout
    return next(part[2:] for part in out.split() if part.startswith("v="))


def _require_redis() -> None:
    require(REDIS_SERVER is not None, "redis-server is not installed (Debian: apt-get install redis-server)")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A Redis shared by every test of the run: do not stop it, use ``redis_factory`` for that."""
    _require_redis()
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_factory(tmp_path: Path) -> Iterator[Callable[[], RedisServer]]:
    """Starts private Redis servers that the test may stop, kill or freeze; all are gone afterwards."""
    _require_redis()
    started: list[RedisServer] = []

    def start() -> RedisServer:
        server = RedisServer(tmp_path / f"redis-{len(started)}")
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


# -- MariaDB -----------------------------------------------------------------------------------------


class MariaDbServer:
    """A MariaDB server in its own data directory, on a unix socket and on 127.0.0.1 TCP.

    It runs as root (``--user=root``). Tests connect over TCP as ``user``/``password`` to ``database``.
    """

    user = "actuator"
    password = "actuator-test"
    database = "app"

    def __init__(self, workdir: Path) -> None:
        assert MARIADBD is not None and MARIADB_INSTALL_DB is not None
        self.port = free_port()
        self.socket = workdir / "mysqld.sock"
        self.log = workdir / "mariadb.log"
        datadir = workdir / "data"
        install = [MARIADB_INSTALL_DB, "--no-defaults", f"--datadir={datadir}", "--user=root"]
        install += ["--auth-root-authentication-method=normal", "--skip-test-db"]
        done = subprocess.run(install, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        args = [MARIADBD, "--no-defaults", f"--datadir={datadir}", f"--socket={self.socket}", f"--port={self.port}"]
        args += ["--bind-address=127.0.0.1", "--user=root", f"--pid-file={workdir / 'mariadb.pid'}"]
        args += [f"--log-error={self.log}", "--skip-log-bin", "--innodb-buffer-pool-size=32M", f"--tmpdir={workdir}"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_until(self._accepts_root, self.process, "mariadbd", self.log, timeout=60)
        self._create_account()

    def _accepts_root(self) -> bool:
        import pymysql

        try:
            pymysql.connect(unix_socket=str(self.socket), user="root", connect_timeout=2).close()
        except pymysql.MySQLError:
            return False
        return True

    def _create_account(self) -> None:
        import pymysql

        with pymysql.connect(unix_socket=str(self.socket), user="root") as connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {self.database}")
            for host in ("127.0.0.1", "localhost"):
                cursor.execute(f"CREATE USER '{self.user}'@'{host}' IDENTIFIED BY '{self.password}'")
                cursor.execute(f"GRANT ALL ON {self.database}.* TO '{self.user}'@'{host}'")

    def url(self, driver: str = "mysql+pymysql", password: Optional[str] = None) -> str:
        secret = self.password if password is None else password
        return f"{driver}://{self.user}:{secret}@127.0.0.1:{self.port}/{self.database}"

    def stop(self) -> None:
        _stop(self.process, signal.SIGTERM)


@pytest.fixture(scope="session")
def mariadb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDbServer]:
    require(
        MARIADBD is not None and MARIADB_INSTALL_DB is not None,
        "MariaDB is not installed (Debian: apt-get install mariadb-server)",
    )
    try:
        import pymysql  # noqa: F401
    except ImportError:
        require(False, "PyMySQL is not installed")
    server = MariaDbServer(tmp_path_factory.mktemp("mariadb"))
    yield server
    server.stop()


# -- fakes for fault injection -------------------------------------------------------------------------


@contextmanager
def silent_tcp_server() -> Iterator[int]:
    """FAKE server: accepts TCP connections on 127.0.0.1 and never answers; yields its port.

    Every connection is closed on exit, which releases any client still blocked on it.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)  # so the accept loop notices when to stop
    accepted: list[socket.socket] = []
    closing = threading.Event()

    def accept() -> None:
        while not closing.is_set():
            try:
                connection, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            accepted.append(connection)

    thread = threading.Thread(target=accept, name="silent-tcp-server", daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        closing.set()
        thread.join(timeout=5)
        listener.close()
        for connection in accepted:
            connection.close()
