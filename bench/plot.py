"""PNG charts of the JSON results, for docs/performance.md.

    .venv/bin/python bench/run.py plot    redraws every chart whose JSON exists in bench/results/

Each benchmark also draws its own chart when it finishes. Needs matplotlib.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import RESULTS

COLORS = {
    "bare": "#9e9e9e",
    "otel": "#5c6bc0",
    "actuator": "#43a047",
    "pyctuator": "#fb8c00",
    "baseline": "#a5d6a7",
    "actuator-no-headers": "#2e7d32",
    "actuator-old-semconv": "#81c784",
    "actuator-always-on": "#66bb6a",
    "actuator-no-spans": "#1b5e20",
}
SHORT = {
    "bare": "bare",
    "otel": "OTel alone",
    "actuator": "OTel +\notel-actuator",
    "pyctuator": "Pyctuator",
    "baseline": "baseline\n(before)",
    "actuator-no-headers": "otel-actuator,\nno headers",
    "actuator-old-semconv": "otel-actuator,\nold semconv",
    "actuator-always-on": "otel-actuator,\nevery trace",
    "actuator-no-spans": "otel-actuator,\nno trace",
}


def main(argv: Sequence[str]) -> int:
    drawn = 0
    charts = (("throughput", throughput), ("inprocess", inprocess), ("endpoints", endpoints), ("memory", memory))
    for name, draw in charts:
        source = RESULTS / f"{name}.json"
        if source.exists():
            print(draw(json.loads(source.read_text()), source.with_suffix(".png")))
            drawn += 1
    if not drawn:
        print(f"no results in {RESULTS}", file=sys.stderr)
    return 0 if drawn else 1


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _subtitle(result: dict[str, Any]) -> str:
    machine = result["machine"]
    return f"{machine['cpu_model']}, {machine['nproc']} CPUs; {result['started']}; {result['command']}"


def throughput(result: dict[str, Any], out: Path) -> Path:
    """Requests per second and server CPU time per request (median, min-max), per framework and variant."""
    plt = _pyplot()
    frameworks = list(result["frameworks"].values())
    figure, axes = plt.subplots(len(frameworks), 2, figsize=(9, 3.6 * len(frameworks)), squeeze=False)
    for row, data in zip(axes, frameworks):
        variants = list(data["summary"])
        for axis, (metric, title) in zip(row, (("rps", "requests/s"), ("cpu_us_per_request", "server CPU µs/request"))):
            spreads = [data["summary"][v][metric] for v in variants]
            medians = [s["median"] for s in spreads]
            low = [m - s["min"] for m, s in zip(medians, spreads)]
            high = [s["max"] - m for m, s in zip(medians, spreads)]
            colors = [COLORS.get(v, "#777777") for v in variants]
            axis.bar(range(len(variants)), medians, yerr=[low, high], color=colors, capsize=4)
            for x, (value, spread) in enumerate(zip(medians, spreads)):
                axis.annotate(f"{value:.0f}", (x, spread["max"]), ha="center", va="bottom", fontsize=8)
            axis.set_xticks(range(len(variants)), [SHORT.get(v, v) for v in variants], fontsize=7)
            axis.set_ylim(0, max(s["max"] for s in spreads) * 1.15)
            axis.set_title(f"{data['label']}: {title}", fontsize=9)
    figure.suptitle("GET /users/{id}, median and min-max of the rounds\n" + _subtitle(result), fontsize=8)
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def inprocess(result: dict[str, Any], out: Path) -> Path:
    """In-process CPU time per request (median, min-max), per framework and variant."""
    plt = _pyplot()
    frameworks = list(result["frameworks"].values())
    figure, axes = plt.subplots(1, len(frameworks), figsize=(4.6 * len(frameworks), 3.8), squeeze=False)
    for axis, data in zip(axes[0], frameworks):
        variants = list(data["summary"])
        spreads = [data["summary"][v] for v in variants]
        medians = [s["median"] for s in spreads]
        low = [m - s["min"] for m, s in zip(medians, spreads)]
        high = [s["max"] - m for m, s in zip(medians, spreads)]
        colors = [COLORS.get(v, "#777777") for v in variants]
        axis.bar(range(len(variants)), medians, yerr=[low, high], color=colors, capsize=4)
        for x, (value, spread) in enumerate(zip(medians, spreads)):
            axis.annotate(f"{value:.0f}", (x, spread["max"]), ha="center", va="bottom", fontsize=8)
        axis.set_xticks(range(len(variants)), [SHORT.get(v, v) for v in variants], fontsize=7)
        axis.set_ylim(0, max(s["max"] for s in spreads) * 1.15)
        axis.set_title(f"{data['label']}\nin-process CPU µs/request", fontsize=9)
    figure.suptitle(_subtitle(result), fontsize=8)
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def endpoints(result: dict[str, Any], out: Path) -> Path:
    """p50 and p99 latency of each actuator endpoint, against its target."""
    from endpoints import ENDPOINTS

    plt = _pyplot()
    runs = list(result["frameworks"].values())
    figure, axes = plt.subplots(1, len(runs), figsize=(4.4 * len(runs), 4.6), squeeze=False, sharey=True)
    for axis, data in zip(axes[0], runs):
        # HTTP under wrk ("name@connections"), then in-process service times ("name in-process").
        rows = [(k, s["p50_ms"]["median"], s["p99_ms"]["median"]) for k, s in data["summary"].items()]
        rows += [(f"{k} in-process", t["p50_ms"], t["p99_ms"]) for k, t in data.get("in_process", {}).items()]
        keys = [row[0] for row in rows]
        positions = range(len(keys))
        axis.bar([p - 0.2 for p in positions], [row[1] for row in rows], width=0.4, label="p50", color="#90caf9")
        axis.bar([p + 0.2 for p in positions], [row[2] for row in rows], width=0.4, label="p99", color="#1e88e5")
        for position, key in zip(positions, keys):
            target = ENDPOINTS[key.split("@")[0].split(" ")[0]][2]
            axis.hlines(target, position - 0.45, position + 0.45, colors="#e53935", linestyles="dashed")
        axis.set_yscale("log")
        axis.set_xticks(list(positions), keys, rotation=45, ha="right", fontsize=7)
        axis.set_title(data["label"], fontsize=8)
    axes[0][0].set_ylabel("ms (log); dashed: p99 target")
    axes[0][0].legend(fontsize=7)
    figure.suptitle("Actuator endpoints, 1000 http.server.requests series: " + _subtitle(result), fontsize=8)
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def memory(result: dict[str, Any], out: Path) -> Path:
    """RSS of the serving process against the number of requests served."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(8, 4.2))
    for run in result["runs"].values():
        samples = run["samples"]
        axis.plot([s["requests"] for s in samples], [s["rss_mib"] for s in samples], marker="o", label=run["label"])
    axis.set_xlabel(f"requests served (distinct raw paths: {result['settings']['paths']})")
    axis.set_ylabel("RSS MiB")
    axis.legend(fontsize=7)
    figure.suptitle("Resident memory: " + _subtitle(result), fontsize=8)
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
