"""The Litestar user-service over uvicorn: the plugin in code, and zero code (with the plugin and without
it: otel-actuator adds it, with Litestar's own OpenTelemetry plugin as the data source)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.user_service import check_served_by_uvicorn, edited_copy

pytest.importorskip("litestar")

APP = Path("examples/litestar/app.py")
PLUGIN = "plugins=[LitestarActuatorPlugin()]"
TEMPLATE = "/users/{user_id}"
USER_ROUTES = {"/users", "/users/{user_id}"}


@pytest.mark.parametrize("way", ["in-code", "zero-code-with-the-plugin", "zero-code-added"])
def test_the_user_service_feeds_its_actuator(way: str, tmp_path: Path) -> None:
    directory = edited_copy(APP, tmp_path, {PLUGIN: "plugins=[]"}) if way == "zero-code-added" else APP.parent
    check_served_by_uvicorn(directory, zero_code=way != "in-code", template=TEMPLATE, user_patterns=USER_ROUTES)


def test_the_apps_own_opentelemetry_plugin_gets_route_templates(tmp_path: Path) -> None:
    """An app with Litestar's OpenTelemetry plugin of its own: no second one, its series named by template."""
    imports = "from litestar.exceptions import HTTPException\n"
    own_plugin = {
        PLUGIN: "plugins=[OpenTelemetryPlugin(OpenTelemetryConfig()), LitestarActuatorPlugin()]",
        imports: imports + "from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin\n",
    }
    edited_copy(APP, tmp_path, own_plugin)
    check_served_by_uvicorn(tmp_path, zero_code=False, template=TEMPLATE, user_patterns=USER_ROUTES)
