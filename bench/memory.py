"""Resident memory of the serving process over many requests on many distinct raw paths.

    .venv/bin/python bench/run.py memory [--requests 1000000] [--paths 10000]

After a warm-up on one path and a first poll of the actuator, wrk sends ``--requests`` requests
(200 000 by default; the issue's figure is 1 000 000) cycling through ``--paths`` distinct raw
paths: nine in ten ``/users/{n}`` (a route; ids above 100 are 404s from the handler), one in ten
``/unknown/{n}``, which matches no route. RSS is read ``--chunks`` times along the way; before each
reading the actuator is polled the way Spring Boot Admin and Prometheus poll it (metrics,
prometheus, httpexchanges), so its caches count too. The ``uri`` tags of ``http.server.requests``
are counted at the end: route templates, not raw paths. By default OpenTelemetry alone and the
actuator as installed are measured.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import harness
import plot
from harness import CONFIGURATIONS, FRAMEWORKS, RESULTS, VARIANTS, Server, wrk

TARGET_MIB = 10.0
V3_JSON = "application/vnd.spring-boot.actuator.v3+json"
#: (path, Accept) of what Spring Boot Admin and Prometheus read.
POLLED = (
    ("/actuator/metrics/http.server.requests", V3_JSON),
    ("/actuator/prometheus", "text/plain"),
    ("/actuator/httpexchanges", V3_JSON),
)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200_000, help="requests per variant (default 200000)")
    parser.add_argument("--paths", type=int, default=10_000, help="distinct raw paths (default 10000)")
    parser.add_argument("--chunks", type=int, default=10, help="RSS readings over the run (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--frameworks", default="fastapi,flask", help="comma list of: " + ",".join(FRAMEWORKS))
    parser.add_argument(
        "--variants",
        default="otel,actuator",
        help="comma list of variant[:configuration]; variants: "
        + ",".join(VARIANTS)
        + "; configurations: "
        + ",".join(CONFIGURATIONS),
    )
    parser.add_argument("--out", default=str(RESULTS / "memory.json"))
    args = parser.parse_args(argv)
    server_cpu, wrk_cpu = harness.cpus()
    per_chunk = max(args.requests // args.chunks, 1)
    result: dict[str, Any] = {
        "benchmark": "memory",
        "command": "bench/run.py memory " + " ".join(argv),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": harness.machine(),
        "settings": {"requests": per_chunk * args.chunks, "paths": args.paths, "connections": args.connections},
        "note": "wrk runs for a duration, so each run did at least the requested number of requests",
        "runs": {},
    }
    for framework_key in args.frameworks.split(","):
        for spec in args.variants.split(","):
            variant_key, _, configuration = spec.partition(":")
            extra_env = CONFIGURATIONS[configuration or "default"]
            server = Server(FRAMEWORKS[framework_key], VARIANTS[variant_key], extra_env=extra_env, cpu=server_cpu)
            print(f"\n{server.describe()} {configuration}: {per_chunk * args.chunks} requests", flush=True)
            with harness.running([server]):
                warmup = wrk(server.url + "/users/1", seconds=3, connections=args.connections, cpu=wrk_cpu)
                polled = _poll(server)
                samples = [(0, server.rss_bytes())]
                done = 0
                while done < per_chunk * args.chunks:
                    # wrk runs for a duration: size each run from the warm-up's rate, count what it did.
                    remaining = min(per_chunk, per_chunk * args.chunks - done)
                    run = wrk(
                        server.url,
                        seconds=remaining / max(warmup.rps, 1.0),
                        connections=args.connections,
                        cpu=wrk_cpu,
                        script="paths.lua",
                        env={"BENCH_PATHS": str(args.paths)},
                        count_status_errors=False,
                    )
                    done += run.requests
                    _poll(server)
                    samples.append((done, server.rss_bytes()))
                    print(f"  {done:>8} requests: RSS {samples[-1][1] / 2**20:7.1f} MiB", flush=True)
                uris = _uri_tags(server) if polled else None
            label = server.describe() + (f", {configuration}" if configuration else "")
            result["runs"][f"{framework_key}/{spec}"] = _summary(label, samples, uris)
    harness.write_results(Path(args.out), result, plot.memory)
    print_report(result)
    print(f"\nresults: {args.out}")
    return 0


def _poll(server: Server) -> bool:
    """Read what SBA and Prometheus read; False when the variant has no actuator."""
    served = [harness.get(server.port, path, {"Accept": accept})[0] == 200 for path, accept in POLLED]
    return all(served)


def _uri_tags(server: Server) -> int:
    body = json.loads(harness.get(server.port, POLLED[0][0], {"Accept": V3_JSON})[1])
    return next((len(t["values"]) for t in body.get("availableTags", []) if t["tag"] == "uri"), 0)


def _summary(label: str, samples: list[tuple[int, int]], uris: Any) -> dict[str, Any]:
    mib = [rss / 2**20 for _, rss in samples]
    return {
        "label": label,
        "samples": [{"requests": n, "rss_mib": round(rss / 2**20, 2)} for n, rss in samples],
        "rss_start_mib": round(mib[0], 2),
        "rss_end_mib": round(mib[-1], 2),
        "growth_mib": round(mib[-1] - mib[0], 2),
        "growth_after_first_reading_mib": round(mib[-1] - mib[1], 2),
        "requests": samples[-1][0],
        "uri_tags": uris,
    }


def print_report(result: dict[str, Any]) -> None:
    print(f"\nRSS over {result['settings']['requests']}+ requests on {result['settings']['paths']} distinct raw paths")
    print(
        f"  {'server':<52}{'requests':>9}{'start MiB':>10}{'end MiB':>9}{'growth':>8}{'since 1st':>10}{'uri tags':>9}"
    )
    for run in result["runs"].values():
        verdict = "met" if run["growth_mib"] < TARGET_MIB else "NOT met"
        uris = "-" if run["uri_tags"] is None else str(run["uri_tags"])
        print(
            f"  {run['label']:<52}{run['requests']:>9}{run['rss_start_mib']:>10.1f}{run['rss_end_mib']:>9.1f}"
            f"{run['growth_mib']:>8.1f}{run['growth_after_first_reading_mib']:>10.1f}{uris:>9}"
            f"  growth < {TARGET_MIB:g} MiB: {verdict}"
        )
