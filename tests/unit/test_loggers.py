from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Response
from otel_actuator.core.negotiation import V2_JSON, V3_JSON
from otel_actuator.endpoints import loggers
from otel_actuator.endpoints.loggers import levels as logging_levels
from otel_actuator.settings import Settings, SettingsError
from tests.support.requests import call, json_of

_names = itertools.count()


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]


@pytest.fixture
def prefix() -> Iterator[str]:
    """A fresh logger tree per test; its parent collects records and does not bother root."""
    name = f"otel_actuator_test_loggers.t{next(_names)}"
    parent = logging.getLogger(name)
    parent.propagate = False
    root_level = logging.getLogger().level
    yield name
    logging.getLogger().setLevel(root_level)


def _dispatcher(**settings: Any) -> Dispatcher:
    config = Settings(exposure_include=("*",), **settings)
    return Dispatcher(config.http_policy(), loggers.create(config.logger_groups))


def _get(dispatcher: Dispatcher, path: str, accept: str = V3_JSON) -> Response:
    return call(dispatcher, "GET", path, accept=accept)


def _post(dispatcher: Dispatcher, path: str, body: bytes) -> Response:
    return call(dispatcher, "POST", path, {"content-type": "application/json"}, body, accept=V3_JSON)


# ---- level mapping ------------------------------------------------------------------------------


def test_trace_is_a_registered_level_below_debug() -> None:
    trace = logging_levels.trace_level()
    assert 0 < trace < logging.DEBUG
    assert logging.getLevelName(trace) == "TRACE"
    assert logging.getLevelName("TRACE") == trace


@pytest.mark.parametrize(
    ("python_level", "spring"),
    [
        (logging.CRITICAL, "FATAL"),
        (logging.ERROR, "ERROR"),
        (logging.WARNING, "WARN"),
        (logging.INFO, "INFO"),
        (logging.DEBUG, "DEBUG"),
        (5, "TRACE"),
        (0, "TRACE"),
        (15, "INFO"),
        (logging.CRITICAL + 1, "OFF"),
        (logging_levels.OFF, "OFF"),
    ],
)
def test_python_levels_map_to_the_spring_level_that_passes_the_same_records(python_level: int, spring: str) -> None:
    assert logging_levels.to_spring(python_level) == spring


def test_notset_is_not_configured_rather_than_off() -> None:
    assert logging_levels.configured_to_spring(logging.NOTSET) is None


@pytest.mark.parametrize(
    ("name", "level"),
    [("debug", logging.DEBUG), ("WARN", logging.WARNING), ("warning", logging.WARNING), ("Fatal", logging.CRITICAL)],
)
def test_level_names_parse_case_insensitively(name: str, level: int) -> None:
    assert logging_levels.parse_spring(name) == level


def test_unknown_level_name_does_not_parse() -> None:
    assert logging_levels.parse_spring("LOUD") is None


# ---- GET ----------------------------------------------------------------------------------------


def test_list_has_levels_root_first_every_logger_and_groups(prefix: str) -> None:
    logging.getLogger(f"{prefix}.b").setLevel(logging.ERROR)
    logging.getLogger(f"{prefix}.a.deep.child")
    response = _get(_dispatcher(), "/loggers")
    assert response.header("content-type") == V3_JSON
    body = json_of(response)
    assert body["levels"] == ["OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"]
    assert body["groups"] == {name: {"members": list(m)} for name, m in loggers.DEFAULT_GROUPS.items()}
    names = list(body["loggers"])
    assert names[0] == "ROOT"
    assert names[1:] == sorted(names[1:])
    assert body["loggers"][f"{prefix}.b"] == {"configuredLevel": "ERROR", "effectiveLevel": "ERROR"}
    # A placeholder parent Python created for the dotted name is listed like a logger without a level.
    assert f"{prefix}.a.deep" in body["loggers"]
    assert "configuredLevel" not in body["loggers"][f"{prefix}.a.deep"]


def test_unset_level_is_absent_under_v3_and_null_under_v2(prefix: str) -> None:
    logging.getLogger(prefix).setLevel(logging.INFO)
    logging.getLogger(f"{prefix}.x")
    dispatcher = _dispatcher()
    assert json_of(_get(dispatcher, f"/loggers/{prefix}.x")) == {"effectiveLevel": "INFO"}
    v2 = _get(dispatcher, f"/loggers/{prefix}.x", accept=V2_JSON)
    assert v2.header("content-type") == V2_JSON
    assert json_of(v2) == {"configuredLevel": None, "effectiveLevel": "INFO"}


def test_root_is_addressed_as_ROOT(prefix: str) -> None:
    logging.getLogger().setLevel(logging.WARNING)
    dispatcher = _dispatcher()
    assert json_of(_get(dispatcher, "/loggers/ROOT")) == {"configuredLevel": "WARN", "effectiveLevel": "WARN"}
    assert json_of(_get(dispatcher, "/loggers/root"))["effectiveLevel"] == "WARN"


def test_unknown_logger_is_404() -> None:
    response = _get(_dispatcher(), "/loggers/no.such.logger.anywhere")
    assert "no.such.logger.anywhere" in json_of(response, 404)["message"]


def test_placeholder_reports_its_nearest_real_ancestors_level(prefix: str) -> None:
    logging.getLogger(prefix).setLevel(logging.ERROR)
    logging.getLogger(f"{prefix}.p.q.r")
    assert json_of(_get(_dispatcher(), f"/loggers/{prefix}.p.q")) == {"effectiveLevel": "ERROR"}


# ---- POST ---------------------------------------------------------------------------------------


def test_set_level_is_204_and_case_insensitive(prefix: str) -> None:
    dispatcher = _dispatcher()
    logging.getLogger(f"{prefix}.svc")
    response = _post(dispatcher, f"/loggers/{prefix}.svc", b'{"configuredLevel": "debug"}')
    assert response.status == 204
    assert response.body == b""
    assert logging.getLogger(f"{prefix}.svc").level == logging.DEBUG
    assert json_of(_get(dispatcher, f"/loggers/{prefix}.svc")) == {
        "configuredLevel": "DEBUG",
        "effectiveLevel": "DEBUG",
    }


@pytest.mark.parametrize("body", [b"{}", b'{"configuredLevel": null}', b""])
def test_reset_with_empty_object_null_or_no_body_clears_the_level(prefix: str, body: bytes) -> None:
    logging.getLogger(prefix).setLevel(logging.WARNING)
    child = logging.getLogger(f"{prefix}.svc")
    child.setLevel(logging.DEBUG)
    dispatcher = _dispatcher()
    assert _post(dispatcher, f"/loggers/{prefix}.svc", body).status == 204
    assert child.level == logging.NOTSET
    assert json_of(_get(dispatcher, f"/loggers/{prefix}.svc")) == {"effectiveLevel": "WARN"}


def test_off_silences_only_that_subtree(prefix: str) -> None:
    collector = Collector()
    parent = logging.getLogger(prefix)
    parent.addHandler(collector)
    parent.setLevel(logging.INFO)
    dispatcher = _dispatcher()
    assert _post(dispatcher, f"/loggers/{prefix}.noisy", b'{"configuredLevel": "OFF"}').status == 204

    logging.getLogger(f"{prefix}.noisy").critical("silenced")
    logging.getLogger(f"{prefix}.noisy.child").critical("silenced too")
    logging.getLogger(f"{prefix}.sibling").info("still here")
    parent.error("parent too")

    assert collector.messages() == ["still here", "parent too"]
    assert json_of(_get(dispatcher, f"/loggers/{prefix}.noisy.child")) == {"effectiveLevel": "OFF"}
    assert json_of(_get(dispatcher, f"/loggers/{prefix}.noisy"))["configuredLevel"] == "OFF"
    assert logging.root.manager.disable == logging.NOTSET


def test_trace_really_emits_below_debug(prefix: str) -> None:
    collector = Collector()
    logger = logging.getLogger(f"{prefix}.tracing")
    logger.addHandler(collector)
    assert _post(_dispatcher(), f"/loggers/{prefix}.tracing", b'{"configuredLevel": "TRACE"}').status == 204
    logger.log(logging_levels.trace_level(), "fine detail")
    logger.log(1, "below trace")
    assert collector.messages() == ["fine detail"]
    assert collector.records[0].levelname == "TRACE"


def test_post_to_an_unknown_well_formed_name_creates_it(prefix: str) -> None:
    name = f"{prefix}.created.later"
    assert _post(_dispatcher(), f"/loggers/{name}", b'{"configuredLevel": "ERROR"}').status == 204
    assert name in logging.root.manager.loggerDict
    assert logging.getLogger(name).level == logging.ERROR


def test_root_reset_restores_its_level_from_before_the_first_change(prefix: str) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    dispatcher = _dispatcher()
    assert _post(dispatcher, "/loggers/ROOT", b'{"configuredLevel": "DEBUG"}').status == 204
    assert root.level == logging.DEBUG
    assert _post(dispatcher, "/loggers/ROOT", b'{"configuredLevel": "ERROR"}').status == 204
    assert _post(dispatcher, "/loggers/ROOT", b"{}").status == 204
    assert root.level == logging.INFO


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b'{"configuredLevel": "LOUD"}', "Unknown level 'LOUD'"),
        (b'{"configuredLevel": 10}', "configuredLevel must be a level name or null"),
        (b'{"configuredLevel": ["DEBUG"]}', "configuredLevel must be a level name or null"),
        (b'["DEBUG"]', "must be a JSON object"),
        (b'"DEBUG"', "must be a JSON object"),
        (b"{not json", "not valid JSON"),
    ],
)
def test_bad_bodies_are_400_with_a_message(prefix: str, body: bytes, fragment: str) -> None:
    logging.getLogger(f"{prefix}.svc").setLevel(logging.INFO)
    response = _post(_dispatcher(), f"/loggers/{prefix}.svc", body)
    assert fragment in json_of(response, 400)["message"]
    assert logging.getLogger(f"{prefix}.svc").level == logging.INFO


def test_unknown_keys_are_ignored_like_spring(prefix: str) -> None:
    logging.getLogger(f"{prefix}.svc")
    response = _post(_dispatcher(), f"/loggers/{prefix}.svc", b'{"configuredLevel": "INFO", "extra": 1}')
    assert response.status == 204
    assert logging.getLogger(f"{prefix}.svc").level == logging.INFO


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("a" * 300, "longer than"),
        ("bad%0Aname", "control characters"),
        ("with%20space", "whitespace"),
        ("a..b", "empty segment"),
        (".leading", "empty segment"),
    ],
)
def test_absurd_new_names_are_400(name: str, fragment: str) -> None:
    response = _post(_dispatcher(), f"/loggers/{name}", b'{"configuredLevel": "INFO"}')
    assert fragment in json_of(response, 400)["message"]


# ---- groups -------------------------------------------------------------------------------------


def test_groups_are_listed_read_and_set_together(prefix: str) -> None:
    members = (f"{prefix}.web", f"{prefix}.http")
    dispatcher = _dispatcher(logger_groups={"web": (members[0], members[1])})
    assert json_of(_get(dispatcher, "/loggers"))["groups"]["web"] == {"members": list(members)}

    assert _post(dispatcher, "/loggers/web", b'{"configuredLevel": "warning"}').status == 204
    assert [logging.getLogger(m).level for m in members] == [logging.WARNING, logging.WARNING]
    assert json_of(_get(dispatcher, "/loggers/web")) == {"configuredLevel": "WARN", "members": list(members)}

    assert _post(dispatcher, "/loggers/web", b"{}").status == 204
    assert [logging.getLogger(m).level for m in members] == [logging.NOTSET, logging.NOTSET]
    assert json_of(_get(dispatcher, "/loggers/web", accept=V2_JSON)) == {
        "configuredLevel": None,
        "members": list(members),
    }


@pytest.mark.parametrize("spec", ["noequals", "=a+b", "name=", "name=+"])
def test_malformed_group_settings_are_rejected(spec: str) -> None:
    with pytest.raises(SettingsError, match="LOGGER_GROUPS"):
        Settings.from_env({"OTEL_ACTUATOR_LOGGER_GROUPS": spec})
