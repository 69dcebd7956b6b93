"""The Litestar user-service over uvicorn: the plugin in code, and zero code (with the plugin and without
it: otel-actuator adds it, with Litestar's own OpenTelemetry plugin as the data source)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.support.launch import ZERO_CODE, launch
from tests.support.user_service import QUICK_SPANS, check_user_service

pytest.importorskip("litestar")

APP = Path("examples/litestar/app.py")
PLUGIN = "plugins=[LitestarActuatorPlugin()]"
TEMPLATE = "/users/{user_id}"
USER_ROUTES = {"/users", "/users/{user_id}"}
IN_CODE = {"OTEL_SERVICE_NAME": "user-service", "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*"}


def _uvicorn(directory: Path) -> tuple[str, ...]:
    return ("uvicorn", "--app-dir", str(directory), "--port", "$PORT", "app:app")


def _without_the_plugin(tmp_path: Path) -> Path:
    source = APP.read_text()
    assert PLUGIN in source
    (tmp_path / "app.py").write_text(source.replace(PLUGIN, "plugins=[]"))
    return tmp_path


@pytest.mark.parametrize("way", ["in-code", "zero-code-with-the-plugin", "zero-code-added"])
def test_the_user_service_feeds_its_actuator(way: str, tmp_path: Path) -> None:
    if way == "in-code":
        argv, env = _uvicorn(APP.parent), IN_CODE
    else:
        directory = APP.parent if way == "zero-code-with-the-plugin" else _without_the_plugin(tmp_path)
        argv, env = ("opentelemetry-instrument", *_uvicorn(directory)), {**ZERO_CODE, **QUICK_SPANS}
    with launch(argv, env) as app:
        check_user_service(app, TEMPLATE, USER_ROUTES)
        # uvicorn raises SIGTERM again once it has shut down.
        assert app.stop() in (0, -signal.SIGTERM)
        assert "Traceback" not in app.output()


def test_the_apps_own_opentelemetry_plugin_gets_route_templates(tmp_path: Path) -> None:
    """An app with Litestar's OpenTelemetry plugin of its own: no second one, its series named by template."""
    source = APP.read_text().replace(
        PLUGIN,
        "plugins=[OpenTelemetryPlugin(OpenTelemetryConfig()), LitestarActuatorPlugin()]",
    )
    source = source.replace(
        "from litestar.exceptions import HTTPException\n",
        "from litestar.exceptions import HTTPException\n"
        "from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin\n",
    )
    (tmp_path / "app.py").write_text(source)
    with launch(_uvicorn(tmp_path), IN_CODE) as app:
        check_user_service(app, TEMPLATE, USER_ROUTES)
