"""sbom: the installed distributions as a CycloneDX document that SBA's Dependencies view can walk."""

from __future__ import annotations

import importlib.metadata
import json
from typing import Any, Optional

from otel_actuator.actuator import Actuator
from otel_actuator.core.http import Request, Response
from otel_actuator.settings import Settings
from otel_actuator.sources.sbom import InstalledDistributionsSbom, acyclic

BASE = "http://127.0.0.1:8000/actuator"


def _get(actuator: Actuator, path: str, accept: str) -> Response:
    return actuator.dispatcher.handle(Request("GET", path, BASE, headers={"accept": accept}))


def _actuator() -> Actuator:
    actuator = Actuator(Settings(exposure_include=("*",)))
    actuator.sources.sbom = InstalledDistributionsSbom("shop", "1.2.3")
    return actuator


def _document() -> Any:
    response = _get(_actuator(), "/sbom/application", "*/*")
    assert response.status == 200
    assert response.header("content-type") == "application/vnd.cyclonedx+json"
    return json.loads(response.body)


def _walk(dependencies: list[dict[str, Any]], ref: str, path: tuple[str, ...] = ()) -> int:
    """SBA's expansion of the tree from one ref; fails on a cycle instead of recursing for ever."""
    assert ref not in path, f"cycle through {ref}"
    children = [d for entry in dependencies if entry["ref"] == ref for d in entry["dependsOn"]]
    return 1 + sum(_walk(dependencies, child, (*path, ref)) for child in children)


def test_ids_list_the_application() -> None:
    response = _get(_actuator(), "/sbom", "application/json")
    assert json.loads(response.body) == {"ids": ["application"]}
    assert _get(_actuator(), "/sbom/other", "*/*").status == 404


def test_components_carry_name_version_purl_and_licence() -> None:
    document = _document()
    assert document["bomFormat"] == "CycloneDX"
    assert document["metadata"]["component"]["name"] == "shop"
    assert document["metadata"]["component"]["version"] == "1.2.3"
    by_name = {c["name"].lower(): c for c in document["components"]}
    fastapi = by_name["fastapi"]
    version = importlib.metadata.version("fastapi")
    assert fastapi["version"] == version
    assert fastapi["purl"] == f"pkg:pypi/fastapi@{version}" == fastapi["bom-ref"]
    assert fastapi["licenses"] == [{"license": {"id": "MIT"}}]
    assert fastapi["description"]


def test_dependencies_start_at_the_root_and_form_a_tree_sba_can_expand() -> None:
    dependencies = _document()["dependencies"]
    root = dependencies[0]
    assert root["ref"] == "pkg:generic/shop@1.2.3"
    assert all(isinstance(entry["dependsOn"], list) for entry in dependencies)
    fastapi = next(e for e in dependencies if e["ref"].startswith("pkg:pypi/fastapi@"))
    assert any(ref.startswith("pkg:pypi/starlette@") for ref in fastapi["dependsOn"])
    assert _walk(dependencies, root["ref"]) > len(dependencies) / 2


def test_requirement_cycles_are_cut_and_isolated_cycles_hang_from_the_root() -> None:
    graph: dict[Optional[str], list[str]] = acyclic(
        {"app": ["a"], "a": ["b"], "b": ["a", "c"], "c": [], "x": ["y"], "y": ["x"]}
    )
    assert graph[None] == ["app", "x"]
    assert graph["a"] == ["b"] and graph["b"] == ["c"]
    assert graph["x"] == ["y"] and graph["y"] == []
