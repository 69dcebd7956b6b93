"""The installed Python distributions as a CycloneDX SBOM (``application``), built with cyclonedx-python-lib.

Each distribution on ``sys.path`` is a library component (the first of one name wins, as for imports) with
its version, ``pkg:pypi`` purl, summary, author and licence (``License-Expression``, else a short
``License`` field, else the licence classifiers). Its dependencies are the installed distributions it
requires, extras left out. The application is the root component and depends on every distribution no
other one requires; it is named after ``OTEL_SERVICE_NAME`` unless the source is given a name.

The graph is made acyclic (a requirement cycle keeps its first edges from the root): SBA's Dependencies
view expands it into a tree and would never finish on a cycle. The root's entry comes first and every
entry has a ``dependsOn`` list, as that view expects. The document is built on first request and
kept: installed distributions do not change under a running process.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any, Optional

MEDIA_TYPE = "application/vnd.cyclonedx+json"
APPLICATION = "application"

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXTRA_MARKER = re.compile(r"\bextra\s*==")
_MAX_LICENSE_TEXT = 100


def canonical_name(name: str) -> str:
    """PEP 503's normalized name, as purls spell PyPI packages."""
    return re.sub(r"[-_.]+", "-", name).lower()


class InstalledDistributionsSbom:
    """Implements ``SbomSource`` with the one id ``application``."""

    def __init__(self, application_name: Optional[str] = None, application_version: Optional[str] = None) -> None:
        self.application_name = application_name
        self.application_version = application_version
        self._lock = threading.Lock()
        self._document: Optional[bytes] = None

    def ids(self) -> Sequence[str]:
        return [APPLICATION]

    def document(self, sbom_id: str) -> Optional[tuple[bytes, str]]:
        if sbom_id != APPLICATION:
            return None
        with self._lock:
            if self._document is None:
                # The root is named as OpenTelemetry names the service, unless told otherwise.
                name = self.application_name or os.environ.get("OTEL_SERVICE_NAME") or APPLICATION
                self._document = cyclonedx_json(name, self.application_version, importlib.metadata.distributions())
            return self._document, MEDIA_TYPE


def cyclonedx_json(
    application_name: str, application_version: Optional[str], distributions: Iterable[importlib.metadata.Distribution]
) -> bytes:
    """The CycloneDX 1.6 JSON document of ``distributions`` under an application root component."""
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    by_name: dict[str, importlib.metadata.Distribution] = {}
    for dist in distributions:
        name = _field(dist, "Name")
        if name:
            by_name.setdefault(canonical_name(name), dist)

    components: dict[str, Any] = {}
    for key, dist in sorted(by_name.items()):
        version = dist.version
        purl = PackageURL(type="pypi", name=key, version=version)
        components[key] = Component(
            name=_field(dist, "Name") or key,
            version=version,
            type=ComponentType.LIBRARY,
            purl=purl,
            bom_ref=purl.to_string(),
            description=_field(dist, "Summary"),
            publisher=_publisher(dist),
            licenses=_licenses(dist),
        )
    requires = {key: _required(dist, by_name) for key, dist in by_name.items()}

    root_purl = PackageURL(type="generic", name=application_name, version=application_version)
    root = Component(
        name=application_name,
        version=application_version,
        type=ComponentType.APPLICATION,
        purl=root_purl,
        bom_ref=root_purl.to_string(),
    )
    bom = Bom()
    bom.metadata.component = root
    for component in components.values():
        bom.components.add(component)
    for parent, children in acyclic(requires).items():
        target = root if parent is None else components[parent]
        bom.register_dependency(target, [components[child] for child in children])
    document = json.loads(JsonV1Dot6(bom).output_as_string(indent=None))
    return json.dumps(_for_sba(document, root_purl.to_string()), ensure_ascii=False).encode("utf-8")


def _for_sba(document: dict[str, Any], root_ref: str) -> dict[str, Any]:
    """The root's dependencies first, and an empty ``dependsOn`` rather than none.

    SBA's Dependencies view takes the first entry as the root, and reads ``dependsOn.length`` of every entry.
    """
    dependencies = document.get("dependencies", [])
    for entry in dependencies:
        entry.setdefault("dependsOn", [])
    dependencies.sort(key=lambda entry: entry.get("ref") != root_ref)
    return document


def acyclic(requires: dict[str, list[str]]) -> dict[Optional[str], list[str]]:
    """The requirement graph without cycles, under a root (None) depending on what nothing requires.

    A depth-first walk from the root keeps every edge but those leading back to a node on the current path;
    nodes only reachable through a cycle hang from the root.
    """
    required = {child for children in requires.values() for child in children}
    graph: dict[Optional[str], list[str]] = {None: sorted(k for k in requires if k not in required)}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def walk(node: str) -> None:
        state[node] = 1
        stack = [(node, iter(sorted(set(requires[node]))))]
        graph[node] = []
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[current] = 2
                stack.pop()
                continue
            if state.get(child) == 1:
                continue  # a back edge: it would close a cycle
            graph[current].append(child)
            if child not in state:
                state[child] = 1
                graph[child] = []
                stack.append((child, iter(sorted(set(requires[child])))))

    for top in graph[None]:
        if top not in state:
            walk(top)
    for node in sorted(requires):
        if node not in state:
            graph[None].append(node)
            walk(node)
    return graph


def _required(dist: importlib.metadata.Distribution, installed: dict[str, Any]) -> list[str]:
    names = []
    for requirement in dist.requires or ():
        name_part, _, marker = requirement.partition(";")
        if _EXTRA_MARKER.search(marker):
            continue
        match = _REQUIREMENT_NAME.match(name_part)
        if match is not None:
            name = canonical_name(match.group(1))
            if name in installed and name != canonical_name(_field(dist, "Name") or ""):
                names.append(name)
    return names


def _publisher(dist: importlib.metadata.Distribution) -> Optional[str]:
    for field in ("Author", "Maintainer"):
        value = _field(dist, field)
        if value:
            return str(value)
    for field in ("Author-email", "Maintainer-email"):
        value = _field(dist, field)
        if value:
            # "Name <mail>, Other <mail>": the names
            names = [part.split("<")[0].strip().strip('"') for part in str(value).split(",")]
            return ", ".join(n for n in names if n) or None
    return None


def _licenses(dist: importlib.metadata.Distribution) -> list[Any]:
    from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
    from cyclonedx.spdx import fixup_id, is_expression

    text = (_field(dist, "License-Expression") or _field(dist, "License") or "").strip()
    if text and "\n" not in text and len(text) <= _MAX_LICENSE_TEXT:
        spdx_id = fixup_id(text)
        if spdx_id is not None:
            return [DisjunctiveLicense(id=spdx_id)]
        if is_expression(text):
            return [LicenseExpression(text)]
        return [DisjunctiveLicense(name=text)]
    classifiers = [c for c in dist.metadata.get_all("Classifier") or () if c.startswith("License ::")]
    return [DisjunctiveLicense(name=c.split("::")[-1].strip()) for c in classifiers]


def _field(dist: importlib.metadata.Distribution, name: str) -> Optional[str]:
    """A metadata field's first value; None when absent or empty."""
    values = dist.metadata.get_all(name)
    return str(values[0]) if values and values[0] else None
