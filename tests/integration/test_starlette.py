"""The Starlette user-service over uvicorn: ``mount_starlette`` in code, and zero code (with the mount line
and without it, the contrib Starlette instrumentation feeding the actuator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.user_service import check_served_by_uvicorn, edited_copy

pytest.importorskip("opentelemetry.instrumentation.starlette")

APP = Path("examples/starlette/app.py")
MOUNT_LINE = "mount_starlette(app)\n"
TEMPLATE = "/users/{user_id}"
#: Mappings keep Starlette's own pattern; the uri tag names the parameter only, in every convention mode.
USER_ROUTES = {"/users", "/users/{user_id:int}"}


@pytest.mark.parametrize("way", ["in-code", "zero-code-mounted", "zero-code-inserted"])
def test_the_user_service_feeds_its_actuator(way: str, tmp_path: Path) -> None:
    directory = edited_copy(APP, tmp_path, {MOUNT_LINE: ""}) if way == "zero-code-inserted" else APP.parent
    check_served_by_uvicorn(directory, zero_code=way != "in-code", template=TEMPLATE, user_patterns=USER_ROUTES)
