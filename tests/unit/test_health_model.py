from __future__ import annotations

import pytest

from otel_actuator.health import Health, Status, StatusAggregator, http_status
from otel_actuator.health.result import error_text, health_from


def statuses(*codes: str) -> list[Status]:
    return [Status(code) for code in codes]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (("UP", "DOWN", "OUT_OF_SERVICE", "UNKNOWN"), "DOWN"),
        (("UP", "OUT_OF_SERVICE", "UNKNOWN"), "OUT_OF_SERVICE"),
        (("UNKNOWN", "UP"), "UP"),
        (("UNKNOWN",), "UNKNOWN"),
        (("UP", "UP"), "UP"),
    ],
)
def test_the_most_severe_status_wins(codes: tuple[str, ...], expected: str) -> None:
    assert StatusAggregator().aggregate(statuses(*codes)) == Status(expected)


def test_statuses_outside_the_order_take_no_part_as_in_spring() -> None:
    aggregator = StatusAggregator()
    assert aggregator.aggregate(statuses("WARN", "UP")) == Status.UP
    assert aggregator.aggregate(statuses("WARN", "DOWN")) == Status.DOWN
    assert aggregator.aggregate(statuses("WARN")) == Status.UNKNOWN


def test_nothing_to_aggregate_is_up() -> None:
    assert StatusAggregator().aggregate([]) == Status.UP


def test_a_custom_order_ranks_custom_statuses() -> None:
    aggregator = StatusAggregator(("DOWN", "WARN", "UP"))
    assert aggregator.aggregate(statuses("UP", "WARN")) == Status("WARN")
    assert aggregator.aggregate(statuses("down", "WARN")) == Status("down")


def test_codes_compare_like_spring_uniform_codes() -> None:
    assert StatusAggregator().aggregate(statuses("up", "out-of-service")) == Status("out-of-service")
    assert http_status(Status("out-of-service")) == 503


def test_aggregating_a_generator_works() -> None:
    assert StatusAggregator().aggregate(s for s in statuses("UP", "DOWN")) == Status.DOWN


@pytest.mark.parametrize(("code", "http"), [("UP", 200), ("UNKNOWN", 200), ("DOWN", 503), ("OUT_OF_SERVICE", 503)])
def test_http_mapping(code: str, http: int) -> None:
    assert http_status(Status(code)) == http


def test_status_equality_ignores_the_description() -> None:
    assert Status("UP", "all good") == Status.UP
    assert str(Status.OUT_OF_SERVICE) == "OUT_OF_SERVICE"


@pytest.mark.parametrize("code", ["", "   "])
def test_a_status_needs_a_code(code: str) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        Status(code)


def test_health_builders() -> None:
    assert Health.up(version="1") == Health(Status.UP, {"version": "1"})
    assert Health.out_of_service().status == Status.OUT_OF_SERVICE
    assert Health.unknown().status == Status.UNKNOWN
    assert Health.of("WARN", depth=3) == Health(Status("WARN"), {"depth": 3})
    assert Health.down("disk gone").details == {"error": "disk gone"}
    assert Health.down(ConnectionRefusedError("refused"), host="db").details == {
        "error": "ConnectionRefusedError: refused",
        "host": "db",
    }


class CustomError(Exception):
    pass


def test_error_text_is_class_and_message_qualified_outside_builtins() -> None:
    assert error_text(ValueError("bad")) == "ValueError: bad"
    assert error_text(ValueError()) == "ValueError"
    assert error_text(CustomError("x")) == f"{__name__}.CustomError: x"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Health.up()),
        (True, Health.up()),
        (False, Health.down()),
        ("OUT_OF_SERVICE", Health.out_of_service()),
        (Status.DOWN, Health.down()),
        ({"status": "DOWN", "reason": "x"}, Health(Status.DOWN, {"reason": "x"})),
        ({"depth": 3}, Health.up(depth=3)),
        ({"status": Status.UNKNOWN}, Health.unknown()),
        (Health.of("WARN"), Health.of("WARN")),
    ],
)
def test_what_a_check_may_return(value: object, expected: Health) -> None:
    assert health_from(value) == expected


def test_anything_else_is_a_type_error_naming_the_type() -> None:
    with pytest.raises(TypeError, match="returned int"):
        health_from(42)
