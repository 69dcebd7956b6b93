"""The layering rules of docs/architecture.md, measured from every import in the package (lazy ones too)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _import_graph() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


graph = _import_graph()


def test_no_layer_imports_what_it_must_not() -> None:
    assert graph.violations(graph.graph()) == []


def test_largest_import_cycle_spans_at_most_three_modules() -> None:
    cycles = graph.cycles(graph.graph())
    assert all(len(cycle) <= 3 for cycle in cycles), cycles


def test_the_package_root_holds_at_most_seven_modules() -> None:
    assert len(graph.root_modules()) <= 7, graph.root_modules()


def test_the_rules_catch_a_broken_layer() -> None:
    edges = {
        "otel_actuator.endpoints.env": {"otel_actuator.actuator"},
        "otel_actuator.core.dispatcher": {"otel_actuator.settings"},
        "otel_actuator.web.fastapi": {"otel_actuator.admin.registrar"},
        "otel_actuator.a": {"otel_actuator.b"},
        "otel_actuator.b": {"otel_actuator.c"},
        "otel_actuator.c": {"otel_actuator.d"},
        "otel_actuator.d": {"otel_actuator.a"},
    }
    assert len(graph.violations(edges)) == 3
    assert graph.cycles(edges) == [["otel_actuator.a", "otel_actuator.b", "otel_actuator.c", "otel_actuator.d"]]


def test_lazy_and_type_checking_imports_count(tmp_path: Path) -> None:
    package = tmp_path / "otel_actuator"
    (package / "core").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text("")
    (package / "core" / "__init__.py").write_text("")
    (package / "core" / "lazy.py").write_text("def f():\n    from otel_actuator import settings\n")
    (package / "core" / "typed.py").write_text("if TYPE_CHECKING:\n    from otel_actuator.settings import X\n")
    assert graph.violations(graph.graph(package)) == [
        "otel_actuator.core.lazy imports otel_actuator.settings",
        "otel_actuator.core.typed imports otel_actuator.settings",
    ]
