"""Server CPU time per request without sockets: the variants' apps called in-process, in turns.

    .venv/bin/python bench/run.py inprocess [--quick] [--baseline-tree DIR]

Each variant runs the same app module as the load benchmark, in a fresh interpreter (under
``opentelemetry-instrument`` for the OpenTelemetry variants, in Pyctuator's environment for
Pyctuator), pinned to one CPU. It calls the ASGI or WSGI application directly with a
``GET /users/42`` carrying the headers a client sends, and measures process CPU time per request,
and how often each garbage-collector generation ran. No server, no wrk: CPU time that other work on
the machine steals does not count, which makes small differences (one fix, before and after) visible
on a busy machine. The wrk benchmark remains the measure of throughput and latency.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable

#: Host and harness.CLIENT_HEADERS, what the load benchmark's requests carry.
HEADERS = {"host": "127.0.0.1:8000", "user-agent": "bench/1.0", "accept": "application/json"}
RATIOS = (
    ("actuator", "otel"),
    ("actuator", "pyctuator"),
    ("actuator", "baseline"),
    ("actuator-no-headers", "otel"),
    ("actuator", "actuator-old-semconv"),
    ("actuator", "actuator-always-on"),
    ("actuator", "actuator-no-headers"),
    ("actuator", "actuator-no-spans"),
    ("otel", "bare"),
)
PATH = "/users/42"


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["--child"]:
        return _child(argv[1], int(argv[2]), int(argv[3]))
    import harness
    import plot
    from harness import FRAMEWORKS, MAIN_VARIANTS, MAIN_VENV, RESULTS, VARIANTS, Variant, spread

    parser = argparse.ArgumentParser(prog="bench/run.py inprocess", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 1000 requests")
    parser.add_argument("--rounds", type=int, help="interpreters per variant (default 7)")
    parser.add_argument("--requests", type=int, help="requests per measurement (default 3000)")
    parser.add_argument("--frameworks", default="fastapi,flask", help="comma list of: " + ",".join(FRAMEWORKS))
    parser.add_argument("--variants", default=",".join(MAIN_VARIANTS), help="comma list of: " + ",".join(VARIANTS))
    parser.add_argument("--baseline-tree", help="adds the zero-code variant 'baseline' importing this otel_actuator")
    parser.add_argument("--out", default=str(RESULTS / "inprocess.json"))
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 7)
    requests = args.requests or (1000 if args.quick else 3000)
    variants = [VARIANTS[k] for k in args.variants.split(",")]
    if args.baseline_tree:
        tree = str(Path(args.baseline_tree).resolve())
        env = {**VARIANTS["actuator"].env, "PYTHONPATH": tree}
        variants.append(Variant("baseline", f"otel-actuator baseline ({Path(tree).name})", MAIN_VENV, True, env))
    harness.check_variants(variants)
    server_cpu, _ = harness.cpus()
    result: dict[str, Any] = {
        "benchmark": "inprocess",
        "command": "bench/run.py inprocess " + " ".join(argv),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": harness.machine(),
        "settings": {"rounds": rounds, "requests": requests, "path": PATH, "headers": HEADERS, "cpu": server_cpu},
        "frameworks": {},
    }
    for key in args.frameworks.split(","):
        runs: dict[str, list[dict[str, Any]]] = {v.key: [] for v in variants}
        print(f"\n{FRAMEWORKS[key].label}, in-process: {rounds} rounds", flush=True)
        for round_number in range(rounds):
            line = []
            for variant in variants:
                measured = _run_child(variant, key, requests, server_cpu)
                runs[variant.key].append(measured)
                line.append(f"{variant.key} {measured['cpu_us_per_request']:.0f} us")
            print(f"  round {round_number + 1}: " + " | ".join(line), flush=True)
        summary = {k: spread([r["cpu_us_per_request"] for r in v]) for k, v in runs.items()}
        gc_runs = {k: [statistics.median(r["gc_per_1000"][g] for r in v) for g in range(3)] for k, v in runs.items()}
        result["frameworks"][key] = {
            "label": FRAMEWORKS[key].label,
            "labels": {v.key: v.label for v in variants},
            "runs": runs,
            "summary": summary,
            "gc_per_1000_requests": gc_runs,
        }
    harness.write_results(Path(args.out), result, plot.inprocess)
    print_report(result)
    return 0


def _run_child(variant: Any, framework: str, requests: int, cpu: Any) -> dict[str, Any]:
    import harness

    python = str(variant.venv / "bin" / "python")
    command = [python, str(Path(__file__).resolve()), "--child", framework, str(requests), "3"]
    if variant.zero_code:
        command = [str(variant.venv / "bin" / "opentelemetry-instrument"), *command]
    if cpu is not None:
        command = ["taskset", "-c", cpu, *command]
    env = harness.clean_env({**variant.env, "BENCH_PORT": "8000"})
    done = subprocess.run(command, env=env, cwd=harness.APPS, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("INPROCESS_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"{variant.label} failed:\n{done.stdout}\n{done.stderr}")
    measured: dict[str, Any] = json.loads(line[len("INPROCESS_JSON ") :])
    if variant.zero_code and not measured["instrumented"]:
        raise RuntimeError(f"{variant.label}: OpenTelemetry did not start\n{done.stderr}")
    return measured


def _child(framework: str, requests: int, repeats: int) -> int:
    """Runs inside the measured interpreter: import the app, warm up, measure, print one JSON line."""
    sys.path.insert(0, os.getcwd())
    serve = _asgi_server() if framework == "fastapi" else _wsgi_server()
    serve(500)
    samples = []
    collections_before = [s["collections"] for s in gc.get_stats()]
    for _ in range(repeats):
        started = time.process_time()
        serve(requests)
        samples.append((time.process_time() - started) / requests * 1e6)
    collected = [s["collections"] - b for s, b in zip(gc.get_stats(), collections_before)]
    report = {
        "instrumented": _instrumented(),
        "cpu_us_per_request": round(min(samples), 1),
        "samples": [round(s, 1) for s in samples],
        "gc_per_1000": [round(c * 1000 / (requests * repeats), 3) for c in collected],
    }
    print("INPROCESS_JSON " + json.dumps(report))
    return 0


def _instrumented() -> bool:
    """Whether an SDK tracer provider is installed (a broken zero-code start leaves the app bare)."""
    try:
        from opentelemetry import trace
    except ImportError:
        return False
    return type(trace.get_tracer_provider()).__name__ == "TracerProvider"


def _asgi_server() -> Callable[[int], None]:
    """Serves n requests one after the other on one event loop, as a server would."""
    app = __import__("users_fastapi").app
    scope = asgi_scope(PATH, HEADERS)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    async def serve_all(n: int) -> None:
        for _ in range(n):
            await app(dict(scope), receive, send)

    def serve(n: int) -> None:
        asyncio.run(serve_all(n))

    return serve


def _wsgi_server() -> Callable[[int], None]:
    """Serves n requests one after the other, as a sync worker would."""
    app = __import__("users_flask").app
    environ = wsgi_environ(PATH, HEADERS)

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        return None

    def serve(n: int) -> None:
        for _ in range(n):
            body = app({**environ, "wsgi.input": io.BytesIO(b"")}, start_response)
            for _ in body:
                pass
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return serve


def print_report(result: dict[str, Any]) -> None:
    for data in result["frameworks"].values():
        summary = data["summary"]
        print(f"\n{data['label']}, in-process: CPU µs/request median [min-max], GC runs per 1000 requests")
        for key, s in summary.items():
            gc_runs = data["gc_per_1000_requests"][key]
            print(
                f"  {data['labels'][key]:<40}{s['median']:>7.0f} [{s['min']:.0f}-{s['max']:.0f}]".ljust(62)
                + f"gen0 {gc_runs[0]:>6.1f}  gen1 {gc_runs[1]:>5.2f}  gen2 {gc_runs[2]:>5.3f}"
            )
        for numerator, denominator in RATIOS:
            if numerator in summary and denominator in summary:
                ratio = summary[denominator]["median"] / summary[numerator]["median"]
                print(f"  throughput ratio {numerator}/{denominator} from CPU time: {ratio:.3f}")


def asgi_scope(path: str, headers: dict[str, str]) -> dict[str, Any]:
    """An HTTP ``GET path`` scope as uvicorn builds it, from 127.0.0.1 to port 8000."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def wsgi_environ(path: str, headers: dict[str, str]) -> dict[str, Any]:
    """A ``GET path`` environ as gunicorn builds it (``RAW_URI`` included: the WSGI instrumentation reads it)."""
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "RAW_URI": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
