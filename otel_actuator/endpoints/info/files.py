"""Build and git information read from files written at build time, for the info endpoint.

Both JSON and Java ``.properties`` files are accepted (``git.properties`` from the git-commit-id
plugins, ``build-info.properties``, or a JSON file a CI step writes). Flat dotted keys
(``build.version``) become nested objects, as Spring Boot shows them.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional


class InfoFileError(Exception):
    """The file cannot be read or is not a JSON object / properties file."""


def read_info_file(path: str) -> dict[str, Any]:
    """The file's top-level mapping: a JSON object, or the flat key/value pairs of a properties file."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InfoFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # Java's own encoding for .properties files
    text = text.lstrip("\ufeff")
    if path.lower().endswith(".json") or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InfoFileError(f"{path} is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InfoFileError(f"{path} must hold a JSON object, not {type(data).__name__}")
        return data
    return parse_properties(text)


def build_info(path: str) -> dict[str, Any]:
    """The ``build`` section: ``build.*`` keys, or the whole file when it has none."""
    return _section(nest(read_info_file(path)), "build")


def git_info(path: str) -> dict[str, Any]:
    """The ``git`` section. Flat ``git.*`` keys give Spring Boot's simple mode
    (``branch``, ``commit.id`` abbreviated, ``commit.time``); a nested JSON file is shown as written."""
    data = read_info_file(path)
    flat = {k[len("git.") :]: v for k, v in data.items() if k.startswith("git.")}
    if not flat:
        return _section(nest(data), "git")
    commit: dict[str, Any] = {}
    commit_id = _short_commit_id(flat)
    if commit_id:
        commit["id"] = commit_id
    if flat.get("commit.time") not in (None, ""):
        commit["time"] = normalize_time(str(flat["commit.time"]))
    simple: dict[str, Any] = {}
    if flat.get("branch") not in (None, ""):
        simple["branch"] = flat["branch"]
    if commit:
        simple["commit"] = commit
    return simple


def _short_commit_id(flat: Mapping[str, Any]) -> Optional[str]:
    abbrev = flat.get("commit.id.abbrev")
    if abbrev:
        return str(abbrev)
    full = flat.get("commit.id") or flat.get("commit.id.full")
    return str(full)[:7] if full else None


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    inner = data.get(name)
    return inner if isinstance(inner, dict) else data


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Split dotted top-level keys into nested objects.

    When a key is both a value and a parent (``commit.id`` and ``commit.id.abbrev``), the deeper key
    stays dotted beside the value (``{"commit": {"id": ..., "id.abbrev": ...}}``) so nothing is lost.
    """
    nested: dict[str, Any] = {}
    for key in sorted(flat):
        parts = key.split(".")
        if "" in parts:  # ".x", "a..b" or "x." name no path
            parts = [key]
        target = nested
        for depth, part in enumerate(parts[:-1]):
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                parts = [*parts[:depth], ".".join(parts[depth:])]
                break
            target = child
        target[parts[-1]] = flat[key]
    return nested


_OFFSET_WITHOUT_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def normalize_time(value: str) -> str:
    """Commit times as ISO-8601 UTC instants (``2025-06-18T16:46:11Z``), as Spring Boot shows them.

    Accepts epoch seconds and the plugins' ``yyyy-MM-dd'T'HH:mm:ssZ`` form; anything else is kept as written.
    """
    text = value.strip()
    try:
        if text.isdigit():
            moment = _dt.datetime.fromtimestamp(int(text), _dt.timezone.utc)
        else:
            iso = _OFFSET_WITHOUT_COLON.sub(r"\1:\2", text.replace("Z", "+00:00"))
            moment = _dt.datetime.fromisoformat(iso)
            if moment.tzinfo is None:
                return text
    except (ValueError, OverflowError, OSError):
        return text
    return moment.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")


def parse_properties(text: str) -> dict[str, str]:
    """Java ``.properties`` syntax: comments, ``=``/``:``/space separators, continuations and escapes."""
    result: dict[str, str] = {}
    for line in _logical_lines(text):
        key, value = _split_entry(line)
        result[_unescape(key)] = _unescape(value)
    return result


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending: Optional[str] = None
    for physical in text.splitlines():
        stripped = physical.lstrip(" \t\f")
        if pending is None and (not stripped or stripped[0] in "#!"):
            continue
        current = stripped if pending is None else pending + stripped
        trailing = len(current) - len(current.rstrip("\\"))
        if trailing % 2 == 1:
            pending = current[:-1]
            continue
        pending = None
        lines.append(current)
    if pending:
        lines.append(pending)
    return lines


def _split_entry(line: str) -> tuple[str, str]:
    """Key up to the first unescaped '=', ':' or blank; one '=' or ':' may follow the blanks after it."""
    index = 0
    while index < len(line) and line[index] not in "=: \t\f":
        index += 2 if line[index] == "\\" else 1
    rest = line[index:].lstrip(" \t\f")
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(" \t\f")
    return line[:index], rest


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 == len(text):
            out.append(char)
            index += 1
            continue
        nxt = text[index + 1]
        if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[index + 2 : index + 6]):
            out.append(chr(int(text[index + 2 : index + 6], 16)))
            index += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        index += 2
    return "".join(out)
