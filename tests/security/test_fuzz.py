"""Property tests: hostile input on every endpoint gets a well-formed 2xx/3xx/4xx, never a 5xx, and the
actuator and the application keep serving.

Inputs: paths (unicode, lone surrogates, %-encodings good and broken, dot segments, very long, hundreds
of segments), query parameters (``tag=``, ``pattern=`` regular expressions including catastrophic ones),
Accept, Range (absurd, huge, negative, many), Content-Type, Authorization, Origin, bodies (random bytes,
deeply nested JSON, huge numbers, non-object JSON) and methods.

The volume runs against the dispatcher directly (an actuator fed by a real OpenTelemetry bridge); a
smaller share goes over real sockets to uvicorn (FastAPI) and werkzeug (Flask). Every run is
derandomized, so a failure reproduces; the number of cases run is printed at the end of the session.

A catastrophic regular expression would hold the GIL for hours, so no assertion could ever fail: a
faulthandler watchdog (it needs no GIL) ends the run with every thread's stack instead of a silent hang.
"""

from __future__ import annotations

import base64
import faulthandler
import json
import logging
import re
import string
from collections.abc import Iterator, Mapping
from typing import Any, Optional
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tests.support.apps as apps
from otel_actuator import Actuator, Settings
from otel_actuator.core.http import REASONS, Request, Response
from otel_actuator.health import CompositeHealth, Health
from tests.support.requests import BASE, json_of
from tests.support.summary import table

pytestmark = [
    # Some inputs are deliberately huge (20 kB path segments); their repr in Hypothesis' notes is not the point.
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
    # The served application's OpenTelemetry SDK draws trace ids from `random` while an example runs.
    pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies"),
]

#: Cases run per property, by name, for the session summary.
CASES = table("fuzz cases", "{:>7.0f}", total=True)

USER, PASSWORD = "ops", "fuzz-password"
GOOD_AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
ALLOWED_ORIGIN = "https://admin.example.org"
JSON_CONTENT_TYPES = (
    "application/json",
    "application/vnd.spring-boot.actuator.v3+json",
    "application/vnd.spring-boot.actuator.v2+json",
)
CONTENT_RANGE_206 = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
CONTENT_RANGE_416 = re.compile(r"bytes \*/(\d+)")

_FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

ENDPOINT_PATHS = (
    "",
    "/",
    "/health",
    "/health/ping",
    "/health/liveness",
    "/health/readiness/ping",
    "/health/broker",
    "/health/broker/us1",
    "/info",
    "/env",
    "/env/PATH",
    "/env/python.version",
    "/loggers",
    "/loggers/ROOT",
    "/loggers/fuzz.target",
    "/logfile",
    "/threaddump",
    "/metrics",
    "/metrics/process.uptime",
    "/metrics/http.server.requests",
    "/prometheus",
    "/httpexchanges",
    "/httptrace",
    "/mappings",
    "/shutdown",
    "/heapdump",
)
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
MEDIA_TYPES = (
    "application/vnd.spring-boot.actuator.v3+json",
    "application/vnd.spring-boot.actuator.v2+json",
    "application/vnd.spring-boot.actuator.v1+json",
    "application/json",
    "application/*",
    "text/plain",
    "text/*",
    "text/html",
    "application/openmetrics-text",
    "application/openmetrics-text; version=1.0.0",
    "*/*",
    "*",
    "/",
    "a/b/c",
    "image/png",
)
CATASTROPHIC_PATTERNS = (
    r"^(a+)+$",
    r"^([A-Z_]+)+[a-z]$",
    r"(a|a)*b",
    r"(\w*)*x",
    r"(.*a){20}",
    r"(x+x+)+y",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r"(\d+)*\D",
    r"(?=(A+)+)!",
    r"^(?:[A-Z]+_?)*[a-z]",
    "A?" * 30 + "A" * 30,
    "[A-Z_]*" * 12 + "!",
    ".*" * 10 + "=",
    r"(A|AB|ABC|ABCD)*Z",
    r"(?P<x>A+)(?P=x)+!",
)


def fuzz(examples: int) -> settings:
    return settings(_FUZZ, max_examples=examples)


# -- strategies ---------------------------------------------------------------------------------------

surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
percent_escapes = st.lists(
    st.one_of(
        st.integers(0, 255).map(lambda b: f"%{b:02X}"),
        st.integers(0, 255).map(lambda b: f"%{b:02x}"),
        st.sampled_from(["%", "%%", "%z", "%zz", "%2", "%G0", "%u0041", "%C0%AE", "%E2%80%AE", "%EF%BF%BF"]),
    ),
    min_size=1,
    max_size=8,
).map("".join)
segment = st.one_of(
    st.text(max_size=20),
    st.text(string.ascii_letters + string.digits + "._-~:@!$&'()*+,;=", max_size=30),
    percent_escapes,
    surrogates,
    st.sampled_from(["..", ".", "%2e%2e", "%2E", "%2F", "%2f..", "%00", "~", "ROOT", "ping", "PATH", "*", "{name}"]),
    st.integers(1000, 20000).map(lambda n: "a" * n),
)
paths = st.one_of(
    st.sampled_from(ENDPOINT_PATHS),
    st.tuples(st.sampled_from(ENDPOINT_PATHS), st.lists(segment, min_size=1, max_size=6)).map(
        lambda parts: parts[0] + "/" + "/".join(parts[1])
    ),
    st.tuples(st.sampled_from(ENDPOINT_PATHS), st.integers(50, 400)).map(lambda p: p[0] + "/x" * p[1]),
    st.lists(segment, max_size=5).map(lambda parts: "/" + "/".join(parts)),
    st.text(max_size=60),
)
methods = st.one_of(st.sampled_from(METHODS), st.sampled_from(METHODS).map(str.lower), st.text(max_size=8))

quality = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["0", "1", "0.5", "1.0", "-1", "2", "1e999", "nan", "abc", "", "0.0001"]),
)
media_range = st.tuples(
    st.one_of(st.sampled_from(MEDIA_TYPES), st.text(max_size=30)),
    st.lists(st.one_of(quality.map(lambda q: f"q={q}"), st.text(max_size=15)), max_size=3),
).map(lambda m: ";".join([m[0], *m[1]]))
accepts = st.one_of(
    st.none(),
    st.sampled_from(MEDIA_TYPES),
    st.lists(media_range, min_size=1, max_size=8).map(", ".join),
    st.text(max_size=80),
)

offsets = st.one_of(
    st.integers(0, 3000),
    st.integers(-(10**30), 10**30),
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.integers(1, 40).map(lambda n: "0" * n + "7"),
    st.sampled_from(["", "-", " ", "+1", "0x10", "1.5", "١٢", "1e3"]),
)
range_spec = st.one_of(
    st.tuples(offsets, offsets).map(lambda r: f"{r[0]}-{r[1]}"),
    offsets.map(lambda o: f"{o}-"),
    offsets.map(lambda o: f"-{o}"),
    st.text(max_size=12),
)
ranges = st.one_of(
    st.none(),
    st.lists(range_spec, min_size=1, max_size=4).map(lambda specs: "bytes=" + ",".join(specs)),
    st.integers(90, 300).map(lambda n: "bytes=" + ",".join(["0-1"] * n)),
    st.tuples(st.sampled_from(["bytes", "BYTES", "lines", "", "bytes ", "items"]), range_spec).map("=".join),
    st.text(max_size=40),
)

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=20),
        st.sampled_from(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF", "debug", "LOUD"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=3000),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"configuredLevel": json_values}).map(lambda v: json.dumps(v).encode()),
    st.integers(1, 150_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 2000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(1, 20_000).map(lambda n: b'{"configuredLevel": ' + b"9" * n + b"}"),
    st.sampled_from([b"1e999999", b"-0", b"NaN", b"Infinity", b'"DEBUG"', b"null", b"[]", b"\xff\xfe{}", b"\x00" * 64]),
)
content_types = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/JSON",
            "application/vnd.spring-boot.actuator.v3+json",
            "application/vnd.spring-boot.actuator.v2+json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            ";",
            "",
        ]
    ),
    st.text(max_size=40),
)
authorizations = st.one_of(
    st.none(),
    st.just(GOOD_AUTH),
    st.text(max_size=40).map(lambda t: "Basic " + t),
    st.binary(max_size=40).map(lambda b: "Basic " + base64.b64encode(b).decode()),
    st.sampled_from(["Basic", "Basic ", "basic " + GOOD_AUTH[6:], GOOD_AUTH + "=", "Bearer x", GOOD_AUTH.lower()]),
    st.text(max_size=40),
)
origins = st.one_of(
    st.none(), st.sampled_from([ALLOWED_ORIGIN, "*", "null", "https://evil.example", ""]), st.text(max_size=30)
)

regex_atoms = st.sampled_from(
    ["A", "a", "_", ".", "\\w", "\\d", "[A-Z_]", "[^x]", "(?:A)", "(A_)", "^", "$", "\\b", "\\1"]
)
regex_quantifiers = st.sampled_from(["", "", "*", "+", "?", "{2}", "{0,9}", "{1,99999}", "*?", "+?", "*+", "{,3}"])
regexes = st.recursive(
    st.tuples(regex_atoms, regex_quantifiers).map("".join),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=5).map("".join),
        st.tuples(inner, regex_quantifiers).map(lambda p: f"({p[0]}){p[1]}"),
        st.tuples(inner, inner).map(lambda p: f"(?:{p[0]}|{p[1]})"),
        inner.map(lambda p: f"(?={p})"),
        inner.map(lambda p: f"(?i){p}"),
    ),
    max_leaves=10,
)
patterns = st.one_of(
    st.sampled_from(CATASTROPHIC_PATTERNS),
    regexes,
    st.text(max_size=40),
    st.integers(250, 400).map(lambda n: "a" * n),
    st.sampled_from(
        ["^OTEL_", "(?i)path", ".*_HEADERS$", "^(PATH|HOME)$", "(", "[", "\\", "*", "(?P<", "a{99999999999}"]
    ),
)
tags = st.one_of(
    st.text(max_size=30),
    st.tuples(st.text(max_size=10), st.text(max_size=10)).map(":".join),
    st.sampled_from(["method:GET", "uri:/items/{item_id}", "status:200", "area:heap", "id:x", ":", "::", "a:b:c"]),
)
query_items = st.lists(
    st.one_of(
        st.tuples(st.just("tag"), tags),
        st.tuples(st.just("pattern"), patterns),
        st.tuples(st.text(max_size=10), st.text(max_size=20)),
    ),
    max_size=4,
).map(tuple)


# -- the actuator under test -------------------------------------------------------------------------


def _prime(actuator: Actuator, telemetry: apps.Telemetry) -> None:
    """Something in every store: exchanges, an HTTP timer, log lines, nested health components."""
    from opentelemetry.trace import SpanKind

    tracer = telemetry.tracer_provider.get_tracer("opentelemetry.instrumentation.asgi")
    meter = telemetry.meter_provider.get_meter("opentelemetry.instrumentation.asgi")
    duration = meter.create_histogram("http.server.request.duration", unit="s")
    for status in (200, 404, 500):
        attributes = {
            "http.request.method": "GET",
            "url.path": "/items/1",
            "url.query": "token=hidden",
            "url.scheme": "http",
            "http.route": "/items/{item_id}",
            "http.response.status_code": status,
            "server.address": "127.0.0.1",
            "server.port": 8080,
        }
        with tracer.start_as_current_span("GET /items/{item_id}", kind=SpanKind.SERVER, attributes=attributes):
            pass
        duration.record(0.01, {k: v for k, v in attributes.items() if k != "url.query"})
    assert telemetry.bridge.log_tail is not None
    actuator.logs = telemetry.bridge.log_tail
    for n in range(50):
        actuator.logs.append(f"2026-01-01 00:00:{n:02d}.000  INFO 1 --- [main] fuzz : line {n} ünïcødé ✓")
    actuator.health.register("broker", CompositeHealth({"us1": lambda: Health.up(), "eu1": lambda: True}))
    actuator.health.add_group("custom", ["ping", "broker"])


@pytest.fixture(scope="module")
def actuators() -> Iterator[dict[str, Actuator]]:
    """An open actuator and one behind Basic auth, both with every endpoint fed."""
    made: dict[str, Actuator] = {}
    telemetries = []
    for name, extra in (
        ("open", {}),
        (
            "auth",
            {"username": USER, "password": PASSWORD, "health_show_details": "when-authorized", "max_body_bytes": 4096},
        ),
    ):
        values: dict[str, Any] = {
            "exposure_include": ("*",),
            "health_show_details": "always",
            "env_show_values": "when-authorized",
            "cors_allowed_origins": (ALLOWED_ORIGIN,),
            "exchanges_include_actuator": True,
            "logger_groups": {"fuzzgroup": ("fuzz.a", "fuzz.b")},
        }
        values.update(extra)
        actuator, telemetry = apps.bridged_actuator(Settings(**values))
        _prime(actuator, telemetry)
        made[name] = actuator
        telemetries.append(telemetry)
    yield made
    for telemetry in telemetries:
        telemetry.shutdown()


@pytest.fixture(scope="module", autouse=True)
def restored_logging() -> Iterator[None]:
    """Writes to loggers are part of the fuzz: put every level back and forget the loggers it created."""
    manager = logging.Logger.manager
    before = set(manager.loggerDict)
    levels = {
        name: entry.level for name, entry in manager.loggerDict.copy().items() if isinstance(entry, logging.Logger)
    }
    root_level = logging.getLogger().level
    yield
    for name in set(manager.loggerDict) - before:
        manager.loggerDict.pop(name, None)
    for name, level in levels.items():
        entry = manager.loggerDict.get(name)
        if isinstance(entry, logging.Logger):
            entry.setLevel(level)
    logging.getLogger().setLevel(root_level)


@pytest.fixture(scope="module", autouse=True)
def watchdog() -> Iterator[None]:
    """Ends the process with every stack if the module hangs (e.g. a regular expression holding the GIL)."""
    faulthandler.dump_traceback_later(600, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def build_request(
    method: str,
    path: str,
    *,
    query: tuple[tuple[str, str], ...] = (),
    accept: Optional[str] = None,
    range_header: Optional[str] = None,
    content_type: Optional[str] = None,
    authorization: Optional[str] = None,
    origin: Optional[str] = None,
    body: bytes = b"",
    extra: Optional[Mapping[str, str]] = None,
) -> Request:
    headers = dict(extra or {})
    for name, value in (
        ("accept", accept),
        ("range", range_header),
        ("content-type", content_type),
        ("authorization", authorization),
        ("origin", origin),
    ):
        if value is not None:
            headers[name] = value
    return Request(method, path, BASE, query=query, headers=headers, body=body, remote_addr="127.0.0.1")


def check(response: Response, method: str, *, actuator_made: bool = True) -> None:
    """A well-formed answer: no 5xx, JSON that parses, byte ranges that add up, headers safe to send.

    Over sockets the server itself may answer (a redirect, a 400 for a request line it cannot parse):
    then only what holds for any answer is checked.
    """
    assert response.status < 500, (response.status, response.body[:500])
    if actuator_made:
        assert response.status in REASONS
    content_type = (response.header("content-type") or "").split(";")[0].strip()
    for name, value in response.headers:
        assert "\r" not in value and "\n" not in value, (name, value)
        value.encode("latin-1")
    if method.upper() == "HEAD":
        assert response.body == b""
    elif response.body and content_type in JSON_CONTENT_TYPES:
        payload = json.loads(response.body)
        if response.status >= 400 and actuator_made:
            assert payload["status"] == response.status
            assert payload["message"]
    if response.status == 206 and content_type == "multipart/byteranges":
        check_byteranges(response, method)
    elif response.status == 206:
        match = CONTENT_RANGE_206.fullmatch(response.header("content-range") or "")
        assert match, response.header("content-range")
        start, end, total = (int(g) for g in match.groups())
        assert start <= end < total
        if method.upper() != "HEAD":
            assert len(response.body) == end - start + 1
    if response.status == 416:
        assert CONTENT_RANGE_416.fullmatch(response.header("content-range") or ""), response.header("content-range")
    if response.header("access-control-allow-origin") is not None:
        assert response.header("access-control-allow-origin") == ALLOWED_ORIGIN


def check_byteranges(response: Response, method: str) -> None:
    """Several ranges: one part per range, each with a Content-Range its bytes add up to."""
    boundary = (response.header("content-type") or "").split("boundary=", 1)[1]
    if method.upper() == "HEAD":
        return
    body = response.body
    assert body.endswith(f"--{boundary}--\r\n".encode())
    parts = body[: -len(f"--{boundary}--\r\n")].split(f"--{boundary}\r\n".encode())
    assert parts[0] == b"" and len(parts) > 2
    for part in parts[1:]:
        head, _, data = part.partition(b"\r\n\r\n")
        ranges = [line for line in head.split(b"\r\n") if line.startswith(b"Content-Range: ")]
        match = CONTENT_RANGE_206.fullmatch(ranges[0][len(b"Content-Range: ") :].decode())
        assert match, head
        start, end, total = (int(g) for g in match.groups())
        assert start <= end < total
        assert data.endswith(b"\r\n") and len(data) - 2 == end - start + 1


def run(actuator: Actuator, request: Request, name: str) -> Response:
    CASES.add(name)
    response = actuator.dispatcher.handle(request)
    check(response, request.method)
    return response


def still_serving(actuator: Actuator) -> None:
    response = actuator.dispatcher.handle(build_request("GET", "/health", authorization=GOOD_AUTH))
    assert json_of(response)["status"] == "UP"


def at_least(name: str, target: int) -> None:
    """Hypothesis may stop early when a strategy runs out of new inputs; it must not have here."""
    assert CASES.get(name) >= target * 0.9, (name, CASES.get(name), target)


# -- properties over the dispatcher ------------------------------------------------------------------


def test_any_request_gets_a_well_formed_answer(actuators: dict[str, Actuator]) -> None:
    @fuzz(3500)
    @given(
        which=st.sampled_from(["open", "auth"]),
        method=methods,
        path=paths,
        query=query_items,
        accept=accepts,
        range_header=ranges,
        content_type=content_types,
        authorization=authorizations,
        origin=origins,
        body=bodies,
    )
    def any_request(which: str, method: str, path: str, **parts: Any) -> None:
        run(actuators[which], build_request(method, path, **parts), "dispatcher: any request")

    any_request()
    at_least("dispatcher: any request", 3500)
    for actuator in actuators.values():
        still_serving(actuator)


def test_logfile_ranges(actuators: dict[str, Actuator]) -> None:
    @fuzz(1500)
    @given(
        range_header=ranges,
        method=st.sampled_from(["GET", "HEAD"]),
        accept=st.sampled_from([None, "text/plain", "*/*"]),
    )
    def logfile(range_header: Optional[str], method: str, accept: Optional[str]) -> None:
        response = run(
            actuators["open"],
            build_request(method, "/logfile", range_header=range_header, accept=accept),
            "dispatcher: logfile ranges",
        )
        assert response.status in (200, 206, 416)
        if range_header is None:
            assert response.status == 200

    logfile()
    at_least("dispatcher: logfile ranges", 1500)
    still_serving(actuators["open"])


def test_env_patterns_never_hang_and_never_fail(actuators: dict[str, Actuator]) -> None:
    @fuzz(1500)
    @given(pattern=patterns, accept=st.sampled_from([None, "application/vnd.spring-boot.actuator.v2+json"]))
    def env(pattern: str, accept: Optional[str]) -> None:
        request = build_request("GET", "/env", query=(("pattern", pattern),), accept=accept, authorization=GOOD_AUTH)
        response = run(actuators["auth"], request, "dispatcher: env patterns")
        assert response.status in (200, 400)
        if response.status == 200:
            for source in json.loads(response.body)["propertySources"]:
                assert all(re.search(pattern, key) for key in source["properties"])

    env()
    at_least("dispatcher: env patterns", 1500)
    for pattern in CATASTROPHIC_PATTERNS:
        request = build_request("GET", "/env", query=(("pattern", pattern),), authorization=GOOD_AUTH)
        response = actuators["auth"].dispatcher.handle(request)
        assert response.status == 400, pattern
        assert "pattern" in json_of(response, 400)["message"]
    still_serving(actuators["auth"])


def test_metric_names_and_tags(actuators: dict[str, Actuator]) -> None:
    names = json_of(actuators["open"].dispatcher.handle(build_request("GET", "/metrics")))["names"]

    @fuzz(1000)
    @given(
        name=st.one_of(st.sampled_from(names), segment, st.text(max_size=30)),
        query=st.lists(st.tuples(st.just("tag"), tags), max_size=5).map(tuple),
        accept=accepts,
    )
    def metric(name: str, query: tuple[tuple[str, str], ...], accept: Optional[str]) -> None:
        path = "/metrics/" + quote(name, safe="", errors="replace")
        response = run(actuators["open"], build_request("GET", path, query=query, accept=accept), "dispatcher: metrics")
        assert response.status in (200, 400, 404, 406)

    metric()
    at_least("dispatcher: metrics", 1000)


def test_logger_writes(actuators: dict[str, Actuator]) -> None:
    @fuzz(1500)
    @given(
        name=st.one_of(
            st.sampled_from(["ROOT", "root", "fuzz.target", "fuzzgroup", "fuzz.a", "otel_actuator.fuzz"]),
            st.text(max_size=40).map(lambda t: "fuzz." + t),
            segment.map(lambda s: "fuzz." + s),
        ),
        body=bodies,
        content_type=content_types,
        method=st.sampled_from(["POST", "GET", "HEAD", "PUT", "DELETE", "OPTIONS"]),
    )
    def loggers(name: str, body: bytes, content_type: Optional[str], method: str) -> None:
        path = "/loggers/" + quote(name, safe="", errors="replace")
        request = build_request(method, path, body=body, content_type=content_type)
        response = run(actuators["open"], request, "dispatcher: logger writes")
        if method == "POST":
            assert response.status in (204, 400, 413, 415)

    loggers()
    at_least("dispatcher: logger writes", 1500)
    still_serving(actuators["open"])


def test_health_paths(actuators: dict[str, Actuator]) -> None:
    @fuzz(800)
    @given(
        which=st.sampled_from(["open", "auth"]),
        parts=st.lists(
            st.one_of(
                st.sampled_from(["ping", "broker", "us1", "eu1", "liveness", "readiness", "custom", "diskSpace"]),
                segment,
            ),
            max_size=5,
        ),
        accept=accepts,
        authorization=authorizations,
    )
    def health(which: str, parts: list[str], accept: Optional[str], authorization: Optional[str]) -> None:
        path = "/health/" + "/".join(quote(p, safe="", errors="replace") for p in parts)
        request = build_request("GET", path, accept=accept, authorization=authorization)
        response = run(actuators[which], request, "dispatcher: health paths")
        assert response.status in (200, 404, 406, 503)

    health()
    at_least("dispatcher: health paths", 800)


# -- a smaller share over real sockets ---------------------------------------------------------------

printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60)
wire_paths = st.one_of(
    st.sampled_from(ENDPOINT_PATHS),
    st.tuples(
        st.sampled_from(ENDPOINT_PATHS),
        st.lists(st.one_of(percent_escapes, st.text(max_size=15)), min_size=1, max_size=4),
    ).map(lambda p: p[0] + "/" + "/".join(quote(part, safe="%", errors="replace") for part in p[1])),
)


@pytest.fixture(scope="module", params=apps.FRAMEWORKS)
def wire(request: pytest.FixtureRequest) -> Iterator[tuple[str, httpx.Client]]:
    config = Settings(exposure_include=("*",), health_show_details="always", cors_allowed_origins=(ALLOWED_ORIGIN,))
    with apps.served(str(request.param), config) as (url, _), httpx.Client(base_url=url, timeout=30) as client:
        yield str(request.param), client


def test_over_real_sockets(wire: tuple[str, httpx.Client]) -> None:
    framework, client = wire
    name = f"{'uvicorn' if framework == 'fastapi' else 'werkzeug'}: any request"

    @fuzz(500)
    @given(
        method=st.sampled_from(METHODS[:7]),
        path=wire_paths,
        query=query_items,
        accept=st.one_of(st.none(), st.sampled_from(MEDIA_TYPES), printable),
        range_header=st.one_of(st.none(), ranges.filter(lambda r: r is None or (r.isprintable() and r.isascii()))),
        content_type=st.one_of(st.none(), st.sampled_from(["application/json", "text/plain", ""]), printable),
        origin=st.one_of(st.none(), st.sampled_from([ALLOWED_ORIGIN, "*", "https://evil.example"])),
        body=st.one_of(st.just(b""), st.binary(max_size=2000), bodies.filter(lambda b: len(b) < 200_000)),
    )
    def over_http(
        method: str, path: str, query: tuple[tuple[str, str], ...], body: bytes, **parts: Optional[str]
    ) -> None:
        CASES.add(name)
        # Bytes go out as they are: latin-1 header values are legal on the wire, though httpx takes only ASCII
        # text; h11 refuses values with surrounding whitespace, which no server would ever see.
        names = {"range_header": "Range", "content_type": "Content-Type"}
        headers = {
            names.get(key, key.capitalize()).encode(): value.strip(" \t").encode("latin-1")
            for key, value in parts.items()
            if value is not None
        }
        response = client.request(method, "/actuator" + path, params=list(query), headers=headers, content=body or None)
        assert response.status_code < 500, (method, path, response.status_code, response.text[:300])
        check(_as_response(response), method, actuator_made=False)
        assert client.get("/items/7").json() == {"id": 7}

    over_http()
    at_least(name, 500)
    assert client.get("/actuator/health").json()["status"] == "UP"


def _as_response(response: httpx.Response) -> Response:
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("date", "server", "connection")]
    return Response(response.status_code, response.content, headers)
