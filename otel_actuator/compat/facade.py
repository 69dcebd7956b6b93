"""The actuator behind a ``Pyctuator``: the core, with Pyctuator's answers where a client does not ask.

* A request that names no media type (no ``Accept``, or only ``*/*``) gets Spring Boot 2 bodies as
  ``application/vnd.spring-boot.actuator.v2+json;charset=UTF-8``, as Pyctuator always answered; SBA
  names the types it reads and still negotiates Spring Boot 3.
* A write without ``Content-Type`` is read as JSON (Pyctuator's clients send none).
* ``memory.rss`` and ``thread.count``, Pyctuator's metric names, answer beside the Micrometer ones.
* HTTP exchanges show header names in lower case, as servers hand them over, not Title-Cased.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from typing import Optional

from otel_actuator.actuator import Actuator
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Request, Response
from otel_actuator.core.negotiation import V2_JSON, parse_accept
from otel_actuator.sources import Exchange, ExchangeSource, Meter, MeterSource

#: What Pyctuator answered every JSON request with.
PYCTUATOR_MEDIA_TYPE = V2_JSON + ";charset=UTF-8"
#: Spring Boot 2 JSON first; anything else an operation produces (the log file's text) still matches.
_DEFAULT_ACCEPT = V2_JSON + ", */*;q=0.5"


class PyctuatorDispatcher(Dispatcher):
    def handle(self, request: Request) -> Response:
        defaulted = _asks_nothing(request)
        response = super().handle(_with_pyctuator_accept(request) if defaulted else request)
        return _with_charset(response) if defaulted else response

    async def handle_async(self, request: Request) -> Response:
        defaulted = _asks_nothing(request)
        response = await super().handle_async(_with_pyctuator_accept(request) if defaulted else request)
        return _with_charset(response) if defaulted else response


def _asks_nothing(request: Request) -> bool:
    accept = request.header("accept")
    return not accept.strip() or all(r.type == "*" for r in parse_accept(accept))


def _with_pyctuator_accept(request: Request) -> Request:
    return dataclasses.replace(request, headers={**request.headers, "accept": _DEFAULT_ACCEPT})


def _with_charset(response: Response) -> Response:
    response.headers = [
        (name, PYCTUATOR_MEDIA_TYPE if name.lower() == "content-type" and value == V2_JSON else value)
        for name, value in response.headers
    ]
    return response


class PyctuatorActuator(Actuator):
    @property
    def dispatcher(self) -> Dispatcher:
        if not isinstance(self._dispatcher, PyctuatorDispatcher):
            core = super().dispatcher
            policy = dataclasses.replace(core.policy, accept_missing_content_type=True)
            self._dispatcher = PyctuatorDispatcher(policy, core.endpoints)
        return self._dispatcher

    def use_pyctuator_sources(self) -> None:
        """Wrap the meters and exchanges the bridge attached (call once, after attaching it)."""
        sources = self.sources
        sources.meters = PyctuatorMeters(sources.meters)
        if sources.exchanges is not None:
            sources.exchanges = LowerCaseHeaders(sources.exchanges)


class PyctuatorMeters:
    """The bridge's meters, plus ``memory.rss`` (bytes) and ``thread.count`` as Pyctuator named them."""

    _ALIASES = ("memory.rss", "thread.count")

    def __init__(self, meters: Optional[MeterSource]) -> None:
        self.meters_source = meters

    def meter_names(self) -> Sequence[str]:
        names = list(self.meters_source.meter_names()) if self.meters_source is not None else []
        return [*names, *(a for a in self._ALIASES if a not in names)]

    def meters(self, name: str) -> Sequence[Meter]:
        if name == "memory.rss":
            import psutil

            rss = float(psutil.Process().memory_info().rss)
            return [Meter(name, {}, {"VALUE": rss}, "Resident set size of the process", "bytes")]
        if name == "thread.count":
            return [Meter(name, {}, {"VALUE": float(threading.active_count())}, "Live Python threads", None)]
        return self.meters_source.meters(name) if self.meters_source is not None else []


class LowerCaseHeaders:
    """Exchanges with header names as servers hand them over (lower case), as Pyctuator showed them."""

    def __init__(self, exchanges: ExchangeSource) -> None:
        self.source = exchanges

    def exchanges(self) -> list[Exchange]:
        return [
            dataclasses.replace(
                e,
                request_headers={k.lower(): v for k, v in e.request_headers.items()},
                response_headers={k.lower(): v for k, v in e.response_headers.items()},
            )
            for e in self.source.exchanges()
        ]
