"""The results in bench/results/*.json as the Markdown tables docs/performance.md shows.

    .venv/bin/python bench/run.py report                         print the tables
    .venv/bin/python bench/run.py report --write docs/performance.md

``--write`` replaces what lies between the ``<!-- bench:begin -->`` and ``<!-- bench:end -->`` lines
of the file, so the prose around the tables stays as written and the numbers always come from a run.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import RESULTS

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
TARGETS = {
    ("actuator", "pyctuator"): ("otel-actuator / Pyctuator throughput", ">= 1.0 (goal 1.25)", 1.0),
    ("actuator", "otel"): ("otel-actuator / OpenTelemetry alone throughput", ">= 0.97", 0.97),
}


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", help="a Markdown file whose bench:begin/end block to replace")
    args = parser.parse_args(argv)
    text = render(RESULTS)
    if args.write:
        path = Path(args.write)
        page = path.read_text()
        pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
        if not pattern.search(page):
            raise SystemExit(f"{path} has no {BEGIN} ... {END} block")
        path.write_text(pattern.sub(lambda _: f"{BEGIN}\n{text}\n{END}", page))
        print(f"updated {path}")
    else:
        print(text)
    return 0


def render(results: Path) -> str:
    parts = []
    for name, section in (
        ("throughput", _throughput),
        ("inprocess", _inprocess),
        ("endpoints", _endpoints),
        ("memory", _memory),
    ):
        path = results / f"{name}.json"
        if path.exists():
            parts.append(section(json.loads(path.read_text())))
    return "\n".join(parts).rstrip()


def _range(s: dict[str, float], digits: int) -> str:
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def _header(result: dict[str, Any]) -> str:
    load = result["machine"].get("load_average", [0])[0]
    return f"`{result['command']}`, started {result['started']} (load average {load:.2f} at the start)\n"


def _throughput(result: dict[str, Any]) -> str:
    settings = result["settings"]
    out = [
        "### Throughput and latency under load\n",
        _header(result),
        f"{settings['rounds']} rounds of {settings['seconds']:.0f} s per variant, interleaved; wrk with "
        f"{settings['connections']} connections on its own CPU; `GET {settings['path']}`. "
        "Median (min-max) over the rounds; ratios are computed within each round.\n",
    ]
    for data in result["frameworks"].values():
        out.append(f"**{data['label']}**\n")
        out.append("| variant | requests/s | p50 ms | p99 ms | server CPU µs/request |")
        out.append("|---|---|---|---|---|")
        for key, s in data["summary"].items():
            out.append(
                f"| {data['labels'][key]} | {_range(s['rps'], 0)} | {s['p50_ms']['median']:.2f} | "
                f"{_range(s['p99_ms'], 1)} | {_range(s['cpu_us_per_request'], 0)} |"
            )
        out.append("")
        out.append("| ratio | throughput | by CPU time | p99 | target |")
        out.append("|---|---|---|---|---|")
        for name, ratio in data["ratios"].items():
            pair = tuple(name.split("/"))
            target = TARGETS.get(pair)  # type: ignore[arg-type]
            verdict = ""
            if target is not None:
                met = ratio["rps"]["median"] >= target[2]
                verdict = f"{target[1]}: {'met' if met else 'not met'}"
            if pair == ("actuator", "pyctuator"):
                p99_met = ratio["p99"]["median"] <= 1.0
                verdict += f"; p99 <= Pyctuator's: {'met' if p99_met else 'not met'}"
            out.append(
                f"| {name} | {_range(ratio['rps'], 3)} | {_range(ratio['cpu'], 3)} | {_range(ratio['p99'], 2)} | "
                f"{verdict} |"
            )
        out.append("")
    return "\n".join(out)


def _inprocess(result: dict[str, Any]) -> str:
    settings = result["settings"]
    out = [
        "### CPU time per request, in-process\n",
        _header(result),
        f"Each variant in {settings['rounds']} fresh interpreters pinned to one CPU, {settings['requests']} "
        "requests each; the app called directly (no socket). Median (min-max) of the interpreters' best "
        "samples.\n",
        "| framework | " + " | ".join(_inprocess_columns(result)) + " |",
        "|---|" + "---|" * len(_inprocess_columns(result)),
    ]
    for data in result["frameworks"].values():
        cells = [_range(data["summary"][k], 0) if k in data["summary"] else "-" for k in _inprocess_columns(result)]
        out.append(f"| {data['label']} | " + " | ".join(cells) + " |")
    labels = next(iter(result["frameworks"].values()))["labels"]
    out.append("")
    out.append("Columns, in µs: " + "; ".join(f"`{k}` {labels[k]}" for k in _inprocess_columns(result)) + ".\n")
    return "\n".join(out)


def _inprocess_columns(result: dict[str, Any]) -> list[str]:
    return list(next(iter(result["frameworks"].values()))["summary"])


def _endpoints(result: dict[str, Any]) -> str:
    import endpoints

    settings = result["settings"]
    out = [
        "### Actuator endpoints under load\n",
        _header(result),
        f"{settings['routes']} routes x {len(settings['statuses'])} statuses called first; then wrk drives one "
        f"endpoint at a time, {settings['rounds']} rounds of {settings['seconds']:.0f} s, with "
        f"{' and '.join(str(c) for c in settings['connections'])} connections. The p99 is wrk's (corrected for "
        "coordinated omission, see below); *served* is the endpoint's own service time, in-process, one "
        "request at a time.\n",
    ]
    for data in result["frameworks"].values():
        out.append(
            f"**{data['label']}** ({data['series']} series, Prometheus page {data['prometheus_bytes'] // 1024} KiB, "
            f"longest GC pause {data['gc_pause_max_ms']:.0f} ms)\n"
        )
        out.append(
            "| endpoint @ connections | requests/s | p50 ms | p99 ms | p99.9 ms | served p50 / p99 ms | target |"
        )
        out.append("|---|---|---|---|---|---|---|")
        for key, s in data["summary"].items():
            name = key.split("@")[0]
            limit = endpoints.ENDPOINTS[name][2]
            served = data["in_process"][name]
            verdict = "met" if s["p99_ms"]["median"] < limit else "not met"
            served_verdict = "met" if served["p99_ms"] < limit else "not met"
            out.append(
                f"| {key} | {s['rps']['median']:.0f} | {s['p50_ms']['median']:.2f} | {_range(s['p99_ms'], 1)} | "
                f"{s['p999_ms']['median']:.1f} | {served['p50_ms']:.2f} / {served['p99_ms']:.2f} | "
                f"p99 < {limit:g} ms: {verdict} (served: {served_verdict}) |"
            )
        out.append("")
    return "\n".join(out)


def _memory(result: dict[str, Any]) -> str:
    import memory

    settings = result["settings"]
    out = [
        "### Memory\n",
        _header(result),
        f"{settings['requests']:,} requests (at least) per server on {settings['paths']:,} distinct raw paths, "
        "the actuator polled between chunks as SBA and Prometheus poll it.\n",
        "| server | requests | RSS at start MiB | RSS at end MiB | growth MiB | uri tags | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in result["runs"].values():
        verdict = "met" if run["growth_mib"] < memory.TARGET_MIB else "not met"
        uris = "-" if run["uri_tags"] is None else str(run["uri_tags"])
        out.append(
            f"| {run['label']} | {run['requests']:,} | {run['rss_start_mib']:.1f} | {run['rss_end_mib']:.1f} | "
            f"{run['growth_mib']:.1f} | {uris} | < {memory.TARGET_MIB:g} MiB: {verdict} |"
        )
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
