"""Latency of the actuator endpoints Spring Boot Admin and Prometheus poll, under sustained load.

    .venv/bin/python bench/run.py endpoints [--quick] [--connections 1,4]

The app (bench/apps/routes_*.py, zero-code otel-actuator) has 200 routes; each is called with 5 status
codes first, so ``http.server.requests`` holds 1000 tagged series (with their histogram buckets).
Then wrk drives one endpoint at a time, in turns, with 1 connection (the endpoint's own cost) and
with 4 (requests queue behind each other on the one worker). The health result is cached
(``OTEL_ACTUATOR_HEALTH_CACHE_TTL=10``); metrics are collected at most once a second
(``OTEL_ACTUATOR_METRICS_CACHE_TTL``, default 1 s), so about one request a second pays a collection.

Each framework runs as ``otel-actuator[all]`` installs it (``--configurations`` names others from
``harness.CONFIGURATIONS``).

wrk corrects its latencies for coordinated omission: a request that took S ms while requests were
expected every I ms also counts the S/I requests an open-loop client would have sent meanwhile, each
late by what was left of S. So one 20 ms pause a second at 500 requests a second moves the p99 to
about 10 ms though only one request in 500 waited. The in-process times (below the table) are the
endpoint's own service time, one request at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any, Callable

import harness
import plot
from harness import CONFIGURATIONS, FRAMEWORKS, RESULTS, VARIANTS, Server, spread, wrk
from inprocess import asgi_scope, wsgi_environ

ROUTES = 200
STATUSES = (200, 201, 400, 404, 500)
V3_JSON = "application/vnd.spring-boot.actuator.v3+json"

#: key -> (path, Accept header, p99 target in ms)
ENDPOINTS = {
    "metrics": ("/actuator/metrics/http.server.requests", V3_JSON, 5.0),
    "prometheus": ("/actuator/prometheus", "text/plain;version=0.0.4;q=1,*/*;q=0.1", 20.0),
    "health": ("/actuator/health", V3_JSON, 2.0),
}
MODULES = {"fastapi": "routes_fastapi", "flask": "routes_flask"}


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["--child"]:
        return _child(argv[1], float(argv[2]))
    parser = argparse.ArgumentParser(prog="bench/run.py endpoints", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 3 s")
    parser.add_argument("--rounds", type=int, help="measurements per endpoint (default 3)")
    parser.add_argument("--seconds", type=float, help="length of one measurement (default 10)")
    parser.add_argument("--connections", default="1,4", help="comma list of wrk connection counts (default 1,4)")
    parser.add_argument("--frameworks", default="fastapi,flask", help="comma list of: " + ",".join(FRAMEWORKS))
    parser.add_argument("--configurations", default="default", help="comma list of: " + ",".join(CONFIGURATIONS))
    parser.add_argument("--out", default=str(RESULTS / "endpoints.json"))
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 3)
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    connection_counts = [int(c) for c in args.connections.split(",")]
    server_cpu, _ = harness.cpus()
    result: dict[str, Any] = {
        "benchmark": "endpoints",
        "command": "bench/run.py endpoints " + " ".join(argv),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": harness.machine(),
        "settings": {
            "rounds": rounds,
            "seconds": seconds,
            "connections": connection_counts,
            "routes": ROUTES,
            "statuses": list(STATUSES),
            "health_cache_ttl": 10,
            "server_cpu": server_cpu,
        },
        "frameworks": {},
    }
    for key in args.frameworks.split(","):
        for configuration in args.configurations.split(","):
            label = f"{FRAMEWORKS[key].label}, {configuration}"
            print(f"\n{label}: {rounds} rounds x {seconds:.0f} s per endpoint", flush=True)
            measured = measure(key, CONFIGURATIONS[configuration], rounds, seconds, connection_counts)
            measured["in_process"] = service_times(key, CONFIGURATIONS[configuration], seconds)
            result["frameworks"][f"{key}/{configuration}"] = {"label": label, **measured}
    harness.write_results(Path(args.out), result, plot.endpoints)
    print_report(result)
    print(f"\nresults: {args.out}")
    return 0


def measure(
    framework: str, extra_env: dict[str, str], rounds: int, seconds: float, connection_counts: list[int]
) -> dict[str, Any]:
    server_cpu, wrk_cpu = harness.cpus()
    server = Server(
        FRAMEWORKS[framework],
        VARIANTS["actuator"],
        module=MODULES[framework],
        extra_env={"OTEL_ACTUATOR_HEALTH_CACHE_TTL": "10", **extra_env},
        cpu=server_cpu,
        ready_path="/actuator/health",
    )
    runs: dict[str, list[dict[str, float]]] = {}
    with harness.running([server]):
        series = populate(server)
        body = harness.get(server.port, ENDPOINTS["prometheus"][0])[1]
        print(f"  {series} http.server.requests series; Prometheus page {len(body) // 1024} KiB", flush=True)
        for path, accept, _ in ENDPOINTS.values():
            wrk(server.url + path, seconds=2, connections=1, cpu=wrk_cpu, headers={"Accept": accept})
        for round_number in range(rounds):
            line = []
            for name, (path, accept, _) in ENDPOINTS.items():
                for connections in connection_counts:
                    cpu_before = server.cpu_seconds()
                    run = wrk(
                        server.url + path,
                        seconds=seconds,
                        connections=connections,
                        cpu=wrk_cpu,
                        headers={"Accept": accept},
                    )
                    cpu_us = (server.cpu_seconds() - cpu_before) / max(run.requests, 1) * 1e6
                    runs.setdefault(f"{name}@{connections}", []).append({**run.as_dict(), "cpu_us_per_request": cpu_us})
                    line.append(f"{name}@{connections} p99 {run.p99_ms:.2f} ms")
            print(f"  round {round_number + 1}: " + " | ".join(line), flush=True)
        gc_pause = json.loads(harness.get(server.port, "/actuator/metrics/jvm.gc.pause", {"Accept": V3_JSON})[1])
    longest_pause = next((m["value"] for m in gc_pause.get("measurements", []) if m["statistic"] == "MAX"), 0.0)
    metrics = ("rps", "p50_ms", "p99_ms", "p999_ms", "max_ms", "errors", "cpu_us_per_request")
    return {
        "series": series,
        "prometheus_bytes": len(body),
        "gc_pause_max_ms": 1000 * longest_pause,
        "runs": runs,
        "summary": {k: {m: spread([r[m] for r in v]) for m in metrics} for k, v in runs.items()},
    }


def service_times(framework: str, extra_env: dict[str, str], seconds: float) -> dict[str, Any]:
    """Each endpoint's latency through the app called in-process (no socket, no client), one request at a time."""
    server_cpu, _ = harness.cpus()
    variant = VARIANTS["actuator"]
    command = [str(variant.venv / "bin" / "opentelemetry-instrument"), str(variant.venv / "bin" / "python")]
    command += [str(Path(__file__).resolve()), "--child", framework, str(seconds)]
    if server_cpu is not None:
        command = ["taskset", "-c", server_cpu, *command]
    env = harness.clean_env({**variant.env, "OTEL_ACTUATOR_HEALTH_CACHE_TTL": "10", **extra_env})
    done = subprocess.run(command, env=env, cwd=harness.APPS, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("ENDPOINTS_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"in-process endpoint run failed:\n{done.stdout}\n{done.stderr}")
    times: dict[str, Any] = json.loads(line[len("ENDPOINTS_JSON ") :])
    for name, t in times.items():
        print(f"  in-process {name}: p50 {t['p50_ms']:.2f} ms, p99 {t['p99_ms']:.2f} ms, max {t['max_ms']:.1f} ms")
    return times


def _child(framework: str, seconds: float) -> int:
    """Inside the instrumented interpreter: populate the series, then time each endpoint for ``seconds``.

    The WSGI app is called outside any event loop (the actuator runs async health checks in one of its
    own), the ASGI app from one long-running loop, as their servers do.
    """
    sys.path.insert(0, os.getcwd())
    app = __import__(MODULES[framework]).app
    if framework != "fastapi":
        call = _wsgi_call(app)
        for path in _population():
            call(path, "*/*")
        times = {
            name: _timed(functools.partial(call, path, accept), seconds)
            for name, (path, accept, _) in ENDPOINTS.items()
        }
    else:
        asgi = _asgi_call(app)

        async def run() -> dict[str, Any]:
            for path in _population():
                await asgi(path, "*/*")
            results = {}
            for name, (path, accept, _) in ENDPOINTS.items():
                latencies = []
                for _ in range(50):
                    await asgi(path, accept)
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    started = time.perf_counter()
                    _check(path, await asgi(path, accept))
                    latencies.append((time.perf_counter() - started) * 1000)
                results[name] = _percentiles(latencies)
            return results

        times = asyncio.run(run())
    print("ENDPOINTS_JSON " + json.dumps(times))
    return 0


def _population() -> list[str]:
    return [f"/r{n}/{status}" for _ in range(2) for n in range(ROUTES) for status in STATUSES]


def _timed(request: Callable[[], int], seconds: float) -> dict[str, float]:
    latencies = []
    for _ in range(50):
        request()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        status = request()
        latencies.append((time.perf_counter() - started) * 1000)
        _check("endpoint", status)
    return _percentiles(latencies)


def _check(path: str, status: int) -> None:
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")


def _percentiles(latencies: list[float]) -> dict[str, float]:
    latencies.sort()
    return {
        "requests": len(latencies),
        **{f"p{label}_ms": latencies[int(q * (len(latencies) - 1))] for label, q in PERCENTILES},
        "max_ms": latencies[-1],
    }


PERCENTILES = (("50", 0.5), ("90", 0.9), ("99", 0.99), ("999", 0.999))


def _asgi_call(app: Any) -> Callable[[str, str], Awaitable[int]]:
    async def call(path: str, accept: str) -> int:
        status = 0
        scope = asgi_scope(path, {"host": "127.0.0.1:8000", "accept": accept})

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    return call


def _wsgi_call(app: Any) -> Callable[[str, str], int]:
    def call(path: str, accept: str) -> int:
        status = 0

        def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            nonlocal status
            status = int(line.split(" ", 1)[0])

        environ = wsgi_environ(path, {"host": "127.0.0.1:8000", "accept": accept})
        body = app(environ, start_response)
        for _ in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()
        return status

    return call


def populate(server: Server) -> int:
    """Call every route with every status (twice), then count the series the actuator reports."""
    for _ in range(2):
        for n in range(ROUTES):
            for status in STATUSES:
                harness.get(server.port, f"/r{n}/{status}")
    body = json.loads(harness.get(server.port, ENDPOINTS["metrics"][0], {"Accept": V3_JSON})[1])
    tags = {t["tag"]: t["values"] for t in body.get("availableTags", [])}
    prometheus = harness.get(server.port, ENDPOINTS["prometheus"][0])[1].decode()
    counted = sum(1 for line in prometheus.splitlines() if line.startswith("http_server_requests_seconds_count{"))
    if len(tags.get("uri", ())) < ROUTES:
        raise RuntimeError(f"expected {ROUTES} uri tags, the actuator reports {len(tags.get('uri', ()))}")
    return counted


def print_report(result: dict[str, Any]) -> None:
    for data in result["frameworks"].values():
        print(f"\n{data['label']} ({data['series']} series, longest GC pause {data['gc_pause_max_ms']:.0f} ms)")
        print(
            f"  {'endpoint @ connections':<26}{'req/s':>8}{'p50 ms':>9}{'p99 ms median [min-max]':>26}{'p99.9 ms':>10}"
            f"{'CPU us/req':>12}  target"
        )
        for key, s in data["summary"].items():
            name = key.split("@")[0]
            target = ENDPOINTS[name][2]
            p99 = s["p99_ms"]
            verdict = f"p99<{target:g}: {'met' if p99['median'] < target else 'NOT met'}"
            print(
                f"  {key:<26}{s['rps']['median']:>8.0f}{s['p50_ms']['median']:>9.2f}"
                f"{p99['median']:>10.2f} [{p99['min']:.2f}-{p99['max']:.2f}]".ljust(69)
                + f"{s['p999_ms']['median']:>10.2f}{s['cpu_us_per_request']['median']:>12.0f}  {verdict}"
            )
        for name, t in data.get("in_process", {}).items():
            target = ENDPOINTS[name][2]
            verdict = f"p99<{target:g}: {'met' if t['p99_ms'] < target else 'NOT met'}"
            print(
                f"  {name + ' in-process':<26}{'':>8}{t['p50_ms']:>9.2f}{t['p99_ms']:>10.2f}".ljust(69)
                + f"{t['p999_ms']:>10.2f}{'':>12}  {verdict} (max {t['max_ms']:.1f} ms)"
            )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
