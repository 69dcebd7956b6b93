"""Keeps the actuator's own requests out of the servers' access logs.

Spring Boot Admin polls health, info and metrics several times a second; each poll would be one access-log
line of uvicorn, werkzeug, gunicorn, Tornado or aiohttp, burying the application's own requests.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

#: The access loggers of the servers otel-actuator runs under.
ACCESS_LOGGERS = ("uvicorn.access", "werkzeug", "gunicorn.access", "tornado.access", "aiohttp.access")


class QuietActuatorRequests(logging.Filter):
    """Drops access-log records of requests under ``base_path``.

    The request line stands quoted in the common log format (uvicorn, werkzeug, gunicorn, aiohttp:
    ``"GET /actuator/health HTTP/1.1"``, werkzeug colouring it on a terminal) and after the status in
    Tornado's (``200 GET /actuator/health (127.0.0.1) 1.2ms``).
    """

    def __init__(self, base_path: str = "/actuator") -> None:
        super().__init__()
        path = re.escape(base_path.rstrip("/"))
        self._request = re.compile(r'(?:"|^\d{3} )(?:\x1b\[[0-9;]*m)?[A-Z]+ ' + path + r"[/? ]")

    def filter(self, record: logging.LogRecord) -> bool:
        return not self._request.search(record.getMessage())


def quiet_access_log(base_path: str = "/actuator", loggers: Iterable[str] = ACCESS_LOGGERS) -> QuietActuatorRequests:
    """Install one filter on each access logger that drops the requests to the actuator; returns it
    (``logging.getLogger(name).removeFilter(it)`` undoes it)."""
    quiet = QuietActuatorRequests(base_path)
    for name in loggers:
        logging.getLogger(name).addFilter(quiet)
    return quiet
