"""The example user-service against a real Spring Boot Admin 3.5, through SBA's REST API and its proxy.

One service is started for the module and registers itself; the tests run in file order, and the last
one stops the service with SIGTERM and checks that it deregistered.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.flows import (
    LOGFILE_FIRST_RANGE,
    SBA3_UI_ACCEPT,
    V3,
    Deployment,
    actuator_json,
    app_index_ids,
    content_type,
    create_users,
    described,
    detected_endpoints,
    exchange_uris,
    find_event,
    instance_up_with_components,
    logfile_size,
    route_patterns,
    tail_until,
)
from tests.support.polling import eventually
from tests.support.sba import NOT_YET, AdminServer, UserService

pytestmark = pytest.mark.e2e

VERSION = "1.4.2"
EXPECTED_ENDPOINTS = {
    "health",
    "info",
    "env",
    "loggers",
    "logfile",
    "threaddump",
    "mappings",
    "metrics",
    "httpexchanges",
    "prometheus",
}
UI = {"Accept": SBA3_UI_ACCEPT}


#: The full flow runs against SBA 4.1 and 4.0 (Spring Boot 4) as against 3.5; each gets a Redis database.
SBA_VERSIONS = {41: 7, 40: 8, 3: 1}


@pytest.fixture(scope="module", params=sorted(SBA_VERSIONS, reverse=True), ids=lambda v: f"sba{v}")
def deployment(request: pytest.FixtureRequest) -> Deployment:
    version = int(request.param)
    log_name = f"user-service-sba{version}"
    return Deployment(version, SBA_VERSIONS[version], log_name=log_name, app_version=VERSION, users=("ada", "grace"))


def test_registers_with_its_urls_and_metadata(sba: AdminServer, app: UserService, instance_id: str) -> None:
    instance = sba.instance(instance_id)
    assert instance is not None and instance["registered"] is True
    registration = instance["registration"]
    assert registration["name"] == "user-service"
    assert registration["serviceUrl"] == app.url + "/"
    assert registration["managementUrl"] == app.url + "/actuator"
    assert registration["healthUrl"] == app.health_url
    assert registration["source"] == "http-api"
    assert registration["metadata"]["startup"]
    assert registration["metadata"]["build.version"] == VERSION
    assert find_event(sba, instance_id, "REGISTERED") is not None


def test_status_is_up_with_health_components(sba: AdminServer, instance_id: str) -> None:
    details = instance_up_with_components(sba, instance_id)["statusInfo"]["details"]
    assert details["redis"]["status"] == "UP"
    assert details["diskSpace"]["details"]["total"] > 0
    assert details["ping"]["status"] == "UP"


def test_every_exposed_endpoint_is_detected_from_the_index(
    sba: AdminServer, app: UserService, instance_id: str
) -> None:
    exposed = app_index_ids(app)
    assert exposed >= EXPECTED_ENDPOINTS, f"the app's index lacks {sorted(EXPECTED_ENDPOINTS - exposed)}"
    detected = detected_endpoints(sba, instance_id, exposed)
    assert detected == exposed
    # SBA's fallback (OPTIONS probing of spring.boot.admin.probed-endpoints) never tries these two ids,
    # so seeing them proves the index was read.
    assert {"prometheus", "httpexchanges"} <= detected
    instance = sba.instance(instance_id)
    assert instance is not None
    urls = {e["id"]: e["url"] for e in instance["endpoints"]}
    assert urls["metrics"] == f"{app.url}/actuator/metrics"


def test_info_is_fetched_with_the_build_version(sba: AdminServer, instance_id: str) -> None:
    def check() -> dict[str, Any]:
        instance = sba.instance(instance_id)
        assert instance is not None and instance["info"], "no info yet"
        return instance

    instance = eventually(check, timeout=30, what="info fetched by SBA", retrying=NOT_YET)
    assert instance["buildVersion"] == VERSION
    assert find_event(sba, instance_id, "INFO_CHANGED") is not None


def test_metrics_count_the_requests_per_route_template(
    sba: AdminServer, app: UserService, instance_id: str, user_ids: list[int]
) -> None:
    detected_endpoints(sba, instance_id, {"metrics"})
    # The UI sends the first tag twice (spring-framework#23820); the app must tolerate it.
    tag = ("tag", "uri:/users/{id}")

    def fetch() -> httpx.Response:
        return sba.proxy(instance_id, "metrics/http.server.requests", params=[tag, tag], headers=UI)

    def count_of(response: httpx.Response) -> float:
        return float({m["statistic"]: m["value"] for m in response.json()["measurements"]}["COUNT"])

    before = fetch()
    assert before.status_code in (200, 404), described(before)  # 404: no request to the route yet
    already = count_of(before) if before.status_code == 200 else 0.0
    requested = [user_ids[0], user_ids[1], user_ids[0], user_ids[0], 999_999]
    for user_id in requested:
        assert app.client.get(f"/users/{user_id}").status_code in (200, 404)

    # SBA's Metrics view needs the v3 (or v2) media type.
    names = set(actuator_json(sba.proxy(instance_id, "metrics", headers=UI), V3)["names"])
    assert {"http.server.requests", "process.uptime", "jvm.threads.live", "jvm.memory.max", "jvm.gc.pause"} <= names

    def counted() -> dict[str, Any]:
        response = fetch()
        assert response.status_code == 200, described(response)
        assert count_of(response) - already == len(requested), response.json()
        return dict(response.json())

    body = eventually(counted, timeout=15, what="http.server.requests COUNT for /users/{id}", retrying=NOT_YET)
    assert {"COUNT", "TOTAL_TIME", "MAX"} <= {m["statistic"] for m in body["measurements"]}
    assert body["baseUnit"] == "seconds"
    tags = {t["tag"]: t["values"] for t in body["availableTags"]}
    assert "uri" not in tags, "a drilled-down tag is removed from availableTags"
    assert {"200", "404"} <= set(tags["status"])


def test_loggers_set_through_sba_change_the_level_in_the_app(
    sba: AdminServer, app: UserService, instance_id: str, user_ids: list[int]
) -> None:
    body = actuator_json(sba.proxy(instance_id, "loggers", headers=UI), V3)
    assert body["levels"][0] == "OFF" and "DEBUG" in body["levels"]
    assert "user_service" in body["loggers"]
    assert isinstance(body["groups"], dict), "SBA >= 3.3.5 reads loggers.groups"

    original = app.client.get("/actuator/loggers/user_service").json().get("configuredLevel")
    changed = sba.proxy(
        instance_id, "loggers/user_service", method="POST", json={"configuredLevel": "DEBUG"}, headers=UI
    )
    assert changed.status_code == 204, described(changed)
    try:
        direct = app.client.get("/actuator/loggers/user_service").json()
        assert direct == {"configuredLevel": "DEBUG", "effectiveLevel": "DEBUG"}

        app.client.get(f"/users/{user_ids[0]}")
        app.client.post("/users", json={"name": "debug-probe", "email": "debug-probe@example.org"})

        def debug_line() -> str:
            text = app.client.get("/actuator/logfile").text
            lines = [line for line in text.splitlines() if " DEBUG " in line and "user_service" in line]
            assert lines, "no DEBUG line from user_service in the logfile"
            return lines[-1]

        eventually(debug_line, timeout=10, what="a DEBUG line in the logfile", retrying=NOT_YET)

        # SBA >= 3.2 resets a level by POSTing an empty object.
        reset = sba.proxy(instance_id, "loggers/user_service", method="POST", json={}, headers=UI)
        assert reset.status_code == 204, described(reset)
        assert "configuredLevel" not in app.client.get("/actuator/loggers/user_service").json()
    finally:
        app.client.post("/actuator/loggers/user_service", json={"configuredLevel": original})


def test_logfile_first_request_and_tail_polls_like_the_ui(sba: AdminServer, app: UserService, instance_id: str) -> None:
    first = sba.proxy(instance_id, "logfile", headers={"Range": LOGFILE_FIRST_RANGE, "Accept": "text/plain"})
    assert first.status_code in (200, 206), described(first)
    assert content_type(first).startswith("text/plain")
    size = logfile_size(first)
    assert size > 0

    marker = f"tail-{uuid.uuid4().hex[:8]}"
    quiet = sba.proxy(instance_id, "logfile", headers={"Range": f"bytes={size - 1}-", "Accept": "text/plain"})
    assert quiet.status_code == 206, described(quiet)
    assert marker not in quiet.text
    create_users(app, marker)
    statuses = tail_until(sba, instance_id, logfile_size(quiet), marker)
    assert set(statuses) == {206}


def test_threaddump_as_json_and_as_text(sba: AdminServer, instance_id: str) -> None:
    threads = actuator_json(sba.proxy(instance_id, "threaddump", headers=UI), V3)["threads"]
    main = next(t for t in threads if t["threadName"] == "MainThread")
    assert main["threadState"] in {"RUNNABLE", "WAITING", "TIMED_WAITING", "BLOCKED"}
    assert all(isinstance(t["stackTrace"], list) and "threadId" in t for t in threads)

    as_text = sba.proxy(instance_id, "threaddump", headers={"Accept": "text/plain"})
    assert as_text.status_code == 200, described(as_text)
    assert content_type(as_text).startswith("text/plain")
    assert '"MainThread"' in as_text.text


def test_httpexchanges_contain_the_requests_made(
    sba: AdminServer, app: UserService, instance_id: str, user_ids: list[int]
) -> None:
    app.client.get(f"/users/{user_ids[1]}")

    def check() -> list[dict[str, Any]]:
        exchanges = list(actuator_json(sba.proxy(instance_id, "httpexchanges", headers=UI), V3)["exchanges"])
        assert any(uri.endswith(f"/users/{user_ids[1]}") for uri in exchange_uris(exchanges, "GET")), exchanges[-3:]
        assert any(uri.endswith("/users") for uri in exchange_uris(exchanges, "POST"))
        return exchanges

    exchanges = eventually(check, timeout=10, what="the requests in httpexchanges", retrying=NOT_YET)
    entry = next(e for e in exchanges if e["request"]["uri"].endswith(f"/users/{user_ids[1]}"))
    assert entry["response"]["status"] == 200
    assert entry["timeTaken"].startswith("PT") and entry["timestamp"]
    assert isinstance(entry["request"]["headers"], dict)


def test_env_and_the_pid_property(sba: AdminServer, app: UserService, instance_id: str) -> None:
    body = actuator_json(sba.proxy(instance_id, "env", headers=UI), V3)
    assert isinstance(body["activeProfiles"], list), "the UI reads env.activeProfiles.length"
    assert body["propertySources"]

    pid = actuator_json(sba.proxy(instance_id, "env/PID", headers=UI), V3)
    assert pid["property"]["value"] == str(app.pid)


def test_mappings_list_the_user_routes(sba: AdminServer, instance_id: str) -> None:
    mappings = actuator_json(sba.proxy(instance_id, "mappings", headers=UI), V3)
    assert {"/users", "/users/{id}"} <= route_patterns(mappings)


def test_sigterm_deregisters_and_exits_cleanly(sba: AdminServer, app: UserService, instance_id: str) -> None:
    exit_code = app.terminate()
    assert exit_code == 0, app.tail()
    eventually(
        lambda: find_event(sba, instance_id, "DEREGISTERED"), timeout=15, what="a DEREGISTERED event", retrying=NOT_YET
    )
    assert all(i["id"] != instance_id for i in sba.instances())
