"""GET /httpexchanges (Spring Boot 3 shape) and /httptrace (Spring Boot 2 shape)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from otel_actuator.actuator import Actuator
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Response
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from otel_actuator.endpoints import httpexchanges
from otel_actuator.endpoints.httpexchanges import iso_duration
from otel_actuator.settings import Settings
from otel_actuator.sources import Exchange
from tests.support.requests import call, json_of

SETTINGS = Settings(exposure_include=("*",))
SBA3_ACCEPT = f"{V3_JSON},{V2_JSON},application/vnd.spring-boot.actuator.v1+json,application/json"
SBA2_ACCEPT = f"{V2_JSON},application/vnd.spring-boot.actuator.v1+json,application/json"

NEWER = Exchange(
    timestamp=dt.datetime(2024, 5, 1, 12, 0, 1, 250000, tzinfo=dt.timezone.utc),
    method="POST",
    uri="http://shop/orders?token=******",
    status=201,
    time_taken_ns=23_456_789,
    request_headers={"Content-Type": ["application/json"], "Authorization": ["******"]},
    response_headers={"Location": ["/orders/1"]},
    remote_address="10.0.0.7",
    principal="alice",
    trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
    span_id="00f067aa0ba902b7",
)
OLDER = Exchange(
    timestamp=dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc),
    method="GET",
    uri="http://shop/",
    status=200,
    time_taken_ns=400_000,
)


class FixedExchanges:
    def __init__(self, exchanges: Sequence[Exchange]) -> None:
        self._exchanges = list(exchanges)

    def exchanges(self) -> Sequence[Exchange]:
        return self._exchanges


def _get(actuator: Actuator, path: str, accept: str) -> Response:
    dispatcher = Dispatcher(actuator.settings.http_policy(), httpexchanges.create(actuator.sources))
    return call(dispatcher, "GET", path, accept=accept)


@pytest.fixture
def actuator() -> Actuator:
    return Actuator(SETTINGS, exchanges=FixedExchanges([NEWER, OLDER]))


def test_httpexchanges_has_the_spring_boot_3_shape(actuator: Actuator) -> None:
    response = _get(actuator, "/httpexchanges", SBA3_ACCEPT)
    assert response.header("content-type") == V3_JSON
    newer, older = json_of(response)["exchanges"]
    assert newer == {
        "timestamp": "2024-05-01T12:00:01.250Z",
        "request": {
            "uri": "http://shop/orders?token=******",
            "method": "POST",
            "headers": {"Content-Type": ["application/json"], "Authorization": ["******"]},
            "remoteAddress": "10.0.0.7",
        },
        "response": {"status": 201, "headers": {"Location": ["/orders/1"]}},
        "principal": {"name": "alice"},
        "timeTaken": "PT0.023456S",
        "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
        "spanId": "00f067aa0ba902b7",
    }
    # Nothing recorded: headers stay (empty) objects, absent values are left out as Spring Boot 3 does.
    assert older["request"] == {"uri": "http://shop/", "method": "GET", "headers": {}}
    assert older["response"] == {"status": 200, "headers": {}}
    assert "principal" not in older and "session" not in older
    assert older["timeTaken"] == "PT0.0004S"


def test_httptrace_has_the_spring_boot_2_shape(actuator: Actuator) -> None:
    response = _get(actuator, "/httptrace", SBA2_ACCEPT)
    assert response.header("content-type") == V2_JSON
    newer, older = json_of(response)["traces"]
    assert newer["timeTaken"] == 23
    assert newer["principal"] == {"name": "alice"}
    assert newer["session"] is None
    assert newer["request"]["remoteAddress"] == "10.0.0.7"
    assert newer["response"] == {"status": 201, "headers": {"Location": ["/orders/1"]}}
    assert older["timeTaken"] == 0
    assert older["principal"] is None
    assert older["request"] == {"method": "GET", "uri": "http://shop/", "headers": {}, "remoteAddress": None}


def test_httpexchanges_is_a_v3_name_and_httptrace_is_listed_for_both(actuator: Actuator) -> None:
    """SBA 2.7's server reads the index with a v3-first Accept, so httptrace must be in the v3 index too."""

    def links(accept: str) -> set[str]:
        return set(json_of(_get(actuator, "", accept))["_links"]) - {"self"}

    assert links(SBA3_ACCEPT) == {"httpexchanges", "httptrace"}
    assert links(SBA2_ACCEPT) == {"httptrace"}
    assert _get(actuator, "/httptrace", SBA3_ACCEPT).status == 200
    assert _get(actuator, "/httpexchanges", SBA2_ACCEPT).status == 200


def test_both_are_absent_without_a_source() -> None:
    actuator = Actuator(SETTINGS)
    assert _get(actuator, "/httpexchanges", SBA3_ACCEPT).status == 404
    assert _get(actuator, "/httptrace", SBA2_ACCEPT).status == 404


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [
        (0, "PT0S"),
        (23_000_000, "PT0.023S"),
        (1_500_000_000, "PT1.5S"),
        (61_500_000_000, "PT1M1.5S"),
        (3_600_000_000_000, "PT1H"),
        (3_723_000_000_000, "PT1H2M3S"),
        (999, "PT0S"),
        (-5, "PT0S"),
    ],
)
def test_iso_duration_is_written_as_java_does_to_the_microsecond(nanoseconds: int, text: str) -> None:
    assert iso_duration(nanoseconds) == text
