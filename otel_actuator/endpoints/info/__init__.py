"""GET /info: application, build, git, runtime and process facts, plus user contributors.

Sections follow Spring Boot's info contributors (``app``, ``build``, ``git``, ``os``, ``process``) with
``python`` in place of ``java``. ``process`` feeds SBA's Process panel. No file system path is shown:
info is often readable by more people than env.
"""

from __future__ import annotations

import contextlib
import copy
import getpass
import logging
import os
import platform
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.endpoints.info.files import InfoFileError, build_info, git_info

if TYPE_CHECKING:
    from otel_actuator.sanitize import Sanitizer
    from otel_actuator.settings import Settings
    from otel_actuator.sources import Sources

_logger = logging.getLogger("otel_actuator")


def create(settings: Settings, sources: Sources, sanitizer: Sanitizer) -> list[Endpoint]:
    # Build-time files do not change while the process runs: read once, and a bad one is logged once.
    build = _load(settings.info_build_file, build_info, "OTEL_ACTUATOR_INFO_BUILD_FILE")
    git = _load(settings.info_git_file, git_info, "OTEL_ACTUATOR_INFO_GIT_FILE")
    if settings.app_version is not None:
        build["version"] = settings.app_version

    def read(ctx: OperationContext) -> Result:
        info: dict[str, Any] = {"app": _app(settings)}
        if build:
            info["build"] = copy.deepcopy(build)  # contributors merge into the copy, never into the cache
        if git:
            info["git"] = copy.deepcopy(git)
        info["python"] = {"version": platform.python_version(), "implementation": platform.python_implementation()}
        info["os"] = {"name": platform.system(), "version": platform.release(), "arch": platform.machine()}
        info["process"] = _process()
        for contributor in list(sources.info_contributors):
            contributed = _contribution(contributor)
            if contributed is not None:
                deep_merge(info, contributed)
        return Result(sanitizer.sanitize_mapping(info))

    return [Endpoint(id="info", operations=(Operation("GET", read, blocking=True),))]


def _app(settings: Settings) -> dict[str, Any]:
    app: dict[str, Any] = {"name": settings.service_name}
    if settings.app_description is not None:
        app["description"] = settings.app_description
    if settings.app_version is not None:
        app["version"] = settings.app_version
    return app


def _process() -> dict[str, Any]:
    process: dict[str, Any] = {"pid": os.getpid(), "parentPid": os.getppid()}
    with contextlib.suppress(Exception):  # no login name and no passwd entry (e.g. an arbitrary container uid)
        process["owner"] = getpass.getuser()
    process["cpus"] = _available_cpus()
    return process


def _available_cpus() -> Optional[int]:
    """CPUs this process may run on (affinity / cgroup cpusets), like Java's availableProcessors."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return len(affinity(0))
    return os.cpu_count()


def _load(path: Optional[str], reader: Callable[[str], dict[str, Any]], setting: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        return reader(path)
    except InfoFileError as exc:
        _logger.warning("%s: %s; the section is left out of info", setting, exc)
        return {}


def _contribution(contributor: Callable[[], Mapping[str, Any]]) -> Optional[Mapping[str, Any]]:
    name = getattr(contributor, "__qualname__", repr(contributor))
    try:
        contributed = contributor()
    except Exception:
        _logger.warning("info contributor %s failed; its data is left out", name, exc_info=True)
        return None
    if not isinstance(contributed, Mapping):
        _logger.warning("info contributor %s returned %s, not a mapping; ignored", name, type(contributed).__name__)
        return None
    return contributed


def deep_merge(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Merge ``extra`` into ``target``: nested mappings merge key by key, anything else replaces."""
    for key, value in extra.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            deep_merge(current, value)
        elif isinstance(value, Mapping):
            target[key] = {}
            deep_merge(target[key], value)
        else:
            target[key] = value
