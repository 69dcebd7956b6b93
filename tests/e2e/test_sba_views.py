"""The views a Python app feeds beyond the first round, in SBA 4.1's UI in a real headless Chromium:
Configuration Properties, Scheduled Tasks, Caches (and the details page's Cache panel), Dependencies, Startup,
and the logger groups of the Loggers view. Each must show the example's data without an error banner.

Screenshots land in test-artifacts/e2e/screenshots/ (``views-*.png``).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.flows import Deployment, detected_endpoints, find_event, instance_up_with_components
from tests.e2e.test_sba_ui import RENDER_TIMEOUT_MS, WatchedPage, browser, ui, wait_for_polls
from tests.support.polling import eventually
from tests.support.sba import NOT_YET, AdminServer, UserService

pytestmark = pytest.mark.e2e

__all__ = ["browser", "ui"]  # the UI fixtures, shared with test_sba_ui

VIEWS = {"configprops", "scheduledtasks", "caches", "sbom", "startup", "loggers"}


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    return Deployment(41, 12, log_name="user-service-views-sba41", app_version="1.5.0", users=("ada", "grace"))


@pytest.fixture(scope="module")
def instance_id(sba: AdminServer, instance_id: str) -> str:
    instance_up_with_components(sba, instance_id)
    eventually(lambda: find_event(sba, instance_id, "ENDPOINTS_DETECTED"), what="endpoint detection", retrying=NOT_YET)
    detected_endpoints(sba, instance_id, VIEWS)
    return instance_id


@pytest.fixture(scope="module")
def cached_reads(app: UserService, user_ids: list[int]) -> list[int]:
    """Each user read twice through the app's cache: one miss, then one hit."""
    for user_id in user_ids:
        for _ in range(2):
            assert app.client.get(f"/users/{user_id}").status_code == 200
    return user_ids


@pytest.mark.parametrize(
    ("view", "texts"),
    [
        pytest.param("configprops", ("UserServiceSettings", "user-service.user_cache_size"), id="configprops"),
        pytest.param("scheduledtasks", ("app.create_app.log_user_count", "30s"), id="scheduledtasks"),
        pytest.param("caches", ("users", "cacheManager"), id="caches"),
        pytest.param("dependencies", ("fastapi", "opentelemetry-sdk"), id="dependencies"),
        # The app's own steps nest inside the lifespan step, collapsed until opened.
        pytest.param("startup", ("python.startup", "asgi.lifespan.startup"), id="startup"),
    ],
)
def test_view_shows_the_apps_data_without_errors(
    ui: WatchedPage, sba: AdminServer, instance_id: str, cached_reads: list[int], view: str, texts: tuple[str, ...]
) -> None:
    ui.open(f"{sba.url}/instances/{instance_id}/{view}")
    ui.shows(*texts)
    ui.assert_clean()
    ui.screenshot(f"views-{view}")


def test_details_page_draws_the_cache_panel(
    ui: WatchedPage, sba: AdminServer, instance_id: str, cached_reads: list[int]
) -> None:
    ui.open(f"{sba.url}/instances/{instance_id}/details")
    ui.shows("Hit ratio", "Hits", "Misses", "Size")
    wait_for_polls(ui, "metrics/cache.gets")
    hits = ui.page.locator('[aria-labelledby="metrics.cache.0.hits"]')
    hits.wait_for(timeout=RENDER_TIMEOUT_MS)
    eventually(lambda: int(float(hits.inner_text())) >= len(cached_reads), what="the hits of the users cache")
    ui.assert_clean()
    ui.screenshot("views-details-cache")


def test_loggers_view_lists_the_groups(ui: WatchedPage, sba: AdminServer, instance_id: str) -> None:
    ui.open(f"{sba.url}/instances/{instance_id}/loggers")
    ui.page.get_by_placeholder("Filter").fill("otel")
    row: Any = ui.page.locator("tr").filter(has=ui.page.get_by_text("otel", exact=True))
    row.first.wait_for(timeout=RENDER_TIMEOUT_MS)
    ui.assert_clean()
    ui.screenshot("views-loggers-groups")
