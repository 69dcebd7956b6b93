from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest

from otel_actuator.actuator import Actuator
from otel_actuator.core.dispatcher import Dispatcher
from otel_actuator.core.http import Request, Response
from otel_actuator.endpoints import logfile
from otel_actuator.settings import Settings
from otel_actuator.sources import LogSource
from otel_actuator.sources.logs import LogTail

BASE = "http://127.0.0.1:8000/actuator"
SBA_ACCEPT = "text/plain, */*"
TEXT = "text/plain;charset=UTF-8"


def _dispatcher(logs: Optional[LogSource] = None, **settings: Any) -> tuple[Dispatcher, Actuator]:
    config = Settings(exposure_include=("*",), **settings)
    actuator = Actuator(config, logs=logs)
    return Dispatcher(config.http_policy(), logfile.create(actuator.sources, actuator.settings.logfile_path)), actuator


def _get(dispatcher: Dispatcher, range_header: Optional[str] = None, accept: str = SBA_ACCEPT) -> Response:
    headers = {"accept": accept}
    if range_header is not None:
        headers["range"] = range_header
    response = dispatcher.handle(Request("GET", "/logfile", BASE, headers=headers))
    if response.stream is not None:  # a file is streamed: gather it as a server would send it
        body = b"".join(response.stream.chunks)
        assert len(body) == response.content_length
        response = Response(response.status, body, response.headers)
    return response


def _tail(text: str, max_bytes: int = 1 << 20) -> LogTail:
    tail = LogTail(max_bytes)
    for line in text.splitlines():
        tail.append(line)
    return tail


LOG = "".join(f"line {n}\n" for n in range(10))  # 70 bytes


def test_no_range_is_200_with_everything() -> None:
    dispatcher, _ = _dispatcher(_tail(LOG))
    response = _get(dispatcher)
    assert response.status == 200
    assert response.body == LOG.encode()
    assert response.header("content-type") == TEXT
    assert response.header("accept-ranges") == "bytes"
    assert response.header("content-range") is None


@pytest.mark.parametrize(
    ("range_header", "content_range", "body"),
    [
        ("bytes=-307200", "bytes 0-69/70", LOG),  # SBA's first poll: more than there is
        ("bytes=-7", "bytes 63-69/70", "line 9\n"),
        ("bytes=69-", "bytes 69-69/70", "\n"),  # SBA's poll when nothing is new
        ("bytes=63-", "bytes 63-69/70", "line 9\n"),
        ("bytes=0-5", "bytes 0-5/70", "line 0"),
        ("bytes=63-1000", "bytes 63-69/70", "line 9\n"),
        ("Bytes = 0-0", "bytes 0-0/70", "l"),
        ("bytes=0-1,500-600", "bytes 0-1/70", "li"),  # unsatisfiable parts are left out
    ],
)
def test_satisfiable_ranges_are_206_with_exact_content_range(range_header: str, content_range: str, body: str) -> None:
    dispatcher, _ = _dispatcher(_tail(LOG))
    response = _get(dispatcher, range_header)
    assert response.status == 206
    assert response.header("content-range") == content_range
    assert response.header("accept-ranges") == "bytes"
    assert response.header("content-type") == TEXT
    assert response.body == body.encode()


@pytest.mark.parametrize(
    "range_header",
    [
        "bytes=70-",  # at the end
        "bytes=500-",  # the log shrank (rotation): SBA starts over
        "bytes=-0",
        "bytes=500-600",
        "bytes=5-1",  # malformed: Spring answers 416 too
        "bytes=abc",
        "bytes=1-x",
        "bytes=-",
        "bytes=",
        "items=0-5",
        "0-5",
        "bytes=" + ",".join(["0-1"] * 101),
    ],
)
def test_unsatisfiable_or_malformed_ranges_are_416(range_header: str) -> None:
    dispatcher, _ = _dispatcher(_tail(LOG))
    response = _get(dispatcher, range_header)
    assert response.status == 416
    assert response.header("content-range") == "bytes */70"
    assert response.body == b""


def test_empty_log_answers_200_empty_and_416_to_any_range() -> None:
    dispatcher, _ = _dispatcher(LogTail(100))
    assert _get(dispatcher).body == b""
    response = _get(dispatcher, "bytes=-307200")
    assert response.status == 416
    assert response.header("content-range") == "bytes */0"


def test_sba_tail_sees_only_new_bytes_while_the_log_grows() -> None:
    tail = _tail(LOG)
    dispatcher, _ = _dispatcher(tail)
    first = _get(dispatcher, "bytes=-307200")
    size = int(first.header("content-range").rsplit("/", 1)[1])  # type: ignore[union-attr]
    assert size == 70

    tail.append("line 10")
    poll = _get(dispatcher, f"bytes={size - 1}-")
    assert poll.status == 206
    assert poll.header("content-range") == "bytes 69-77/78"
    assert poll.body[1:] == b"line 10\n"  # SBA drops the byte it already had


def test_offsets_stay_valid_after_the_buffer_dropped_old_lines() -> None:
    tail = LogTail(20)
    for n in range(10):
        tail.append(f"line {n}")  # 7 bytes each; 14 kept of 70
    dispatcher, _ = _dispatcher(tail)
    assert tail.first_offset() == 56

    suffix = _get(dispatcher, "bytes=-307200")
    assert suffix.header("content-range") == "bytes 56-69/70"
    assert suffix.body == b"line 8\nline 9\n"

    poll = _get(dispatcher, "bytes=69-")
    assert poll.header("content-range") == "bytes 69-69/70"

    # A start below the first kept byte is clamped, and the Content-Range says where the body starts.
    clamped = _get(dispatcher, "bytes=10-")
    assert clamped.status == 206
    assert clamped.header("content-range") == "bytes 56-69/70"
    # A range that was dropped entirely cannot be served: SBA starts over.
    assert _get(dispatcher, "bytes=0-20").status == 416
    assert _get(dispatcher).body == b"line 8\nline 9\n"


def test_file_source_is_used_when_no_source_is_attached(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text(LOG)
    dispatcher, _ = _dispatcher(logfile_path=str(path))
    assert _get(dispatcher, "bytes=-7").body == b"line 9\n"

    path.write_text("new\n")  # truncated by rotation
    response = _get(dispatcher, "bytes=69-")
    assert response.status == 416
    assert response.header("content-range") == "bytes */4"
    assert _get(dispatcher, "bytes=-307200").body == b"new\n"


def test_deleted_file_is_an_empty_log(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text(LOG)
    dispatcher, _ = _dispatcher(logfile_path=str(path))
    path.unlink()
    assert _get(dispatcher).status == 200
    assert _get(dispatcher).body == b""
    assert _get(dispatcher, "bytes=-307200").status == 416


def test_attached_source_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("from file\n")
    dispatcher, _ = _dispatcher(_tail("from memory"), logfile_path=str(path))
    assert _get(dispatcher).body == b"from memory\n"


def test_without_any_source_the_endpoint_is_absent_until_one_is_attached() -> None:
    dispatcher, actuator = _dispatcher()
    assert _get(dispatcher).status == 404
    assert "logfile" not in dispatcher.exposed_ids()
    actuator.logs = _tail(LOG)
    assert "logfile" in dispatcher.exposed_ids()
    assert _get(dispatcher).status == 200


def test_only_text_is_produced() -> None:
    dispatcher, _ = _dispatcher(_tail(LOG))
    assert _get(dispatcher, accept="text/plain").status == 200
    assert _get(dispatcher, accept="application/json").status == 406


def test_head_has_the_headers_without_the_body() -> None:
    dispatcher, _ = _dispatcher(_tail(LOG))
    response = dispatcher.handle(Request("HEAD", "/logfile", BASE, headers={"range": "bytes=-7"}))
    assert response.status == 206
    assert response.header("content-range") == "bytes 63-69/70"
    assert response.body == b""


@pytest.mark.parametrize(
    ("header", "total", "span"),
    [
        ("bytes=0-", 1, (0, 0)),
        ("bytes=-1", 1, (0, 0)),
        ("bytes= 2 - 3 ", 10, (2, 3)),
        ("bytes=9-", 9, None),
        ("bytes=0-", 0, None),
    ],
)
def test_parse_ranges_of_one_span(header: str, total: int, span: Optional[tuple[int, int]]) -> None:
    assert logfile.parse_ranges(header, total) == (None if span is None else [span])


def test_several_ranges_are_kept_apart_in_the_order_asked() -> None:
    assert logfile.parse_ranges("bytes=5-6, 0-1", 10) == [(5, 6), (0, 1)]
    # Adding up to the whole log or more: refused, as Spring does (no amplification).
    assert logfile.parse_ranges("bytes=0-4,5-", 10) is None
    assert logfile.parse_ranges("bytes=0-8,0-8", 10) is None


def test_several_ranges_answer_multipart_byteranges() -> None:
    dispatcher, _ = _dispatcher(_tail(LOG))
    response = _get(dispatcher, "bytes=0-1, 63-68")
    assert response.status == 206
    content_type = response.header("content-type") or ""
    boundary = content_type.split("boundary=", 1)[1]
    assert content_type == f"multipart/byteranges; boundary={boundary}"
    assert (
        response.body
        == (
            f"--{boundary}\r\nContent-Type: {TEXT}\r\nContent-Range: bytes 0-1/70\r\n\r\nli\r\n"
            f"--{boundary}\r\nContent-Type: {TEXT}\r\nContent-Range: bytes 63-68/70\r\n\r\nline 9\r\n"
            f"--{boundary}--\r\n"
        ).encode()
    )
