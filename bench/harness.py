"""What every benchmark in bench/ shares: the variants, starting pinned servers, driving wrk, machine facts.

Servers and wrk run on different CPUs (``taskset``) when the machine has two or more, so the load
generator does not steal the server's core; everything binds to 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Optional

import psutil

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
APPS = BENCH / "apps"
WRK_DIR = BENCH / "wrk"
RESULTS = BENCH / "results"
MAIN_VENV = Path(sys.prefix)
PYCTUATOR_VENV = Path(os.environ.get("BENCH_PYCTUATOR_VENV", str(BENCH / ".venv-pyctuator")))

#: What the load generator sends besides Host: a client's usual headers (bench/inprocess.py sends the same).
CLIENT_HEADERS = {"User-Agent": "bench/1.0", "Accept": "application/json"}

#: The zero-code configuration docs/getting-started.md documents.
ACTUATOR_ENV = {
    "OTEL_SERVICE_NAME": "user-service",
    "OTEL_TRACES_EXPORTER": "actuator",
    "OTEL_METRICS_EXPORTER": "actuator",
    "OTEL_LOGS_EXPORTER": "actuator",
    "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*",
}

#: The same instrumentations and SDK providers, nothing exported, otel-actuator switched off.
OTEL_ENV = {
    "OTEL_SERVICE_NAME": "user-service",
    "OTEL_TRACES_EXPORTER": "none",
    "OTEL_METRICS_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
    "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "otel_actuator",
}


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    venv: Path
    zero_code: bool = False
    env: Mapping[str, str] = field(default_factory=dict)


VARIANTS = {
    "bare": Variant("bare", "bare app", MAIN_VENV),
    "otel": Variant("otel", "OpenTelemetry alone", MAIN_VENV, True, OTEL_ENV),
    "actuator": Variant("actuator", "OpenTelemetry + otel-actuator", MAIN_VENV, True, ACTUATOR_ENV),
    "pyctuator": Variant("pyctuator", "Pyctuator 1.2.0", PYCTUATOR_VENV, False, {"BENCH_PYCTUATOR": "1"}),
    # What the request/response header capture the zero-code hook turns on costs.
    "actuator-no-headers": Variant(
        "actuator-no-headers",
        "OTel + otel-actuator, no header capture",
        MAIN_VENV,
        True,
        {
            **ACTUATOR_ENV,
            "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": "",
            "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE": "",
        },
    ),
    # The hook's other speed defaults, each switched back on its own.
    "actuator-old-semconv": Variant(
        "actuator-old-semconv",
        "OTel + otel-actuator, old HTTP conventions",
        MAIN_VENV,
        True,
        {**ACTUATOR_ENV, "OTEL_SEMCONV_STABILITY_OPT_IN": ""},
    ),
    "actuator-always-on": Variant(
        "actuator-always-on",
        "OTel + otel-actuator, every trace recorded",
        MAIN_VENV,
        True,
        {**ACTUATOR_ENV, "OTEL_TRACES_SAMPLER": "parentbased_always_on"},
    ),
    # What recording no span at all would save: the floor under the rate-limited sampler.
    "actuator-no-spans": Variant(
        "actuator-no-spans",
        "OTel + otel-actuator, no trace recorded",
        MAIN_VENV,
        True,
        {**ACTUATOR_ENV, "OTEL_TRACES_SAMPLER": "always_off"},
    ),
}

#: What a run measures unless told otherwise, in the order the variants run: the four the issue compares,
#: then the zero-code default with each of its speed settings switched back on its own.
MAIN_VARIANTS = (
    "bare",
    "otel",
    "actuator",
    "pyctuator",
    "actuator-old-semconv",
    "actuator-always-on",
    "actuator-no-headers",
    "actuator-no-spans",
)


@dataclass(frozen=True)
class Framework:
    key: str
    label: str
    module: str

    def command(self, venv: Path, module: str, port: int) -> list[str]:
        if self.key == "fastapi":
            return [
                str(venv / "bin" / "uvicorn"),
                "--app-dir",
                str(APPS),
                f"{module}:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--no-access-log",
            ]
        return [
            str(venv / "bin" / "gunicorn"),
            "--chdir",
            str(APPS),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            f"{module}:app",
        ]


#: Extra environment of the zero-code variants. ``default`` is the app as ``otel-actuator[all]`` installs it.
#: ``no-system-metrics`` matters only where opentelemetry-instrumentation-system-metrics is installed too
#: (``opentelemetry-bootstrap -a install`` adds it): its ``system.network.connections`` callback reads every
#: socket of the host at each collection (see docs/performance.md).
CONFIGURATIONS: dict[str, dict[str, str]] = {
    "default": {},
    "no-system-metrics": {"OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "system_metrics"},
}

FRAMEWORKS = {
    "fastapi": Framework("fastapi", "FastAPI on uvicorn, 1 worker", "users_fastapi"),
    "flask": Framework("flask", "Flask on gunicorn, 1 worker (sync)", "users_flask"),
}


def check_variants(variants: Sequence[Variant]) -> None:
    """Stop early, with the fix, when a variant's virtual environment is missing."""
    for variant in variants:
        if not (variant.venv / "bin" / "python").exists():
            hint = " (run bench/setup_pyctuator.sh)" if variant.key == "pyctuator" else ""
            raise SystemExit(f"{variant.label}: no virtual environment at {variant.venv}{hint}")


def cpus() -> tuple[Optional[str], Optional[str]]:
    """(server CPU, wrk CPU) for taskset; no pinning on a single-CPU machine."""
    count = len(os.sched_getaffinity(0))
    return ("1", "0") if count >= 2 and shutil.which("taskset") else (None, None)


def _pinned(command: list[str], cpu: Optional[str]) -> list[str]:
    return ["taskset", "-c", cpu, *command] if cpu is not None else command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without any OTel or bench setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "BENCH_"))}
    env.update(extra)
    return env


class Server:
    """One application server process (its own session, so stopping it stops its workers too)."""

    def __init__(
        self,
        framework: Framework,
        variant: Variant,
        *,
        module: Optional[str] = None,
        extra_env: Optional[Mapping[str, str]] = None,
        cpu: Optional[str] = None,
        ready_path: str = "/users/1",
    ) -> None:
        self.framework = framework
        self.variant = variant
        self.port = free_port()
        self.ready_path = ready_path
        command = framework.command(variant.venv, module or framework.module, self.port)
        if variant.zero_code:
            command = [str(variant.venv / "bin" / "opentelemetry-instrument"), *command]
        self.command = _pinned(command, cpu)
        self.env = clean_env({**variant.env, **(extra_env or {}), "BENCH_PORT": str(self.port)})
        descriptor, log = tempfile.mkstemp(prefix=f"bench-{framework.key}-{variant.key}-", suffix=".log")
        os.close(descriptor)
        self.log = Path(log)
        self._process: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                self.command, env=self.env, cwd=APPS, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.describe()} exited:\n{self.log_tail()}")
            try:
                get(self.port, self.ready_path)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.describe()} did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def serving_pid(self) -> int:
        """The process that handles requests: gunicorn's single worker, else the server itself."""
        assert self._process is not None
        process = psutil.Process(self._process.pid)
        if self.framework.key == "flask":
            children = process.children()
            if len(children) == 1:
                return children[0].pid
        return process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and its workers so far."""
        assert self._process is not None
        process = psutil.Process(self._process.pid)
        total = 0.0
        for member in (process, *process.children(recursive=True)):
            times = member.cpu_times()
            total += times.user + times.system
        return total

    def rss_bytes(self) -> int:
        rss: int = psutil.Process(self.serving_pid()).memory_info().rss
        return rss

    def describe(self) -> str:
        return f"{self.framework.label} / {self.variant.label}"

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running(servers: Sequence[Server]) -> Iterator[Sequence[Server]]:
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def get(port: int, path: str, headers: Optional[Mapping[str, str]] = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "rps": round(self.rps, 1),
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "errors": self.errors,
            "p50_ms": self.p50_ms,
            "p90_ms": self.p90_ms,
            "p99_ms": self.p99_ms,
            "p999_ms": self.p999_ms,
            "max_ms": self.max_ms,
        }


def wrk(
    url: str,
    *,
    seconds: float,
    connections: int,
    cpu: Optional[str] = None,
    script: str = "report.lua",
    headers: Optional[Mapping[str, str]] = None,
    env: Optional[Mapping[str, str]] = None,
    count_status_errors: bool = True,
) -> WrkResult:
    """One wrk run (one thread): throughput and the latency percentiles wrk measured."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(seconds, 1):.0f}s", "--timeout", "10s"]
    command += ["-s", str(WRK_DIR / script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    run_env = {**os.environ, "BENCH_WRK_DIR": str(WRK_DIR), **(env or {})}
    done = subprocess.run(_pinned(command, cpu), env=run_env, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    data: dict[str, Any] = json.loads(line[len("WRK_JSON ") :])
    errors = data["errors"]
    counted = ("connect", "read", "write", "timeout", *(("status",) if count_status_errors else ()))
    latency = data["latency_us"]
    return WrkResult(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        errors=sum(int(errors[k]) for k in counted),
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        p999_ms=latency["p999"] / 1000,
        max_ms=latency["max"] / 1000,
    )


def spread(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def machine() -> dict[str, Any]:
    """What docs/performance.md states about the machine a result came from."""
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "versions": _versions(),
    }


def _versions() -> dict[str, str]:
    names = [
        "fastapi",
        "starlette",
        "uvicorn",
        "flask",
        "werkzeug",
        "gunicorn",
        "pydantic",
        "opentelemetry-sdk",
        "opentelemetry-instrumentation-fastapi",
        "opentelemetry-instrumentation-flask",
        "otel-actuator",
    ]
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    pyctuator = next(PYCTUATOR_VENV.glob("lib/python*/site-packages/pyctuator-*.dist-info"), None)
    if pyctuator is not None:
        versions["pyctuator"] = pyctuator.name[len("pyctuator-") : -len(".dist-info")]
    return versions


def write_results(path: Path, data: Mapping[str, Any], draw: Callable[[dict[str, Any], Path], Path]) -> None:
    """The JSON results, and their chart next to them (skipped, with a hint, without matplotlib)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    try:
        print(f"chart: {draw(dict(data), path.with_suffix('.png'))}")
    except ImportError:
        print("no chart: pip install matplotlib", file=sys.stderr)
