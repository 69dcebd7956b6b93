"""Load benchmarks: what monitoring costs ``GET /users/{id}``, side by side in one run.

    .venv/bin/python bench/run.py [--quick]              throughput: bare / OTel / OTel + otel-actuator / Pyctuator
    .venv/bin/python bench/run.py endpoints [--quick]    latency of /actuator/metrics, /prometheus, /health under load
    .venv/bin/python bench/run.py memory [--requests N]  RSS growth over N requests on 10k distinct raw paths
    .venv/bin/python bench/run.py inprocess [--quick]    CPU time per request, apps called in-process (low noise)
    .venv/bin/python bench/run.py plot                   redraw the PNGs from the JSON results
    .venv/bin/python bench/run.py report [--write FILE]  the results as Markdown tables (docs/performance.md)

Pyctuator runs from its own virtual environment (``bench/setup_pyctuator.sh`` creates it). Every variant
of one framework is started once and measured in turns, A B C D A B C D ..., so that noise from
other work on the machine spreads over all of them; ratios are computed within each round.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import harness
import plot
from harness import FRAMEWORKS, MAIN_VARIANTS, MAIN_VENV, RESULTS, VARIANTS, Server, Variant, running, spread, wrk

#: (numerator, denominator, minimum, goal) of the throughput ratios the issue sets.
THROUGHPUT_TARGETS = (("actuator", "pyctuator", 1.0, 1.25), ("actuator", "otel", 0.97, 0.97))
RATIOS = (
    ("otel", "bare"),
    ("actuator", "bare"),
    ("pyctuator", "bare"),
    ("actuator", "otel"),
    ("actuator", "pyctuator"),
    ("actuator", "baseline"),
    ("actuator-no-headers", "otel"),
    ("actuator", "actuator-old-semconv"),
    ("actuator", "actuator-always-on"),
    ("actuator", "actuator-no-headers"),
    ("actuator", "actuator-no-spans"),
)


def main(argv: Sequence[str]) -> int:
    # A terminated run still stops the servers it started (their ``finally`` blocks run).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    if argv[:1] == ["endpoints"]:
        import endpoints

        return endpoints.main(argv[1:])
    if argv[:1] == ["memory"]:
        import memory

        return memory.main(argv[1:])
    if argv[:1] == ["inprocess"]:
        import inprocess

        return inprocess.main(argv[1:])
    if argv[:1] == ["plot"]:
        return plot.main(argv[1:])
    if argv[:1] == ["report"]:
        import report

        return report.main(argv[1:])
    return throughput(argv)


def throughput(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 3 s: for trying the suite out")
    parser.add_argument("--rounds", type=int, help="measurements per variant (default 5)")
    parser.add_argument("--seconds", type=float, help="length of one measurement (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--frameworks", default="fastapi,flask", help="comma list of: " + ",".join(FRAMEWORKS))
    parser.add_argument("--variants", default=",".join(MAIN_VARIANTS), help="comma list of: " + ",".join(VARIANTS))
    parser.add_argument("--path", default="/users/42", help="the request every variant serves")
    parser.add_argument(
        "--baseline-tree",
        help="a directory holding another otel_actuator package (a git worktree of an older commit): "
        "adds the zero-code variant 'baseline' importing it, for before/after comparisons",
    )
    parser.add_argument("--out", default=str(RESULTS / "throughput.json"))
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 5)
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    warmup = 1.0 if args.quick else 3.0
    variants = [VARIANTS[k] for k in args.variants.split(",")]
    if args.baseline_tree:
        tree = str(Path(args.baseline_tree).resolve())
        env = {**VARIANTS["actuator"].env, "PYTHONPATH": tree}
        variants.append(Variant("baseline", f"otel-actuator baseline ({Path(tree).name})", MAIN_VENV, True, env))
    harness.check_variants(variants)
    server_cpu, wrk_cpu = harness.cpus()
    started = time.time()
    result: dict[str, Any] = {
        "benchmark": "throughput",
        "command": "bench/run.py " + " ".join(argv),
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "machine": harness.machine(),
        "settings": {
            "rounds": rounds,
            "seconds": seconds,
            "warmup_seconds": warmup,
            "connections": args.connections,
            "path": args.path,
            "headers": harness.CLIENT_HEADERS,
            "server_cpu": server_cpu,
            "wrk_cpu": wrk_cpu,
        },
        "frameworks": {},
    }
    for key in args.frameworks.split(","):
        framework = FRAMEWORKS[key]
        servers = [Server(framework, v, cpu=server_cpu) for v in variants]
        runs: dict[str, list[dict[str, float]]] = {v.key: [] for v in variants}
        headers = harness.CLIENT_HEADERS
        print(f"\n{framework.label}: {rounds} rounds x {seconds:.0f} s, {args.connections} connections", flush=True)
        with running(servers):
            for server in servers:
                wrk(server.url + args.path, seconds=warmup, connections=args.connections, cpu=wrk_cpu, headers=headers)
            for round_number in range(rounds):
                line = []
                for server in servers:
                    cpu_before = server.cpu_seconds()
                    measured = wrk(
                        server.url + args.path,
                        seconds=seconds,
                        connections=args.connections,
                        cpu=wrk_cpu,
                        headers=headers,
                    )
                    cpu_us = (server.cpu_seconds() - cpu_before) / max(measured.requests, 1) * 1e6
                    runs[server.variant.key].append({**measured.as_dict(), "cpu_us_per_request": round(cpu_us, 1)})
                    line.append(
                        f"{server.variant.key} {measured.rps:6.0f}/s p99 {measured.p99_ms:5.1f} ms {cpu_us:4.0f} us"
                    )
                print(f"  round {round_number + 1}: " + " | ".join(line), flush=True)
        labels = {v.key: v.label for v in variants}
        result["frameworks"][key] = {"label": framework.label, "labels": labels, "runs": runs, **summarize(runs)}
    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["wall_seconds"] = round(time.time() - started)
    harness.write_results(Path(args.out), result, plot.throughput)
    print_report(result)
    print(f"\nresults: {args.out}")
    return 0


def summarize(runs: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    """Median/min/max per variant, and per-round ratios (each round's variants ran back to back).

    ``cpu`` is the throughput ratio computed from server CPU time per request instead of wall-clock
    requests per second: CPU time stolen by other work on the machine does not move it.
    """
    metrics = ("rps", "p50_ms", "p99_ms", "cpu_us_per_request", "errors")
    summary = {key: {m: spread([r[m] for r in values]) for m in metrics} for key, values in runs.items()}
    ratios: dict[str, Any] = {}
    for numerator, denominator in RATIOS:
        if numerator in runs and denominator in runs:
            pairs = list(zip(runs[numerator], runs[denominator]))
            ratios[f"{numerator}/{denominator}"] = {
                "rps": spread([a["rps"] / b["rps"] for a, b in pairs]),
                "cpu": spread([b["cpu_us_per_request"] / a["cpu_us_per_request"] for a, b in pairs]),
                "p99": spread([a["p99_ms"] / b["p99_ms"] for a, b in pairs]),
            }
    return {"summary": summary, "ratios": ratios}


def _range(s: dict[str, float], digits: int) -> str:
    return f"{s['median']:.{digits}f} [{s['min']:.{digits}f}-{s['max']:.{digits}f}]"


def print_report(result: dict[str, Any]) -> None:
    for data in result["frameworks"].values():
        print(f"\n{data['label']}: median [min-max]")
        print(f"  {'variant':<31}{'req/s':>20}{'p50 ms':>9}{'p99 ms':>22}{'CPU us/request':>22}")
        for variant, s in data["summary"].items():
            print(
                f"  {data['labels'][variant]:<31}{_range(s['rps'], 0):>20}{s['p50_ms']['median']:>9.2f}"
                f"{_range(s['p99_ms'], 1):>22}{_range(s['cpu_us_per_request'], 0):>22}"
            )
        print(f"  {'ratio, per round':<31}{'throughput':>20}{'by CPU time':>24}{'p99':>24}")
        for name, ratio in data["ratios"].items():
            print(
                f"  {name:<31}{_range(ratio['rps'], 3):>20}{_range(ratio['cpu'], 3):>24}{_range(ratio['p99'], 3):>24}"
            )
        for numerator, denominator, minimum, goal in THROUGHPUT_TARGETS:
            ratio = data["ratios"].get(f"{numerator}/{denominator}")
            if ratio is not None:
                median = ratio["rps"]["median"]
                verdict = "met" if median >= minimum else f"NOT met (gap {minimum - median:.3f})"
                goal_text = f"; goal {goal}: {'met' if median >= goal else 'not met'}" if goal != minimum else ""
                print(f"  target {numerator}/{denominator} throughput >= {minimum}: {verdict}{goal_text}")
        p99 = data["ratios"].get("actuator/pyctuator", {}).get("p99")
        if p99 is not None:
            verdict = "met" if p99["median"] <= 1.0 else f"NOT met (x{p99['median']:.3f})"
            print(f"  target actuator p99 <= Pyctuator p99: {verdict}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
