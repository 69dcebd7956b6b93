"""The package's import graph, every kind of import counted (top level, lazy, TYPE_CHECKING).

``python scripts/import_graph.py`` prints the import cycles (strongly connected components of more than
one module) and each layering rule that is broken; tests/unit/test_layout.py holds the same rules.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

PACKAGE = "otel_actuator"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE


def module_names(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The package modules ``name`` imports, wherever the import statement stands."""
    known_set = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import submodule`` depends on the submodule; ``from pkg import name`` on pkg itself.
            submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known_set]
            targets = submodules if len(submodules) == len(node.names) else [base, *submodules]
        for target in targets:
            while target and target not in known_set:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = module_names(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(edges: Mapping[str, set[str]], *, ignore: Iterable[str] = (PACKAGE,)) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), ignoring the re-exporting root."""
    skipped = set(ignore)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target in skipped:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for node in sorted(edges):
        if node not in index and node not in skipped:
            visit(node)
    return sorted(found, key=len, reverse=True)


def violations(edges: Mapping[str, set[str]]) -> list[str]:
    """Each import that breaks a layering rule of docs/architecture.md."""
    rules = (
        ("otel_actuator.endpoints", ("otel_actuator.actuator", "otel_actuator.boot", "otel_actuator.bridge")),
        ("otel_actuator.core", ("otel_actuator.settings", "otel_actuator.actuator", "otel_actuator.boot")),
        ("otel_actuator.sources", ("otel_actuator.actuator", "otel_actuator.boot", "otel_actuator.endpoints")),
        ("otel_actuator.web", ("otel_actuator.admin",)),
        ("otel_actuator.bridge", ("otel_actuator.actuator", "otel_actuator.boot", "otel_actuator.web")),
    )
    broken: list[str] = []
    for source, targets in sorted(edges.items()):
        for layer, forbidden in rules:
            if source == layer or source.startswith(layer + "."):
                for target in sorted(targets):
                    if any(target == f or target.startswith(f + ".") for f in forbidden):
                        broken.append(f"{source} imports {target}")
    return broken


def root_modules(root: Path = ROOT) -> list[str]:
    return sorted(p.stem for p in root.glob("*.py"))


def main() -> int:
    edges = graph()
    for component in cycles(edges):
        print(f"cycle of {len(component)}: {' -> '.join(component)}")
    for line in violations(edges):
        print("rule broken:", line)
    print(f"root modules ({len(root_modules())}): {', '.join(root_modules())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
