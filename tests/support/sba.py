"""End-to-end harness: real Spring Boot Admin servers and the example user-service as child processes.

Fixtures (registered in tests/conftest.py):
  * ``sba3`` / ``sba2`` — one SBA 3.5 / 2.7 server per session, built once by scripts/build-sba.sh and run
    on a free loopback port; yields an :class:`AdminServer`.
  * ``launch_user_service`` — starts ``python examples/user_service/app.py`` registered with the given SBA
    URL(s); every service it started is stopped with SIGTERM at the end of the session.

The output of every child process goes to a file under test-artifacts/e2e/; a failing test shows the last
lines of each process still in use, so an SBA-side error is visible next to the assertion.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Callable, Optional

import httpx
import pytest

from tests.support.launch import ZERO_CODE
from tests.support.polling import eventually
from tests.support.requirements import require
from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[2]
#: Process logs and screenshots; each run overwrites the files of the previous one.
ARTIFACTS = REPO / "test-artifacts" / "e2e"
JVM_FLAGS = ("-Xmx256m", "-XX:TieredStopAtLevel=1")
#: Spring Boot 3.4+ shuts down gracefully by default and waits for open requests (a UI's event stream).
SBA_ARGS = ("--server.shutdown=immediate",)

#: Processes whose output tails are attached to the report of a failing test.
_WATCHED: list[ManagedProcess] = []
#: Set on a test item whose call phase failed, for fixtures that keep evidence (screenshots).
CALL_FAILED = pytest.StashKey[bool]()
#: What a check against a live SBA raises while SBA has not caught up yet (``retrying`` of ``eventually``):
#: a failed assert, a refused connection, a half-filled instance document, a body that is not JSON yet.
NOT_YET = (AssertionError, httpx.HTTPError, KeyError, IndexError, TypeError, ValueError)


class ManagedProcess:
    """A child process writing stdout+stderr to a log file."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("wb")
        self.popen = subprocess.Popen(args, env=dict(env), cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT)
        _WATCHED.append(self)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, then SIGKILL if it does not exit in time; returns the exit code."""
        if self.alive:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._log.close()
        return int(self.popen.returncode)

    def forget(self) -> None:
        """Stop showing this process's output in failure reports."""
        if self in _WATCHED:
            _WATCHED.remove(self)

    def fail(self, message: str) -> None:
        pytest.fail(f"{message}\n--- last lines of {self.log_path} ---\n{self.tail()}", pytrace=False)

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float) -> None:
        """Poll ``ready`` (a refused connection is "not yet"); fails with the log's tail if the process exits."""
        try:
            eventually(ready, timeout=timeout, what=what, interval=0.2, retrying=(httpx.HTTPError,), process=self.popen)
        except AssertionError as exc:
            self.fail(str(exc))


# -- Spring Boot Admin ---------------------------------------------------------------------------------


class AdminServer:
    """A running SBA server and a client for its REST API (JSON, not the UI's HTML)."""

    def __init__(self, version: int, url: str, process: ManagedProcess) -> None:
        self.version = version
        self.url = url
        self.process = process
        self.client = httpx.Client(base_url=url, headers={"Accept": "application/json"}, timeout=15.0)

    def instances(self) -> list[dict[str, Any]]:
        response = self.client.get("/instances")
        response.raise_for_status()
        return list(response.json())

    def instance(self, instance_id: str) -> Optional[dict[str, Any]]:
        response = self.client.get(f"/instances/{instance_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return dict(response.json())

    def instance_with_health_url(self, health_url: str) -> Optional[dict[str, Any]]:
        for instance in self.instances():
            if instance["registration"]["healthUrl"] == health_url:
                return instance
        return None

    def events(self, instance_id: Optional[str] = None) -> list[dict[str, Any]]:
        response = self.client.get("/instances/events")
        response.raise_for_status()
        return [e for e in response.json() if instance_id is None or e["instance"] == instance_id]

    def proxy(self, instance_id: str, path: str, method: str = "GET", **kwargs: Any) -> httpx.Response:
        """Call an actuator endpoint of an instance through SBA's proxy, as the UI does."""
        return self.client.request(method, f"/instances/{instance_id}/actuator/{path.lstrip('/')}", **kwargs)

    def close(self) -> None:
        self.client.close()


@cache
def _built(variant: str) -> Path:
    result = subprocess.run(
        [str(REPO / "scripts" / "build-sba.sh"), variant],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        raise RuntimeError(f"scripts/build-sba.sh {variant} failed:\n{result.stderr[-4000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def built_jar(variant: str) -> Path:
    """The jar of a build-sba.sh variant (``3``, ``41``, ``eureka``, ``40-eureka``), built on first use."""
    require(shutil.which("java") is not None, "java (JDK 17+) is needed to run Spring Boot Admin and Eureka")
    require(shutil.which("mvn") is not None, "mvn is needed to build Spring Boot Admin and Eureka")
    try:
        return _built(variant)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


def start_spring_boot(
    name: str, jar: Path, *, url: str, env: Mapping[str, str], what: str, timeout: float = 90.0
) -> ManagedProcess:
    """Run ``jar`` (logging to ``<name>.log``) and wait until Spring Boot's own health at ``url`` answers 200,
    the sign the server is ready; a server that does not get there is stopped."""
    process = ManagedProcess(name, ["java", *JVM_FLAGS, "-jar", str(jar), *SBA_ARGS], env, ARTIFACTS / f"{name}.log")
    try:
        process.wait_until(lambda: httpx.get(f"{url}/actuator/health", timeout=2.0).status_code == 200, what, timeout)
    except BaseException:
        process.terminate()
        process.forget()
        raise
    return process


@contextmanager
def running_admin(
    version: int,
    port: Optional[int] = None,
    name: Optional[str] = None,
    timeout: float = 90.0,
    *,
    variant: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
) -> Iterator[AdminServer]:
    """Start an SBA server (on ``port`` if given), wait until it answers, stop it afterwards.

    ``variant`` is the build-sba.sh variant (the version by default), ``env`` what it adds to the environment
    and ``name`` names the process and its log.
    """
    jar = built_jar(variant or str(version))
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_spring_boot(
        name or f"sba{version}",
        jar,
        url=url,
        env={**os.environ, **(env or {}), "SBA_PORT": str(port), "SBA_ADDRESS": "127.0.0.1"},
        what=f"Spring Boot Admin {version} to answer",
        timeout=timeout,
    )
    server = AdminServer(version, url, process)
    try:
        yield server
    finally:
        server.close()
        process.terminate()
        process.forget()


def session_admin(version: int) -> Any:
    """The session fixture ``sba<version>``: one SBA server of that version for the whole session."""

    def admin() -> Iterator[AdminServer]:
        """One Spring Boot Admin server of this version for the whole session."""
        with running_admin(version) as server:
            yield server

    return pytest.fixture(scope="session", name=f"sba{version}")(admin)


sba3 = session_admin(3)
sba2 = session_admin(2)


# -- the example user-service ----------------------------------------------------------------------


class UserService(ManagedProcess):
    """``examples/user_service/app.py`` as a subprocess, with a client for its own port."""

    def __init__(self, port: int, env: Mapping[str, str], log_path: Path) -> None:
        # The zero-code launch README documents: opentelemetry-instrument with the actuator exporters.
        instrument = str(Path(sys.executable).with_name("opentelemetry-instrument"))
        super().__init__("user-service", [instrument, sys.executable, "examples/user_service/app.py"], env, log_path)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.health_url = f"{self.url}/actuator/health"
        self.client = httpx.Client(base_url=self.url, timeout=10.0)

    def wait_until_serving(self, timeout: float = 30.0) -> None:
        self.wait_until(
            lambda: self.client.get("/actuator/health", timeout=2.0).status_code in (200, 503),
            "the user-service to answer",
            timeout,
        )

    def terminate(self, timeout: float = 15.0) -> int:
        self.client.close()
        return super().terminate(timeout)


def user_service_env(port: int, admin_urls: str, redis_url: Optional[str], extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        {
            # The example imports otel_actuator from this checkout, whatever is installed.
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
            "PYTHONUNBUFFERED": "1",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
            **ZERO_CODE,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_ACTUATOR_HEALTH_SHOW_DETAILS": "always",
            "OTEL_ACTUATOR_ADMIN_URL": admin_urls,
            "OTEL_ACTUATOR_ADMIN_INTERVAL": "2",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


LaunchUserService = Callable[..., UserService]


@pytest.fixture(scope="session")
def launch_user_service() -> Iterator[LaunchUserService]:
    """``launch(admin_urls, redis_url=None, log_name=..., **extra_env)`` -> a serving :class:`UserService`."""
    started: list[UserService] = []

    def launch(
        admin_urls: str, redis_url: Optional[str] = None, log_name: str = "user-service", **extra: str
    ) -> UserService:
        port = free_port()
        service = UserService(port, user_service_env(port, admin_urls, redis_url, extra), ARTIFACTS / f"{log_name}.log")
        started.append(service)
        service.wait_until_serving()
        return service

    yield launch
    for service in started:
        service.terminate()
        service.forget()


# -- reporting -------------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and report.when == "call":
        item.stash[CALL_FAILED] = True
    if report.failed and item.get_closest_marker("e2e") is not None:
        for process in _WATCHED:
            report.sections.append((f"last lines of {process.name} ({process.log_path.name})", process.tail()))
    return report
