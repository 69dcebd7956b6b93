"""The SBA 3 UI in a real headless Chromium: every instance view the user-service enables renders its data
without an error banner, without a failed actuator call and without a script error.

Screenshots of each view land in test-artifacts/e2e/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest

from tests.e2e.flows import Deployment, detected_endpoints, find_event, instance_up_with_components
from tests.support.polling import eventually
from tests.support.requirements import require
from tests.support.sba import ARTIFACTS, CALL_FAILED, NOT_YET, AdminServer, UserService

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ARTIFACTS / "screenshots"
#: How long a view may take to show its data (SBA polls status every 2 s, the UI every 1-2.5 s).
RENDER_TIMEOUT_MS = 20_000
#: sba-alert renders role="alert"; the Mappings view's Spring Boot 1 warning is a plain "message".
ERROR_BANNERS = '[role="alert"], .message.is-warning'


#: The UI of SBA 4.1 (the primary target) and of SBA 3.5; each gets a Redis database.
SBA_VERSIONS = {41: 9, 3: 3}


@pytest.fixture(scope="module", params=sorted(SBA_VERSIONS, reverse=True), ids=lambda v: f"sba{v}")
def deployment(request: pytest.FixtureRequest) -> Deployment:
    version = int(request.param)
    return Deployment(
        version,
        SBA_VERSIONS[version],
        log_name=f"user-service-ui-sba{version}",
        app_version="1.4.2",
        users=("alan", "barbara"),
    )


@pytest.fixture(scope="module")
def instance_id(sba: AdminServer, instance_id: str) -> str:
    """The registered instance, once SBA has its health, endpoints and info: what every view shows."""
    instance_up_with_components(sba, instance_id)
    eventually(lambda: find_event(sba, instance_id, "ENDPOINTS_DETECTED"), what="endpoint detection", retrying=NOT_YET)
    eventually(lambda: (sba.instance(instance_id) or {}).get("info"), what="info fetched", retrying=NOT_YET)
    return instance_id


@pytest.fixture(scope="module")
def user_ids(app: UserService, user_ids: list[int]) -> list[int]:
    """The users, each read once: the requests the Metrics and HTTP Exchanges views show."""
    for user_id in user_ids:
        assert app.client.get(f"/users/{user_id}").status_code == 200
    return user_ids


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(os.path.exists(CHROMIUM), f"{CHROMIUM} is needed for the SBA UI tests")
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # only this run's pictures

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class WatchedPage:
    """A page that records failed actuator calls and uncaught script errors."""

    page: Any
    problems: list[str] = field(default_factory=list)

    def open(self, url: str) -> None:
        self.page.goto(url)

    def shows(self, *texts: str) -> None:
        for text in texts:
            self.page.get_by_text(text, exact=False).first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)

    def assert_clean(self) -> None:
        banners = self.page.locator(ERROR_BANNERS)
        shown = [banners.nth(i).inner_text() for i in range(banners.count())]
        assert not shown, f"error banner(s): {shown}"
        assert not self.problems, f"failed calls or script errors: {self.problems}"

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def ui(browser: Any, request: pytest.FixtureRequest) -> Iterator[WatchedPage]:
    context = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    watched = WatchedPage(page)

    def on_response(response: Any) -> None:
        if "/actuator/" in response.url and response.status >= 400:
            watched.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    page.on("response", on_response)
    page.on("pageerror", lambda error: watched.problems.append(f"script error: {error}"))
    yield watched
    if request.node.stash.get(CALL_FAILED, False):
        watched.screenshot(f"failed-{request.node.name}")
    context.close()


def wait_for_polls(ui: WatchedPage, fragment: str, count: int = 2) -> None:
    """Let the UI complete ``count`` more polls of a metric, so a failing one would be visible."""
    for _ in range(count):
        with ui.page.expect_response(lambda r: fragment in r.url, timeout=RENDER_TIMEOUT_MS):
            pass


def test_details_page_shows_the_jvm_style_panels_and_redis_health(
    ui: WatchedPage, sba: AdminServer, instance_id: str
) -> None:
    ui.open(f"{sba.url}/instances/{instance_id}/details")
    ui.shows("Info", "Metadata", "Health", "Process", "Threads", "Garbage Collection Pauses", "Uptime", "Peak Live")
    # The memory panels render once their metrics arrive, after the others.
    ui.page.locator("h3", has_text=re.compile(r"^Memory")).nth(1).wait_for(timeout=RENDER_TIMEOUT_MS)
    headings = ui.page.locator("h3")
    titles = [headings.nth(i).inner_text() for i in range(headings.count())]
    assert sum(title.startswith("Memory") for title in titles) == 2, titles  # heap and non heap
    health = ui.page.locator("div.border.rounded").filter(
        has=ui.page.locator("h3 span", has_text=re.compile(r"^Health$"))
    )
    for component in ("redis", "diskSpace", "ping"):
        assert health.get_by_text(component, exact=True).count() > 0, f"{component} missing from the Health panel"
    wait_for_polls(ui, "metrics/jvm.threads.live")
    wait_for_polls(ui, "metrics/process.cpu.usage")
    ui.assert_clean()
    ui.screenshot("details")


def test_metrics_page_charts_a_selected_metric(
    ui: WatchedPage, sba: AdminServer, instance_id: str, user_ids: list[int]
) -> None:
    detected_endpoints(sba, instance_id, {"metrics"}, timeout=5)
    ui.open(f"{sba.url}/instances/{instance_id}/metrics")
    select = ui.page.locator("select#metric")
    select.wait_for(timeout=RENDER_TIMEOUT_MS)
    select.select_option("http.server.requests")
    uri = ui.page.locator("label", has_text=re.compile(r"^uri$")).locator("xpath=following-sibling::div//select")
    uri.select_option("/users/{id}", timeout=RENDER_TIMEOUT_MS)
    ui.page.get_by_role("button", name="Add Metric").click()
    panel = ui.page.locator("div.border.rounded").filter(has=ui.page.locator("h3", has_text="http.server.requests"))
    for statistic in ("COUNT", "TOTAL_TIME", "MAX"):
        panel.get_by_text(statistic, exact=True).first.wait_for(timeout=RENDER_TIMEOUT_MS)
    row = panel.locator("div.grid").filter(has=ui.page.locator('span[title="uri:/users/{id}"]'))
    row.wait_for(timeout=RENDER_TIMEOUT_MS)
    values = [value.strip() for value in row.locator("span.flex-1").all_inner_texts()]
    assert values and values[0] == str(len(user_ids)), f"COUNT of the /users/{{id}} requests: {values}"
    assert row.locator(".text-yellow-300").count() == 0, "the metric row shows a fetch-error marker"
    wait_for_polls(ui, "metrics/http.server.requests")
    ui.assert_clean()
    ui.screenshot("metrics")


def test_loggers_page_sets_and_unsets_a_level_in_the_app(
    ui: WatchedPage, sba: AdminServer, app: UserService, instance_id: str
) -> None:
    detected_endpoints(sba, instance_id, {"loggers"}, timeout=5)
    original = app.client.get("/actuator/loggers/user_service").json().get("configuredLevel")
    ui.open(f"{sba.url}/instances/{instance_id}/loggers")
    ui.page.get_by_placeholder("Filter").fill("user_service")
    row = ui.page.locator("tr").filter(has=ui.page.get_by_text("user_service", exact=True))
    row.wait_for(timeout=RENDER_TIMEOUT_MS)
    try:
        row.get_by_role("button", name="DEBUG", exact=True).click()
        eventually(
            lambda: level_of(app) == "DEBUG", timeout=10, what="DEBUG set from the Loggers page", retrying=NOT_YET
        )
        ui.screenshot("loggers")
        row.get_by_role("button", name="Unset", exact=True).click()
        eventually(
            lambda: level_of(app) is None, timeout=10, what="the level unset from the Loggers page", retrying=NOT_YET
        )
        ui.assert_clean()
    finally:
        app.client.post("/actuator/loggers/user_service", json={"configuredLevel": original})


def level_of(app: UserService) -> Optional[str]:
    level = app.client.get("/actuator/loggers/user_service").json().get("configuredLevel")
    return str(level) if level is not None else None


@pytest.mark.parametrize(
    ("view", "texts", "polled"),
    [
        pytest.param("env", ("systemEnvironment", "PID"), None, id="env"),
        pytest.param("logfile", ("created user alan",), "actuator/logfile", id="logfile"),
        pytest.param("threaddump", ("MainThread",), "actuator/threaddump", id="threaddump"),
        pytest.param("httpexchanges", ("/users/",), None, id="httpexchanges"),
        pytest.param("mappings", ("/users/{id}",), None, id="mappings"),
    ],
)
def test_instance_view_renders_without_errors(
    ui: WatchedPage,
    sba: AdminServer,
    instance_id: str,
    user_ids: list[int],
    view: str,
    texts: tuple[str, ...],
    polled: Optional[str],
) -> None:
    detected_endpoints(sba, instance_id, {view}, timeout=5)
    ui.open(f"{sba.url}/instances/{instance_id}/{view}")
    ui.shows(*texts)
    if polled:
        wait_for_polls(ui, polled)  # the log tail and the thread dump refresh every second
    ui.assert_clean()
    ui.screenshot(view)
