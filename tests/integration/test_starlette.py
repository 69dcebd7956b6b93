"""The Starlette user-service over uvicorn: ``mount_starlette`` in code, and zero code (with the mount line
and without it, the contrib Starlette instrumentation feeding the actuator)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.support.launch import ZERO_CODE, launch
from tests.support.user_service import QUICK_SPANS, check_user_service

pytest.importorskip("opentelemetry.instrumentation.starlette")

APP = Path("examples/starlette/app.py")
MOUNT_LINE = "mount_starlette(app)\n"
TEMPLATE = "/users/{user_id}"
#: Mappings keep Starlette's own pattern; the uri tag names the parameter only, in every convention mode.
USER_ROUTES = {"/users", "/users/{user_id:int}"}
IN_CODE = {"OTEL_SERVICE_NAME": "user-service", "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*"}


def _uvicorn(directory: Path) -> tuple[str, ...]:
    return ("uvicorn", "--app-dir", str(directory), "--port", "$PORT", "app:app")


def _without_the_mount(tmp_path: Path) -> Path:
    source = APP.read_text()
    assert MOUNT_LINE in source
    (tmp_path / "app.py").write_text(source.replace(MOUNT_LINE, ""))
    return tmp_path


@pytest.mark.parametrize("way", ["in-code", "zero-code-mounted", "zero-code-inserted"])
def test_the_user_service_feeds_its_actuator(way: str, tmp_path: Path) -> None:
    if way == "in-code":
        argv, env = _uvicorn(APP.parent), IN_CODE
    else:
        directory = APP.parent if way == "zero-code-mounted" else _without_the_mount(tmp_path)
        argv, env = ("opentelemetry-instrument", *_uvicorn(directory)), {**ZERO_CODE, **QUICK_SPANS}
    with launch(argv, env) as app:
        check_user_service(app, TEMPLATE, USER_ROUTES)
        # uvicorn raises SIGTERM again once it has shut down.
        assert app.stop() in (0, -signal.SIGTERM)
        assert "Traceback" not in app.output()
