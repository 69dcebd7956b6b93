from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from otel_actuator.actuator import Actuator
from otel_actuator.boot import install_log_tail
from otel_actuator.settings import Settings
from otel_actuator.sources import LogSource
from otel_actuator.sources.logs import FileLogSource, LogTail, LogTailHandler


def _text(source: LogSource) -> str:
    return source.read(source.first_offset(), source.size() - 1).decode()


# ---- LogTail ------------------------------------------------------------------------------------


def test_tail_is_a_log_source() -> None:
    assert isinstance(LogTail(100), LogSource)
    assert isinstance(FileLogSource("/nonexistent"), LogSource)


def test_appends_are_lines_at_stable_offsets() -> None:
    tail = LogTail(1000)
    tail.append("first\n")
    tail.append("second")  # a missing newline is added
    assert tail.size() == 13
    assert tail.first_offset() == 0
    assert tail.read(0, 12) == b"first\nsecond\n"
    assert tail.read(6, 8) == b"sec"
    assert tail.read(10, 100) == b"nd\n"
    assert tail.read(13, 20) == b""


def test_empty_append_adds_nothing() -> None:
    tail = LogTail(10)
    tail.append("")
    assert tail.size() == 0
    assert tail.read(0, 10) == b""


def test_utf8_offsets_count_bytes() -> None:
    tail = LogTail(100)
    tail.append("é")
    assert tail.size() == 3
    assert tail.read(0, 1) == "é".encode()


def test_old_lines_are_dropped_whole_while_offsets_keep_growing() -> None:
    tail = LogTail(25)
    for n in range(10):
        tail.append(f"line {n:04d}")  # 10 bytes with the newline
    assert tail.size() == 100
    assert tail.first_offset() == 80
    assert _text(tail) == "line 0008\nline 0009\n"
    # A start below what is kept reads from the first kept byte; offsets of kept bytes do not move.
    assert tail.read(0, 84) == b"line "
    assert tail.read(90, 94) == b"line "
    assert tail.read(0, 79) == b""


def test_a_record_larger_than_the_buffer_keeps_its_end() -> None:
    tail = LogTail(8)
    tail.append("short")
    tail.append("0123456789abcdef")
    assert tail.size() == 6 + 8
    assert _text(tail) == "9abcdef\n"


def test_max_bytes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        LogTail(0)


def test_concurrent_appends_lose_no_line_and_keep_lines_whole() -> None:
    tail = LogTail(10_000_000)
    per_thread, threads = 500, 4

    def writer(n: int) -> None:
        for i in range(per_thread):
            tail.append(f"writer {n} line {i:04d}")

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    lines = _text(tail).splitlines()
    assert len(lines) == per_thread * threads
    assert all(line.startswith("writer ") and len(line) == len("writer 0 line 0000") for line in lines)


# ---- FileLogSource ------------------------------------------------------------------------------


def test_file_source_reads_byte_ranges(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"0123456789")
    source = FileLogSource(str(path))
    assert source.size() == 10
    assert source.first_offset() == 0
    assert source.read(2, 4) == b"234"
    assert source.read(8, 50) == b"89"
    with path.open("ab") as log:
        log.write(b"abc")
    assert source.size() == 13
    assert source.read(10, 12) == b"abc"


def test_deleted_file_is_empty_and_never_raises(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"data")
    source = FileLogSource(str(path))
    path.unlink()
    assert source.size() == 0
    assert source.read(0, 3) == b""


def test_rotated_file_shrinks(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"x" * 100)
    source = FileLogSource(str(path))
    path.rename(tmp_path / "app.log.1")
    path.write_bytes(b"new\n")
    assert source.size() == 4
    assert source.read(0, 99) == b"new\n"


def test_unreadable_path_is_empty(tmp_path: Path) -> None:
    source = FileLogSource(str(tmp_path))  # a directory
    assert source.read(0, 10) == b""


# ---- handler and installation -------------------------------------------------------------------


def test_handler_formats_records_into_the_tail() -> None:
    tail = LogTail(1000)
    logger = logging.getLogger("otel_actuator_test_logtail.handler")
    logger.propagate = False
    handler = LogTailHandler(tail, "%(levelname)s %(name)s: %(message)s")
    logger.addHandler(handler)
    try:
        logger.warning("disk at %d%%", 91)
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = _text(tail)
    assert text.startswith("WARN otel_actuator_test_logtail.handler: disk at 91%\nERROR ")  # Spring's level names
    assert "Traceback (most recent call last)" in text
    assert text.endswith("ValueError: boom\n")


@pytest.fixture
def clean_root() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    before = list(root.handlers)
    for handler in before:
        if isinstance(handler, LogTailHandler):
            root.removeHandler(handler)
    yield root
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in before:
        root.addHandler(handler)


def test_install_attaches_one_handler_and_shares_its_tail(clean_root: logging.Logger) -> None:
    first = Actuator(Settings(logfile_max_bytes=4096, logfile_pattern="%(message)s"))
    second = Actuator(Settings())
    tail = install_log_tail(first)
    assert tail is not None
    assert first.logs is tail
    assert install_log_tail(first) is tail
    assert install_log_tail(second) is tail
    assert sum(isinstance(h, LogTailHandler) for h in clean_root.handlers) == 1

    logging.getLogger("otel_actuator_test_logtail.install").warning("reached the tail")
    assert "reached the tail\n" in _text(tail)


def test_install_leaves_an_existing_source_or_log_file_alone(clean_root: logging.Logger, tmp_path: Path) -> None:
    existing = LogTail(10)
    with_source = Actuator(Settings(), logs=FileLogSource(str(tmp_path / "x.log")))
    with_file = Actuator(Settings(logfile_path=str(tmp_path / "app.log")))
    assert install_log_tail(with_source) is None
    assert install_log_tail(with_file) is None
    assert with_file.logs is None
    assert install_log_tail(Actuator(Settings(), logs=existing)) is existing
    assert not any(isinstance(h, LogTailHandler) for h in clean_root.handlers)
