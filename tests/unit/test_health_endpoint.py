from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import threading
from typing import Any, Optional

import pytest

from otel_actuator.actuator import Actuator
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Request, Response
from otel_actuator.core.negotiation import APPLICATION_JSON, V2_JSON, V3_JSON
from otel_actuator.endpoints import health as health_endpoint
from otel_actuator.health import CompositeHealth, Health, Status
from otel_actuator.settings import Settings
from tests.support.requests import call

SBA_SERVER_ACCEPT = f"{V3_JSON}, {V2_JSON}, application/vnd.spring-boot.actuator.v1+json, {APPLICATION_JSON}"
SBA_2_UI_ACCEPT = f"{V2_JSON},application/vnd.spring-boot.actuator.v1+json,{APPLICATION_JSON}"


def make_actuator(**settings: Any) -> Actuator:
    settings.setdefault("health_show_details", "always")
    settings.setdefault("health_timeout", 0.5)
    actuator = Actuator(Settings(**settings))
    actuator.health.unregister("diskSpace")  # its numbers depend on the machine
    return actuator


def typical(**settings: Any) -> Actuator:
    actuator = make_actuator(**settings)
    actuator.health.register("db", lambda: Health.up(database="H2", validationQuery="isValid()"))
    actuator.health.register(
        "broker",
        CompositeHealth({"us1": lambda: Health.up(version="1.0.2"), "us2": lambda: Health.up(version="1.0.4")}),
    )
    return actuator


class Client:
    def __init__(self, actuator: Actuator) -> None:
        self.dispatcher = Dispatcher(
            actuator.settings.http_policy(),
            health_endpoint.create(actuator.health, actuator.sanitizer, actuator.settings.health_show_details),
        )

    async def get(self, path: str, accept: str = "", authorization: Optional[str] = None) -> Response:
        headers = {"accept": accept} if accept else {}
        if authorization:
            headers["authorization"] = authorization
        return await self.dispatcher.handle_async(Request("GET", path, "http://localhost/actuator", headers=headers))


def body(response: Response) -> Any:
    return json.loads(response.body)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# -- shapes -----------------------------------------------------------------------------------------------


async def test_v3_body_nests_under_components_and_lists_groups() -> None:
    response = await Client(typical()).get("/health", SBA_SERVER_ACCEPT)

    assert response.status == 200
    assert response.header("content-type") == V3_JSON
    assert body(response) == {
        "status": "UP",
        "components": {
            "broker": {
                "status": "UP",
                "components": {
                    "us1": {"status": "UP", "details": {"version": "1.0.2"}},
                    "us2": {"status": "UP", "details": {"version": "1.0.4"}},
                },
            },
            "db": {"status": "UP", "details": {"database": "H2", "validationQuery": "isValid()"}},
            "ping": {"status": "UP"},
        },
        "groups": ["liveness", "readiness"],
    }


async def test_v2_body_nests_under_details_at_every_level() -> None:
    response = await Client(typical()).get("/health", SBA_2_UI_ACCEPT)

    assert response.header("content-type") == V2_JSON
    assert body(response) == {
        "status": "UP",
        "details": {
            "broker": {
                "status": "UP",
                "details": {
                    "us1": {"status": "UP", "details": {"version": "1.0.2"}},
                    "us2": {"status": "UP", "details": {"version": "1.0.4"}},
                },
            },
            "db": {"status": "UP", "details": {"database": "H2", "validationQuery": "isValid()"}},
            "ping": {"status": "UP"},
        },
        "groups": ["liveness", "readiness"],
    }


async def test_plain_json_gets_the_v3_shape() -> None:
    response = await Client(typical()).get("/health", APPLICATION_JSON)
    assert response.header("content-type") == APPLICATION_JSON
    assert "components" in body(response)


async def test_empty_maps_are_left_out() -> None:
    actuator = make_actuator()
    actuator.health.unregister("ping")
    actuator.health.register("empty", CompositeHealth({}))
    assert body(await Client(actuator).get("/health")) == {
        "status": "UP",
        "components": {"empty": {"status": "UP"}},
        "groups": ["liveness", "readiness"],
    }
    actuator.health.unregister("empty")
    assert body(await Client(actuator).get("/health")) == {"status": "UP", "groups": ["liveness", "readiness"]}


async def test_a_status_description_is_shown() -> None:
    actuator = make_actuator()
    actuator.health.register("maintenance", lambda: Health(Status("OUT_OF_SERVICE", "planned upgrade")))
    assert body(await Client(actuator).get("/health/maintenance")) == {
        "status": "OUT_OF_SERVICE",
        "description": "planned upgrade",
    }


async def test_details_json_cannot_carry_are_shown_as_text() -> None:
    actuator = make_actuator()
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    actuator.health.register("odd", lambda: Health.up(when=when, tags=("a",), ratio=float("nan"), nested={1: None}))
    details = body(await Client(actuator).get("/health/odd", V2_JSON))["details"]
    assert details == {"when": str(when), "tags": ["a"], "ratio": "nan", "nested": {"1": None}}


# -- sub-paths and groups ---------------------------------------------------------------------------------


async def test_component_and_child_paths() -> None:
    client = Client(typical())
    assert body(await client.get("/health/db")) == {
        "status": "UP",
        "details": {"database": "H2", "validationQuery": "isValid()"},
    }
    assert body(await client.get("/health/broker/us1")) == {"status": "UP", "details": {"version": "1.0.2"}}
    assert body(await client.get("/health/broker", V2_JSON))["details"]["us2"]["status"] == "UP"


async def test_group_paths() -> None:
    client = Client(typical(health_groups={"messaging": ("broker",)}))
    root = body(await client.get("/health"))
    assert root["groups"] == ["liveness", "messaging", "readiness"]
    assert body(await client.get("/health/liveness")) == {"status": "UP", "components": {"ping": {"status": "UP"}}}
    assert list(body(await client.get("/health/readiness"))["components"]) == ["broker", "db", "ping"]
    assert list(body(await client.get("/health/messaging"))["components"]) == ["broker"]
    assert body(await client.get("/health/messaging/broker/us2")) == {"status": "UP", "details": {"version": "1.0.4"}}


@pytest.mark.parametrize(
    "path", ["/health/nope", "/health/db/child", "/health/broker/us3", "/health/liveness/db", "/health/liveness/nope"]
)
async def test_unknown_paths_are_404(path: str) -> None:
    response = await Client(typical()).get(path)
    assert response.status == 404
    assert "No health component or group" in body(response)["message"]


# -- HTTP status ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "http"), [("DOWN", 503), ("OUT_OF_SERVICE", 503), ("UNKNOWN", 200), ("WARN", 200)])
async def test_http_status_follows_the_health_status(status: str, http: int) -> None:
    actuator = typical(health_groups={"core": ("db",)})
    actuator.health.unregister("db")
    actuator.health.register("db", lambda: status)
    client = Client(actuator)
    for path in ("/health", "/health/db", "/health/readiness", "/health/core", "/health/core/db"):
        assert (await client.get(path)).status == http, path
    # UNKNOWN ranks below UP, and WARN is outside the default order: neither changes the aggregate.
    assert body(await client.get("/health"))["status"] == (status if http == 503 else "UP")


async def test_a_custom_status_order_lets_a_custom_status_lead() -> None:
    actuator = make_actuator(health_status_order=("DOWN", "WARN", "UP", "UNKNOWN"))
    actuator.health.register("queue", lambda: "WARN")
    response = await Client(actuator).get("/health")
    assert (response.status, body(response)["status"]) == (200, "WARN")


async def test_down_stays_503_when_details_are_hidden() -> None:
    actuator = make_actuator(health_show_details="never")
    actuator.health.register("db", lambda: False)
    response = await Client(actuator).get("/health")
    assert response.status == 503
    assert body(response) == {"status": "DOWN", "groups": ["liveness", "readiness"]}


# -- show-details -----------------------------------------------------------------------------------------


async def test_never_shows_only_the_status_and_hides_component_paths() -> None:
    client = Client(typical(health_show_details="never"))
    assert body(await client.get("/health")) == {"status": "UP", "groups": ["liveness", "readiness"]}
    assert body(await client.get("/health/readiness")) == {"status": "UP"}
    for path in ("/health/db", "/health/broker/us1", "/health/readiness/db", "/health/nope"):
        response = await client.get(path)
        assert response.status == 404, path


async def test_when_authorized_shows_details_to_authenticated_callers_only() -> None:
    client = Client(typical(health_show_details="when-authorized", username="admin", password="secret"))

    anonymous = await client.get("/health")
    assert anonymous.status == 200  # health stays open when auth is on
    assert body(anonymous) == {"status": "UP", "groups": ["liveness", "readiness"]}
    assert (await client.get("/health/db")).status == 404

    authorized = basic("admin", "secret")
    assert "components" in body(await client.get("/health", authorization=authorized))
    assert (await client.get("/health/db", authorization=authorized)).status == 200
    assert "components" not in body(await client.get("/health", authorization=basic("admin", "wrong")))


async def test_when_authorized_without_credentials_configured_hides_details() -> None:
    client = Client(typical(health_show_details="when-authorized"))
    assert body(await client.get("/health")) == {"status": "UP", "groups": ["liveness", "readiness"]}


# -- robustness --------------------------------------------------------------------------------------------


async def test_a_hanging_check_answers_503_with_a_timeout_error(release: threading.Event) -> None:
    async def hangs() -> bool:
        await asyncio.Event().wait()
        return True

    actuator = make_actuator(health_timeout=0.1)
    actuator.health.register("sync", release.wait)
    actuator.health.register("async", hangs)
    response = await Client(actuator).get("/health")
    assert response.status == 503
    components = body(response)["components"]
    for name in ("sync", "async"):
        assert components[name] == {
            "status": "DOWN",
            "details": {"error": "TimeoutError: Health check timed out after 0.1s"},
        }
    assert components["ping"] == {"status": "UP"}


def test_the_blocking_entry_point_serves_health_too(release: threading.Event) -> None:
    actuator = make_actuator(health_timeout=0.1)
    actuator.health.register("hangs", release.wait)
    actuator.health.register("db", lambda: True)
    dispatcher = Dispatcher(
        actuator.settings.http_policy(),
        health_endpoint.create(actuator.health, actuator.sanitizer, actuator.settings.health_show_details),
    )
    for _ in range(2):  # a second request joins the hung run from the first one's closed event loop
        response = call(dispatcher, "GET", "/health")
        assert response.status == 503
        assert body(response)["components"]["db"] == {"status": "UP"}


def test_the_endpoint_declares_root_and_path_operations() -> None:
    made = make_actuator()
    (endpoint,) = health_endpoint.create(made.health, made.sanitizer, made.settings.health_show_details)
    assert endpoint.id == "health"
    assert endpoint.sensitive is False
    assert endpoint.link_names() == {"health": "/health", "health-path": "/health/{*path}"}


async def test_error_details_never_show_connection_passwords() -> None:
    actuator = make_actuator()

    def broken() -> Health:
        raise ConnectionError("cannot reach postgres://app:hunter2@db.internal:5432/orders")

    actuator.health.register("db", broken)
    payload = body(await Client(actuator).get("/health/db"))
    assert payload["status"] == "DOWN"
    assert "hunter2" not in json.dumps(payload)
    assert "db.internal" in payload["details"]["error"]
