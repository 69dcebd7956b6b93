"""Steps shared by the SBA 2 and SBA 3 end-to-end tests: what a user of SBA does, as REST calls.

Each test module says which :class:`Deployment` it runs against in a module fixture ``deployment``; the
fixtures of tests/e2e/conftest.py (``sba``, ``app``, ``instance_id``, ``user_ids``) follow from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

import httpx

from tests.support.polling import eventually
from tests.support.sba import NOT_YET, AdminServer, UserService
from tests.support.services import RedisServer

V3 = "application/vnd.spring-boot.actuator.v3+json"
V2 = "application/vnd.spring-boot.actuator.v2+json"
#: The Accept header each SBA UI sends with its actuator calls (services/spring-mime-types.ts, 2.7 sba-core).
SBA3_UI_ACCEPT = f"{V3},{V2},application/vnd.spring-boot.actuator.v1+json,application/json"
SBA2_UI_ACCEPT = f"{V2},application/vnd.spring-boot.actuator.v1+json,application/json"
#: The first request of SBA's log tail (utils/logtail.ts): the last 300 KiB.
LOGFILE_FIRST_RANGE = "bytes=-307200"

HEALTH_COMPONENTS = {"redis", "diskSpace", "ping"}


@dataclass(frozen=True)
class Deployment:
    """The example user-service one test module starts, registered with one SBA version."""

    sba_version: int
    #: A database of its own on the shared Redis, so that the module's service starts with no users.
    redis_db: int
    log_name: str
    app_version: str
    #: Created through the app when a test asks for ``user_ids``.
    users: tuple[str, ...]


def redis_database(redis: RedisServer, db: int) -> str:
    return f"redis://127.0.0.1:{redis.port}/{db}"


def registered_instance(sba: AdminServer, app: UserService) -> dict[str, Any]:
    return eventually(
        lambda: sba.instance_with_health_url(app.health_url),
        what="registration of the user-service",
        retrying=NOT_YET,
    )


def instance_up_with_components(sba: AdminServer, instance_id: str) -> dict[str, Any]:
    def check() -> dict[str, Any]:
        instance = sba.instance(instance_id)
        assert instance is not None
        status = instance["statusInfo"]
        assert status["status"] == "UP", status
        assert set(status["details"]) >= HEALTH_COMPONENTS, status["details"]
        return instance

    return eventually(check, what="status UP with redis, diskSpace and ping", retrying=NOT_YET)


def app_index_ids(app: UserService) -> set[str]:
    """Non-templated link names of the app's own ``/actuator`` index: what SBA should detect."""
    links = app.client.get("/actuator").json()["_links"]
    return {name for name, link in links.items() if name != "self" and not link["templated"]}


def detected_endpoints(sba: AdminServer, instance_id: str, expected: set[str], timeout: float = 30.0) -> set[str]:
    def check() -> set[str]:
        instance = sba.instance(instance_id)
        assert instance is not None
        ids = {endpoint["id"] for endpoint in instance["endpoints"]}
        assert expected <= ids, f"missing {sorted(expected - ids)}; detected {sorted(ids)}"
        return ids

    return eventually(check, timeout=timeout, what="endpoint detection", retrying=NOT_YET)


def create_users(app: UserService, *names: str) -> list[int]:
    ids = []
    for name in names:
        response = app.client.post("/users", json={"name": name, "email": f"{name}@example.org"})
        assert response.status_code == 201, response.text
        ids.append(int(response.json()["id"]))
    return ids


def content_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", ""))


def described(response: httpx.Response) -> str:
    """The request and the response as a failure message shows them."""
    return (
        f"{response.request.method} {response.request.url} -> HTTP {response.status_code} "
        f"{content_type(response)!r}: {response.text[:300]!r}"
    )


def actuator_json(response: httpx.Response, media_type: str) -> Any:
    """The JSON body of a 200 answer served with ``media_type`` (what SBA's views insist on)."""
    assert response.status_code == 200, described(response)
    assert media_type in content_type(response), described(response)
    return response.json()


def logfile_size(response: httpx.Response) -> int:
    """What SBA's log tail takes as the file size: the total of Content-Range, or the body length on 200."""
    if response.status_code == 206:
        return int(response.headers["content-range"].rsplit("/", 1)[1])
    return len(response.content)


def tail_until(sba: AdminServer, instance_id: str, size: int, marker: str, timeout: float = 15.0) -> list[int]:
    """Poll the log file like SBA's UI (``bytes={size-1}-``) until ``marker`` shows; returns the statuses seen."""
    tail = _Tail(size)
    eventually(
        lambda: tail.poll(sba, instance_id, marker),
        timeout=timeout,
        what=f"{marker!r} in the log tail",
        retrying=NOT_YET,
    )
    return tail.statuses


class _Tail:
    def __init__(self, size: int) -> None:
        self.size = size
        self.text = ""
        self.statuses: list[int] = []

    def poll(self, sba: AdminServer, instance_id: str, marker: str) -> bool:
        response = sba.proxy(
            instance_id, "logfile", headers={"Range": f"bytes={self.size - 1}-", "Accept": "text/plain"}
        )
        self.statuses.append(response.status_code)
        assert response.status_code == 206, f"tail poll answered {response.status_code}: {response.text[:300]}"
        content_range = response.headers.get("content-range", "")
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
        assert match, f"Content-Range {content_range!r}"
        assert int(match.group(1)) == self.size - 1, content_range
        # The first byte was seen before; SBA drops it too.
        self.text += response.content[1:].decode("utf-8", "replace")
        self.size = int(match.group(3))
        return marker in self.text


def route_patterns(mappings: dict[str, Any]) -> set[str]:
    """Every request pattern in a mappings body (servlet or reactive shape)."""
    patterns: set[str] = set()
    for context in mappings["contexts"].values():
        groups = context["mappings"]
        for kind in ("dispatcherServlets", "dispatcherHandlers"):
            for handlers in groups.get(kind, {}).values():
                for handler in handlers:
                    conditions = (handler.get("details") or {}).get("requestMappingConditions") or {}
                    patterns.update(conditions.get("patterns", []))
    return patterns


def exchange_uris(entries: list[dict[str, Any]], method: str) -> list[str]:
    return [e["request"]["uri"] for e in entries if e["request"]["method"] == method]


def find_event(sba: AdminServer, instance_id: str, event_type: str) -> Optional[dict[str, Any]]:
    return next((e for e in sba.events(instance_id) if e["type"] == event_type), None)
