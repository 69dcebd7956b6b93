"""Pyctuator's ``Endpoints`` flags (``pyctuator.endpoints``) and the endpoint ids each one stands for.

The members Pyctuator has keep their values, so flags stored or combined by existing code mean the same.
``METRICS`` and ``HTTP_TRACE`` cover every endpoint serving the same data in another shape (prometheus;
httpexchanges, the Spring Boot 3 name of httptrace): disabling one hides the data, not only one URL.
``MAPPINGS`` and ``PROMETHEUS`` are additions, for endpoints Pyctuator did not have.
"""

from __future__ import annotations

from enum import Flag, auto


class Endpoints(Flag):
    NONE = 0
    ENV = auto()
    INFO = auto()
    HEALTH = auto()
    METRICS = auto()
    LOGGERS = auto()
    THREAD_DUMP = auto()
    LOGFILE = auto()
    HTTP_TRACE = auto()
    MAPPINGS = auto()
    PROMETHEUS = auto()


_IDS: dict[Endpoints, tuple[str, ...]] = {
    Endpoints.ENV: ("env",),
    Endpoints.INFO: ("info",),
    Endpoints.HEALTH: ("health",),
    Endpoints.METRICS: ("metrics", "prometheus"),
    Endpoints.LOGGERS: ("loggers",),
    Endpoints.THREAD_DUMP: ("threaddump",),
    Endpoints.LOGFILE: ("logfile",),
    Endpoints.HTTP_TRACE: ("httptrace", "httpexchanges"),
    Endpoints.MAPPINGS: ("mappings",),
    Endpoints.PROMETHEUS: ("prometheus",),
}

#: What a Pyctuator application exposes: everything Pyctuator served, plus the same data under the
#: Spring Boot 3 and Prometheus names, plus mappings. Never shutdown.
EXPOSED_IDS: tuple[str, ...] = tuple(dict.fromkeys(i for ids in _IDS.values() for i in ids))


def endpoint_ids(flags: Endpoints) -> tuple[str, ...]:
    """The actuator endpoint ids the given flags name, in a stable order."""
    return tuple(dict.fromkeys(i for member, ids in _IDS.items() if member in flags for i in ids))
