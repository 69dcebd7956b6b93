"""Zero-code defaults for speed, over real servers: the rate-limited sampler and the stable HTTP conventions.

Under load the exchanges are a sample and ``http.server.requests`` still counts every request; at a low
rate every request is an exchange; a sampler the user chose wins; the stable conventions the hook now
picks show SBA the same tags and counts as the old ones.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any, Optional

import httpx
import pytest

from tests.support.launch import ZERO_CODE, launch
from tests.support.polling import eventually
from tests.support.requests import json_of

APPS = {
    "fastapi": (("opentelemetry-instrument", "python", "examples/user_service/app.py"), "/users/{id}"),
    "flask": (("opentelemetry-instrument", "python", "examples/user_service_flask/app.py"), "/users/<int:user_id>"),
}
#: Requests in a burst; more than the exchanges ring keeps (100), so a bound below it means something.
BURST = 150


def count(http: httpx.Client, *tags: str) -> float:
    response = http.get("/actuator/metrics/http.server.requests", params=[("tag", tag) for tag in tags])
    if response.status_code == 404:
        return 0.0
    measurements = {m["statistic"]: m["value"] for m in json_of(response)["measurements"]}
    return float(measurements["COUNT"])


def exchanges(http: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json_of(http.get("/actuator/httpexchanges"))["exchanges"]
    return found


def exchanges_if(http: httpx.Client, expected: int) -> Optional[list[dict[str, Any]]]:
    found = exchanges(http)
    return found if len(found) == expected else None


def user_ids(http: httpx.Client) -> list[int]:
    """The ids of the ``GET /users/{id}`` requests among the exchanges."""
    paths = (httpx.URL(e["request"]["uri"]).path for e in exchanges(http) if e["request"]["method"] == "GET")
    return sorted(int(path.rsplit("/", 1)[1]) for path in paths if path.startswith("/users/"))


def get_users(http: httpx.Client, ids: range) -> None:
    for user_id in ids:
        assert http.get(f"/users/{user_id}").status_code == 404  # no such user: still a routed request


@pytest.mark.parametrize("framework", sorted(APPS))
def test_a_burst_is_counted_exactly_and_only_sampled_into_the_exchanges(framework: str) -> None:
    argv, template = APPS[framework]
    rate = 2.0  # two tokens to start with: one for the readiness probe, one for the burst's first request
    started = time.monotonic()
    with launch(argv, {**ZERO_CODE, "OTEL_ACTUATOR_TRACES_PER_SECOND": str(rate)}) as service, service.client() as http:
        get_users(http, range(1, BURST + 1))
        eventually(lambda: count(http, f"uri:{template}") == BURST, what=f"COUNT {BURST}")
        # The bucket starts full and refills at the rate, whatever spent its tokens.
        bound = math.ceil(rate) + rate * (time.monotonic() - started)
        sampled = user_ids(http)
        assert 1 <= len(sampled) <= bound, (sampled, bound)
        assert sampled[0] == 1


@pytest.mark.parametrize("framework", sorted(APPS))
def test_at_a_low_rate_every_request_is_an_exchange(framework: str) -> None:
    argv, template = APPS[framework]
    with launch(argv, ZERO_CODE) as service, service.client() as http:  # the default: 10 traces a second
        get_users(http, range(1, 6))
        eventually(lambda: count(http, f"uri:{template}") == 5, what="COUNT 5")
        eventually(lambda: user_ids(http) == [1, 2, 3, 4, 5], what="five exchanges")


@pytest.mark.parametrize(
    "chosen",
    [
        pytest.param({"OTEL_TRACES_SAMPLER": "always_on"}, id="a-sampler-of-their-own"),
        pytest.param({"OTEL_TRACES_EXPORTER": "actuator,console"}, id="traces-exported-elsewhere-too"),
    ],
)
def test_what_the_user_chose_is_respected(chosen: Mapping[str, str]) -> None:
    argv, template = APPS["flask"]
    env = {**ZERO_CODE, "OTEL_ACTUATOR_TRACES_PER_SECOND": "1", **chosen}
    with launch(argv, env) as service, service.client() as http:
        get_users(http, range(1, 41))
        eventually(lambda: count(http, f"uri:{template}") == 40, what="COUNT 40")
        eventually(lambda: user_ids(http) == list(range(1, 41)), what="forty exchanges")


def test_the_sampler_can_be_chosen_by_name_while_exporting_elsewhere() -> None:
    argv, template = APPS["flask"]
    env = {
        **ZERO_CODE,
        "OTEL_TRACES_EXPORTER": "actuator,console",
        "OTEL_TRACES_SAMPLER": "actuator_rate_limited",
        "OTEL_ACTUATOR_TRACES_PER_SECOND": "0",
    }
    with launch(argv, env) as service, service.client() as http:
        get_users(http, range(1, 21))
        eventually(lambda: count(http, f"uri:{template}") == 20, what="COUNT 20")
        assert user_ids(http) == []


# -- stable HTTP semantic conventions by default ---------------------------------------------------


def what_sba_shows(framework: str, extra: Mapping[str, str]) -> dict[str, Any]:
    """Tags, per-series counts and exchanges after the same requests; the timings left out.

    The readiness probe's ``GET /`` is one more NOT_FOUND request; the actuator's own requests (the polls
    below) are left out, their number depends on timing.
    """
    argv, template = APPS[framework]
    with launch(argv, {**ZERO_CODE, **extra}) as service, service.client() as http:
        assert http.post("/users", json={"name": "ada", "email": "ada@example.com"}).status_code == 201
        assert http.get("/users/1").status_code == 200
        assert http.get("/users").status_code == 200
        get_users(http, range(7, 9))
        assert http.get("/nowhere").status_code == 404
        eventually(lambda: count(http, "uri:NOT_FOUND") == 2, what="COUNT 2 of NOT_FOUND")
        eventually(lambda: count(http, f"uri:{template}") == 3, what=f"COUNT 3 of {template}")
        body = json_of(http.get("/actuator/metrics/http.server.requests"))
        tags = {t["tag"]: sorted(t["values"]) for t in body["availableTags"]}
        tags["uri"] = [uri for uri in tags["uri"] if not uri.startswith("/actuator")]
        counts = {
            (uri, status): count(http, f"uri:{uri}", f"status:{status}")
            for uri in tags["uri"]
            for status in tags["status"]
        }
        shown = [
            {
                "method": e["request"]["method"],
                "path": httpx.URL(e["request"]["uri"]).path,
                "status": e["response"]["status"],
                "request headers": sorted(e["request"]["headers"]),
                "response headers": sorted(e["response"]["headers"]),
            }
            for e in eventually(lambda: exchanges_if(http, 7), what="7 exchanges")
        ]
        return {
            "unit": body["baseUnit"],
            "tags": tags,
            "counts": {key: value for key, value in counts.items() if value},
            "exchanges": sorted(shown, key=lambda e: (e["path"], e["status"])),
            "active": json_of(http.get("/actuator/metrics/http.server.requests.active"))["measurements"],
            "template": template,
        }


@pytest.mark.parametrize("framework", sorted(APPS))
def test_the_stable_conventions_show_sba_what_the_old_ones_did(framework: str) -> None:
    stable = what_sba_shows(framework, {})
    old = what_sba_shows(framework, {"OTEL_SEMCONV_STABILITY_OPT_IN": ""})  # empty: the user keeps the old ones
    assert stable == old
    assert stable["unit"] == "seconds"
    assert stable["counts"][(stable["template"], "404")] == 2.0
    assert stable["counts"][("NOT_FOUND", "404")] == 2.0
    assert len(stable["exchanges"]) == 7
