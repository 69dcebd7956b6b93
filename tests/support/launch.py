"""Run a command as a real subprocess on a free loopback port, the way a user starts a service.

The child gets a clean environment (no ``OTEL_*`` or ``PORT`` leaking in from the test run), the
project venv's ``bin`` first on ``PATH`` and ``PORT`` set. Its stdout and stderr go to temporary files
that are printed when the block fails, so a failing test shows what the service said.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Optional

import httpx

from tests.support.polling import eventually
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = str(Path(sys.executable).parent)

#: Every signal to the actuator: the exporters of the README's zero-code launch.
ZERO_CODE_EXPORTERS = {
    "OTEL_TRACES_EXPORTER": "actuator",
    "OTEL_METRICS_EXPORTER": "actuator",
    "OTEL_LOGS_EXPORTER": "actuator",
}
#: The example user-service launched zero-code, every endpoint exposed.
ZERO_CODE = {"OTEL_SERVICE_NAME": "user-service", **ZERO_CODE_EXPORTERS, "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*"}


class Launched:
    """A running child process and what it printed so far."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, stdout: Path, stderr: Path) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.stdout_path = stdout
        self.stderr_path = stderr

    @property
    def pid(self) -> int:
        return self.process.pid

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def output(self) -> str:
        return f"--- stdout ---\n{self.stdout()}\n--- stderr ---\n{self.stderr()}"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=15.0)

    def wait_for_port(self, timeout: float = 60.0) -> None:
        """Until the service answers HTTP on its port; fails at once if the process dies."""
        eventually(self._answers, timeout=timeout, what=f"{self.url} to answer", process=self.process)

    def _answers(self) -> bool:
        try:
            httpx.get(self.url + "/", timeout=2.0)
        except httpx.TransportError:
            return False
        return True

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit code; a process that ignores it is killed and the test fails."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(self.process)
            raise AssertionError(f"pid {self.pid} still running {timeout}s after SIGTERM") from None


def child_env(extra: Mapping[str, str], port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_") and k not in ("PORT", "WEB_CONCURRENCY")}
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    env["PORT"] = str(port)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@contextmanager
def launch(
    argv: Sequence[str],
    env: Optional[Mapping[str, str]] = None,
    *,
    port: Optional[int] = None,
    wait: bool = True,
    timeout: float = 60.0,
) -> Iterator[Launched]:
    """Start ``argv`` (``$PORT`` in it is replaced by the free port) in the repository root.

    Yields once the port answers HTTP (unless ``wait`` is false). Whatever happens, the child and its
    process group are gone when the block ends; the captured output is printed if the block raised.
    """
    port = port or free_port()
    command = [part.replace("$PORT", str(port)) for part in argv]
    workdir = Path(tempfile.mkdtemp(prefix="launch-"))
    stdout, stderr = workdir / "stdout.txt", workdir / "stderr.txt"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            command, cwd=ROOT, env=child_env(env or {}, port), stdout=out, stderr=err, start_new_session=True
        )
    launched = Launched(process, port, stdout, stderr)
    try:
        if wait:
            launched.wait_for_port(timeout)
        yield launched
    except BaseException:
        print(f"$ {' '.join(command)}\n{launched.output()}")
        raise
    finally:
        _kill_group(process)  # also reaps workers a master may have left behind
        for path in (stdout, stderr):
            path.unlink(missing_ok=True)
        workdir.rmdir()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def python_json(code: str, *args: str, env: Optional[Mapping[str, str]] = None) -> Any:
    """Run ``code`` in a fresh interpreter that imports this checkout and inherits no ``OTEL_*`` variable;
    the last line it printed, read as JSON. The child must exit 0."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**inherited, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
