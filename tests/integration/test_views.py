"""The SBA views over a real uvicorn server: configprops, scheduledtasks, caches, sbom, startup, logger groups and
prometheus ``includedNames``, each fed the way an application feeds it."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cachetools
import httpx
import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI, HTTPException
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client.parser import text_string_to_metric_families as parse_text
from pydantic_settings import BaseSettings, SettingsConfigDict

from otel_actuator import Actuator, Settings, mount_fastapi
from tests.support.apps import bridged_actuator
from tests.support.servers import serve_asgi

ITEMS = {1: "lamp", 2: "desk"}


class CatalogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_")

    page_size: int = 20
    database_url: str = "postgresql://catalog@localhost/catalog"


def report() -> None:
    """The scheduled job."""


@dataclass
class Catalog:
    client: httpx.Client
    actuator: Actuator
    scheduler: BackgroundScheduler
    job_ran: threading.Event


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    mp = pytest.MonkeyPatch()
    mp.setenv("CATALOG_DATABASE_URL", "postgresql://catalog:pa55word@db:5432/catalog")
    settings = Settings(exposure_include=("*",), env_show_values="always", metrics_cache_ttl=0, app_name="catalog")
    actuator, telemetry = bridged_actuator(settings)
    app = FastAPI()
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    mount_fastapi(app, actuator)
    actuator.add_settings_model(CatalogSettings())
    items = actuator.register_cache("items", cachetools.LRUCache(16), meter_provider=telemetry.meter_provider)

    @app.get("/items/{item_id}")
    def get_item(item_id: int) -> dict[str, Any]:
        name = items.get(item_id)
        if name is None:
            if item_id not in ITEMS:
                raise HTTPException(404)
            name = items[item_id] = ITEMS[item_id]
        return {"id": item_id, "name": name}

    scheduler = BackgroundScheduler(timezone="UTC")
    job_ran = threading.Event()
    scheduler.add_job(report, "interval", minutes=10, id="report", next_run_time=_dt.datetime.now(_dt.timezone.utc))
    actuator.add_scheduler(scheduler)
    scheduler.add_listener(lambda _event: job_ran.set(), EVENT_JOB_EXECUTED)  # after the actuator's listener
    scheduler.start()
    try:
        with serve_asgi(app) as url, httpx.Client(base_url=url, timeout=10) as client:
            yield Catalog(client, actuator, scheduler, job_ran)
    finally:
        scheduler.shutdown(wait=False)
        telemetry.shutdown()
        mp.undo()


def _measurement(client: httpx.Client, name: str, *tags: str) -> float:
    response = client.get(f"/actuator/metrics/{name}", params=[("tag", t) for t in tags])
    assert response.status_code == 200, response.text
    return float(response.json()["measurements"][0]["value"])


def test_the_index_links_every_view(catalog: Catalog) -> None:
    links = catalog.client.get("/actuator").json()["_links"]
    for name in ("configprops", "configprops-prefix", "scheduledtasks", "caches", "caches-cache", "sbom", "sbom-id"):
        assert name in links, name
    assert "startup" in links


def test_configprops_shows_the_model_with_sanitized_values_and_origins(catalog: Catalog) -> None:
    response = catalog.client.get("/actuator/configprops/catalog")
    assert response.status_code == 200
    bean = response.json()["contexts"]["catalog"]["beans"]["catalog-tests.integration.test_views.CatalogSettings"]
    assert bean["properties"] == {"page_size": 20, "database_url": "postgresql://catalog:******@db:5432/catalog"}
    assert bean["inputs"]["database_url"]["origin"] == 'System Environment Property "CATALOG_DATABASE_URL"'
    assert "pa55word" not in response.text
    assert catalog.client.get("/actuator/configprops/unknown").status_code == 404


def test_cache_gets_count_exactly_and_eviction_empties_the_cache(catalog: Catalog) -> None:
    client = catalog.client
    assert client.delete("/actuator/caches").status_code == 204
    hits_before = _measurement(client, "cache.gets", "name:items", "result:hit")
    misses_before = _measurement(client, "cache.gets", "name:items", "result:miss")
    for _ in range(5):
        assert client.get("/items/1").status_code == 200
    assert client.get("/items/2").status_code == 200
    assert _measurement(client, "cache.gets", "name:items", "result:hit") - hits_before == 4.0
    assert _measurement(client, "cache.gets", "name:items", "result:miss") - misses_before == 2.0
    assert _measurement(client, "cache.size", "name:items") == 2.0

    assert client.get("/actuator/caches/items").json() == {
        "target": "cachetools.LRUCache",
        "name": "items",
        "cacheManager": "cacheManager",
    }
    assert client.delete("/actuator/caches/items").status_code == 204
    assert _measurement(client, "cache.size", "name:items") == 0.0
    missing = client.delete("/actuator/caches/nothing")
    assert missing.status_code == 404 and missing.json()["message"]


def test_the_scheduled_job_shows_its_last_execution_once_it_ran(catalog: Catalog) -> None:
    assert catalog.job_ran.wait(30), "the job did not run"
    body = catalog.client.get("/actuator/scheduledtasks").json()
    task = next(t for t in body["fixedRate"] if t["runnable"]["target"] == "tests.integration.test_views.report")
    assert task["interval"] == 600_000
    assert task["lastExecution"]["status"] == "SUCCESS"
    executed = _dt.datetime.fromisoformat(task["lastExecution"]["time"].replace("Z", "+00:00"))
    following = _dt.datetime.fromisoformat(task["nextExecution"]["time"].replace("Z", "+00:00"))
    assert executed < following


def test_sbom_lists_the_installed_fastapi_at_its_version(catalog: Catalog) -> None:
    assert catalog.client.get("/actuator/sbom", headers={"Accept": "application/json"}).json() == {
        "ids": ["application"]
    }
    response = catalog.client.get("/actuator/sbom/application", headers={"Accept": "*/*"})
    assert response.headers["content-type"] == "application/vnd.cyclonedx+json"
    versions = {c["name"].lower(): c["version"] for c in response.json()["components"]}
    assert versions["fastapi"] == importlib.metadata.version("fastapi")


def test_startup_is_read_by_get_and_drained_by_post(catalog: Catalog) -> None:
    allowed = catalog.client.options("/actuator/startup").headers["allow"]
    assert "GET" in allowed and "POST" in allowed
    events = catalog.client.get("/actuator/startup").json()["timeline"]["events"]
    assert all(set(e) == {"startTime", "endTime", "duration", "startupStep"} for e in events)


def test_logger_groups_are_listed_and_set_their_members(catalog: Catalog) -> None:
    client = catalog.client
    groups = client.get("/actuator/loggers").json()["groups"]
    assert {"web", "sql", "http", "otel"} <= set(groups)
    try:
        assert client.post("/actuator/loggers/http", json={"configuredLevel": "DEBUG"}).status_code == 204
        assert client.get("/actuator/loggers/httpx").json()["configuredLevel"] == "DEBUG"
        assert client.get("/actuator/loggers/http").json()["configuredLevel"] == "DEBUG"
    finally:
        client.post("/actuator/loggers/http", json={})


def test_included_names_leave_only_the_named_families(catalog: Catalog) -> None:
    assert catalog.client.get("/items/1").status_code == 200
    page = catalog.client.get(
        "/actuator/prometheus", params={"includedNames": "cache_gets_total,http_server_requests_seconds"}
    )
    assert page.status_code == 200
    assert {family.name for family in parse_text(page.text)} == {"cache_gets", "http_server_requests_seconds"}
