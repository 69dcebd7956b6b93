from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_configuration_reference_matches_settings() -> None:
    spec = importlib.util.spec_from_file_location(
        "configuration_reference", ROOT / "scripts" / "configuration_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (ROOT / "docs" / "configuration.md").read_text()
    assert committed == module.render(), "run: python scripts/configuration_reference.py > docs/configuration.md"
