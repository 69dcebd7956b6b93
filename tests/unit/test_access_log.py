"""quiet_access_log: the servers' access-log lines for the actuator are dropped, the application's kept."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

from otel_actuator import quiet_access_log
from otel_actuator.web.access_log import ACCESS_LOGGERS

WHEN = "04/Dec/2025:10:00:00 +0000"
DROPPED = ("/actuator", "/actuator/health", "/actuator/metrics?tag=uri:/users")
KEPT = ("/users", "/actuators", "/users?next=/actuator/health")


@pytest.fixture(autouse=True)
def _restored_filters(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Each test's filters are gone after it; INFO records reach caplog.

    Servers started by earlier tests configure their access loggers (uvicorn's logging config sets
    ``propagate=False`` on ``uvicorn.access``), so each logger is opened up here and restored after.
    """
    loggers = [logging.getLogger(name) for name in ACCESS_LOGGERS]
    before = [(log, list(log.filters), log.propagate, log.level, log.disabled) for log in loggers]
    for log in loggers:
        log.propagate, log.disabled = True, False
        log.setLevel(logging.NOTSET)
    caplog.set_level(logging.INFO)
    yield
    for log, filters, propagate, level, disabled in before:
        log.filters[:] = filters
        log.propagate, log.disabled = propagate, disabled
        log.setLevel(level)


def _log(logger: str, path: str) -> None:
    """One access-log line for ``GET path``, in the format (and with the arguments) of the server's logger."""
    log = logging.getLogger(logger)
    if logger == "uvicorn.access":
        log.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:50312", "GET", path, "1.1", 200)
    elif logger == "werkzeug":
        log.info('%s - - [%s] "%s" %s %s', "127.0.0.1", WHEN, f"GET {path} HTTP/1.1", "200", "-")
    elif logger == "tornado.access":
        log.info("%d %s %.2fms", 200, f"GET {path} (127.0.0.1)", 1.25)
    else:  # gunicorn and aiohttp format the whole line themselves
        log.info(f'127.0.0.1 - - [{WHEN}] "GET {path} HTTP/1.1" 200 15 "-" "SBA"')


def _paths(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    """The paths of the lines ``logger`` let through."""
    return [str(re.findall(r"GET (\S+) ", r.getMessage())[0]) for r in caplog.records if r.name == logger]


@pytest.mark.parametrize("logger", ACCESS_LOGGERS)
def test_the_actuator_s_requests_are_dropped_and_the_app_s_kept(logger: str, caplog: pytest.LogCaptureFixture) -> None:
    quiet_access_log()
    for path in DROPPED + KEPT:
        _log(logger, path)
    assert _paths(caplog, logger) == list(KEPT)


def test_werkzeug_s_coloured_request_lines_too(caplog: pytest.LogCaptureFixture) -> None:
    quiet_access_log()
    # On a terminal werkzeug colours the request line of a status other than 200 (a 404: yellow).
    for path in ("/actuator/nope", "/users/9"):
        logging.getLogger("werkzeug").info(
            '%s - - [%s] "%s" %s %s', "127.0.0.1", WHEN, f"\x1b[33mGET {path} HTTP/1.1\x1b[0m", "404", "-"
        )
    assert [r.getMessage().count("/users/9") for r in caplog.records] == [1]


def test_another_base_path_on_the_loggers_named(caplog: pytest.LogCaptureFixture) -> None:
    quiet_access_log("/manage/", loggers=["uvicorn.access"])
    for path in ("/manage/health", "/actuator"):
        _log("uvicorn.access", path)
    _log("tornado.access", "/manage/health")
    kept = [(r.name, "/manage/health" in r.getMessage()) for r in caplog.records]
    assert kept == [("uvicorn.access", False), ("tornado.access", True)]
