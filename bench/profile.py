"""Where a variant's CPU goes under load: py-spy samples the server while wrk drives it.

    .venv/bin/python bench/profile.py [--framework fastapi] [--variant actuator] [--seconds 15]

Each sample is charged to the innermost frame that belongs to a package (standard-library frames such
as ``threading`` or ``asyncio`` are charged to the package that called them), so the table reads
"what share of the server's busy time each package costs". The raw stacks are kept in
bench/profiles/ (``--svg`` also writes a flame graph) for a closer look.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import harness
from harness import BENCH, FRAMEWORKS, MAIN_VENV, VARIANTS, Server, Variant, running, wrk

PROFILES = BENCH / "profiles"

#: (label, pattern on the frame's file path); the first match names the package.
PACKAGES = (
    ("otel-actuator", r"/otel_actuator/"),
    ("opentelemetry sdk", r"/opentelemetry/sdk/"),
    ("opentelemetry instrumentation", r"/opentelemetry/(instrumentation|util)/"),
    ("opentelemetry api", r"/opentelemetry/"),
    ("pyctuator", r"/pyctuator/"),
    ("fastapi", r"/fastapi/"),
    ("starlette", r"/starlette/"),
    ("pydantic", r"/pydantic(_core)?/"),
    ("anyio (threadpool for sync routes)", r"/anyio/"),
    ("flask / werkzeug", r"/(flask|werkzeug)/"),
    ("uvicorn / h11", r"/(uvicorn|h11)/"),
    ("gunicorn", r"/gunicorn/"),
    ("bench app", r"/bench/apps/"),
)
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/profile.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", default="fastapi", choices=FRAMEWORKS)
    parser.add_argument("--variant", default="actuator", choices=VARIANTS)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--path", default="/users/42")
    parser.add_argument("--svg", action="store_true", help="also write a flame graph")
    parser.add_argument("--baseline-tree", help="profile the zero-code actuator importing this otel_actuator instead")
    parser.add_argument("--top", type=int, default=20, help="functions listed by own time")
    args = parser.parse_args(argv)
    server_cpu, wrk_cpu = harness.cpus()
    variant = VARIANTS[args.variant]
    name = args.variant
    if args.baseline_tree:
        tree = Path(args.baseline_tree).resolve()
        variant = Variant(
            "baseline", f"baseline {tree.name}", MAIN_VENV, True, {**variant.env, "PYTHONPATH": str(tree)}
        )
        name = f"{args.variant}-{tree.name}"
    server = Server(FRAMEWORKS[args.framework], variant, cpu=server_cpu)
    PROFILES.mkdir(exist_ok=True)
    raw = PROFILES / f"{args.framework}-{name}.txt"
    with running([server]):
        wrk(server.url + args.path, seconds=3, connections=args.connections, cpu=wrk_cpu)
        load = threading.Thread(
            target=wrk,
            args=(server.url + args.path,),
            kwargs={
                "seconds": args.seconds + 4,
                "connections": args.connections,
                "cpu": wrk_cpu,
                "headers": harness.CLIENT_HEADERS,
            },
        )
        load.start()
        record(server.serving_pid(), raw, args.seconds, "raw")
        if args.svg:
            record(server.serving_pid(), raw.with_suffix(".svg"), args.seconds, "flamegraph")
        load.join()
    print_breakdown(raw, args.top)
    print(f"\nraw stacks: {raw}")
    return 0


def record(pid: int, out: Path, seconds: float, output_format: str) -> None:
    py_spy = Path(sys.prefix) / "bin" / "py-spy"
    command = [
        str(py_spy),
        "record",
        "--pid",
        str(pid),
        "--duration",
        f"{seconds:.0f}",
        "--rate",
        "250",
        "--full-filenames",
        "--gil",
        "--format",
        output_format,
        "--output",
        str(out),
    ]
    subprocess.run(command, check=True, capture_output=True)


def _package(file: str) -> str:
    for label, pattern in PACKAGES:
        if re.search(pattern, file):
            return label
    return ""


def print_breakdown(raw: Path, top: int) -> None:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        total += count
        frames = [m for m in (_FRAME.match(f) for f in stack.split(";")) if m is not None]
        packages = [_package(m["file"]) for m in frames]
        charged = next((p for p in reversed(packages) if p), "python / stdlib")
        own[charged] += count
        for package in set(packages) - {""}:
            inclusive[package] += count
        if frames:
            leaf = frames[-1]
            functions[f"{leaf['function']} ({Path(leaf['file']).parent.name}/{Path(leaf['file']).name})"] += count
    print(f"{total} samples")
    print(f"{'package':<40}{'own %':>8}{'inclusive %':>13}")
    for package, count in own.most_common():
        print(f"{package:<40}{100 * count / total:>8.1f}{100 * inclusive.get(package, 0) / total:>13.1f}")
    print(f"\n{'function (own time)':<100}{'%':>6}")
    for function, count in functions.most_common(top):
        print(f"{function[:100]:<100}{100 * count / total:>6.1f}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
