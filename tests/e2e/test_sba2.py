"""The essentials against a real Spring Boot Admin 2.7, whose UI negotiates the v2 media type.

SBA 2.x UI asks for ``v2,v1,json`` (no v3): the app must answer Spring Boot 2 shapes with the v2 media
type (health ``details``, ``httptrace`` with ``traces``), or SBA's legacy converter and UI break.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.flows import (
    LOGFILE_FIRST_RANGE,
    SBA2_UI_ACCEPT,
    V2,
    Deployment,
    actuator_json,
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

VERSION = "2.7.0-py"
UI = {"Accept": SBA2_UI_ACCEPT}
EXPECTED_ENDPOINTS = {"health", "info", "env", "loggers", "logfile", "threaddump", "mappings", "metrics", "httptrace"}


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    return Deployment(2, redis_db=2, log_name="user-service-sba2", app_version=VERSION, users=("linus", "margaret"))


def test_registered_up_with_health_components(sba: AdminServer, app: UserService, instance_id: str) -> None:
    instance = instance_up_with_components(sba, instance_id)
    assert instance["registration"]["managementUrl"] == app.url + "/actuator"
    assert instance["statusInfo"]["details"]["redis"]["status"] == "UP"


def test_endpoints_detected_include_httptrace(sba: AdminServer, instance_id: str) -> None:
    # SBA 2.7's server queries the index with v3 first in Accept, yet its UI only has the httptrace view.
    detected_endpoints(sba, instance_id, EXPECTED_ENDPOINTS)


def test_info_fetched_with_the_build_version(sba: AdminServer, instance_id: str) -> None:
    def info() -> dict[str, Any]:
        instance = sba.instance(instance_id)
        assert instance is not None and instance["info"], "no info yet"
        return instance

    assert eventually(info, timeout=30, what="info fetched", retrying=NOT_YET)["buildVersion"] == VERSION


def test_health_negotiates_v2_with_details(sba: AdminServer, instance_id: str) -> None:
    response = sba.proxy(instance_id, "health", headers=UI)
    assert response.status_code == 200, described(response)
    assert V2 in content_type(response), described(response)
    body = response.json()
    assert "components" not in body
    assert {"redis", "diskSpace", "ping"} <= set(body["details"])
    assert body["details"]["redis"]["status"] == "UP"


def test_httptrace_lists_the_requests_under_traces(
    sba: AdminServer, app: UserService, instance_id: str, user_ids: list[int]
) -> None:
    app.client.get(f"/users/{user_ids[0]}")

    def check() -> list[dict[str, Any]]:
        traces = list(actuator_json(sba.proxy(instance_id, "httptrace", headers=UI), V2)["traces"])
        assert any(uri.endswith(f"/users/{user_ids[0]}") for uri in exchange_uris(traces, "GET")), traces[-3:]
        return traces

    traces = eventually(check, timeout=10, what="the request in httptrace", retrying=NOT_YET)
    entry = next(t for t in traces if t["request"]["uri"].endswith(f"/users/{user_ids[0]}"))
    assert entry["response"]["status"] == 200
    assert isinstance(entry["timeTaken"], (int, float)), "SB 2 httptrace has timeTaken in milliseconds"


def test_metrics_answer_v2(sba: AdminServer, instance_id: str) -> None:
    # SBA 2.7's Metrics view needs the v2 media type.
    names = actuator_json(sba.proxy(instance_id, "metrics", headers=UI), V2)["names"]
    assert "process.uptime" in names
    uptime = actuator_json(sba.proxy(instance_id, "metrics/process.uptime", headers=UI), V2)
    assert uptime["measurements"][0]["value"] > 0


def test_mappings_answer_v2(sba: AdminServer, instance_id: str) -> None:
    # SBA 2.7's Mappings view accepts only the v2 media type.
    mappings = actuator_json(sba.proxy(instance_id, "mappings", headers=UI), V2)
    assert "/users/{id}" in route_patterns(mappings)


def test_env_threaddump_and_loggers_through_the_v2_ui_accept(
    sba: AdminServer, app: UserService, instance_id: str
) -> None:
    env = actuator_json(sba.proxy(instance_id, "env", headers=UI), V2)
    assert isinstance(env["activeProfiles"], list)

    dump = actuator_json(sba.proxy(instance_id, "threaddump", headers=UI), V2)
    assert any(t["threadName"] == "MainThread" for t in dump["threads"])

    loggers = actuator_json(sba.proxy(instance_id, "loggers", headers=UI), V2)
    assert "user_service" in loggers["loggers"]
    original = app.client.get("/actuator/loggers/user_service").json().get("configuredLevel")
    try:
        changed = sba.proxy(
            instance_id, "loggers/user_service", method="POST", json={"configuredLevel": "WARN"}, headers=UI
        )
        assert changed.status_code == 204, described(changed)
        assert app.client.get("/actuator/loggers/user_service").json()["effectiveLevel"] == "WARN"
        # SBA 2.x resets a level with an explicit null.
        reset = sba.proxy(
            instance_id, "loggers/user_service", method="POST", json={"configuredLevel": None}, headers=UI
        )
        assert reset.status_code == 204, described(reset)
        assert app.client.get("/actuator/loggers/user_service").json().get("configuredLevel") is None
    finally:
        app.client.post("/actuator/loggers/user_service", json={"configuredLevel": original})


def test_logfile_tail_through_sba2(sba: AdminServer, app: UserService, instance_id: str) -> None:
    first = sba.proxy(instance_id, "logfile", headers={"Range": LOGFILE_FIRST_RANGE, "Accept": "text/plain"})
    assert first.status_code in (200, 206), described(first)
    marker = "tail-probe-sba2"
    create_users(app, marker)
    statuses = tail_until(sba, instance_id, logfile_size(first), marker)
    assert set(statuses) == {206}


def test_sigterm_deregisters(sba: AdminServer, app: UserService, instance_id: str) -> None:
    assert app.terminate() == 0, app.tail()
    eventually(
        lambda: find_event(sba, instance_id, "DEREGISTERED"), timeout=15, what="a DEREGISTERED event", retrying=NOT_YET
    )
