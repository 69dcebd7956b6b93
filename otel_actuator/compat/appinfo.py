"""What ``set_git_info``, ``set_build_info``, ``additional_app_info`` and environment providers add.

Git and build sections take Spring Boot's shape (``git.commit.id``/``time``, ``git.branch``, ``build.*``),
which is what Pyctuator sent and what Spring Boot Admin shows in its Details tab.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Mapping
from typing import Any, Callable, Optional


class AppInfoContributor:
    """An info contributor holding the git and build facts set after construction."""

    def __init__(self, additional: Optional[Mapping[str, Any]] = None) -> None:
        self._additional = dict(additional or {})
        self._lock = threading.Lock()
        self._git: Optional[dict[str, Any]] = None
        self._build: Optional[dict[str, Any]] = None

    def set_git(self, commit: str, time: _dt.datetime, branch: Optional[str] = None) -> None:
        git: dict[str, Any] = {"commit": {"id": commit, "time": _text(time)}}
        if branch is not None:
            git["branch"] = branch
        with self._lock:
            self._git = git

    def set_build(self, **facts: Any) -> None:
        with self._lock:
            self._build = {key: _text(value) for key, value in facts.items() if value is not None}

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            contribution = dict(self._additional)
            if self._git is not None:
                contribution["git"] = self._git
            if self._build:
                contribution["build"] = self._build
        return contribution


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (_dt.datetime, _dt.date)) else value


def flattened(provider: Callable[[], Mapping[str, Any]]) -> Callable[[], Mapping[str, Any]]:
    """A property source of dot-joined keys: SBA shows env as a flat list, as Pyctuator flattened it."""

    def properties() -> Mapping[str, Any]:
        flat: dict[str, Any] = {}
        _flatten(provider(), "", flat)
        return flat

    return properties


def _flatten(mapping: Mapping[str, Any], prefix: str, into: dict[str, Any]) -> None:
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, name + ".", into)
        else:
            into[name] = value
