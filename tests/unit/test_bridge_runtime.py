"""Python runtime meters: names SBA's panels look for, honest values, gc pauses, fork safety."""

from __future__ import annotations

import gc
import os
import threading

import pytest
from opentelemetry.sdk.metrics import MeterProvider

from otel_actuator.bridge import ActuatorMetricReader, install_runtime_meters
from otel_actuator.bridge.gc_pauses import ALLOCATION, EXPLICIT
from otel_actuator.bridge.runtime import _Process
from otel_actuator.endpoints.metrics import describe
from otel_actuator.settings import Settings

PANEL_NAMES = (
    "process.uptime",
    "process.start.time",
    "process.cpu.usage",
    "system.cpu.usage",
    "system.cpu.count",
    "process.files.open",
    "process.files.max",
    "jvm.threads.live",
    "jvm.threads.daemon",
    "jvm.threads.peak",
    "jvm.memory.used",
    "jvm.memory.committed",
    "jvm.memory.max",
    "jvm.gc.pause",
)
PYTHON_NAMES = (
    "python.memory.rss",
    "python.memory.vms",
    "python.memory.allocated.blocks",
    "python.gc.collections",
    "python.gc.objects.collected",
    "python.gc.objects.uncollectable",
    "python.gc.pause",
    "python.threads.live",
    "python.threads.daemon",
    "python.threads.peak",
)


def _installed(jvm_aliases: bool = True) -> tuple[MeterProvider, ActuatorMetricReader]:
    reader = ActuatorMetricReader(Settings(metrics_cache_ttl=0))
    provider = MeterProvider(metric_readers=[reader])
    install_runtime_meters(provider, jvm_aliases=jvm_aliases)
    return provider, reader


def _value(reader: ActuatorMetricReader, name: str, **tags: str) -> float:
    body = describe(name, reader.meters(name), list(tags.items()))
    assert body is not None, name
    return float(body["measurements"][0]["value"])


def test_every_panel_and_python_name_exists() -> None:
    _, reader = _installed()
    names = set(reader.meter_names())
    assert set(PANEL_NAMES) <= names
    assert set(PYTHON_NAMES) <= names
    if hasattr(os, "getloadavg"):
        assert "system.load.average.1m" in names


def test_jvm_aliases_can_be_left_out() -> None:
    _, reader = _installed(jvm_aliases=False)
    names = set(reader.meter_names())
    assert not {n for n in names if n.startswith("jvm.")}
    assert "process.uptime" in names and "python.threads.live" in names


def test_installing_twice_on_one_provider_registers_once() -> None:
    provider, reader = _installed()
    install_runtime_meters(provider)
    assert len(reader.meters("process.uptime")) == 1


def test_values_are_plausible() -> None:
    _, reader = _installed()
    assert _value(reader, "process.uptime") >= 0
    assert _value(reader, "process.start.time") > 1.5e9
    assert 0 <= _value(reader, "process.cpu.usage") <= 1
    assert 0 <= _value(reader, "system.cpu.usage") <= 1
    assert _value(reader, "system.cpu.count") >= 1
    assert _value(reader, "process.files.open") >= 3
    assert _value(reader, "jvm.threads.live") == threading.active_count()
    assert _value(reader, "jvm.threads.peak") >= _value(reader, "jvm.threads.live")
    assert _value(reader, "jvm.memory.used", area="heap") > 0
    assert _value(reader, "jvm.memory.used", area="nonheap") >= 0
    assert _value(reader, "jvm.memory.max", area="heap") > 0
    assert _value(reader, "jvm.memory.max", area="nonheap") == _value(reader, "jvm.memory.max", area="heap")


def test_memory_panel_queries_answer_with_tag_arrays() -> None:
    _, reader = _installed()
    for area in ("heap", "nonheap"):
        for name in ("jvm.memory.used", "jvm.memory.committed", "jvm.memory.max"):
            body = describe(name, reader.meters(name), [("area", area), ("area", area)])
            assert body is not None and body["baseUnit"] == "bytes"
            assert [t["tag"] for t in body["availableTags"]] == ["id"]
            assert "Python" in (body["description"] or "")


def test_gc_pauses_are_timed_per_generation() -> None:
    _, reader = _installed()
    explicit_full = [("gc", "generation 2"), ("cause", EXPLICIT)]
    before = describe("jvm.gc.pause", reader.meters("jvm.gc.pause"), explicit_full)
    count_before = 0.0 if before is None else before["measurements"][0]["value"]

    gc.collect()
    gc.collect()

    body = describe("jvm.gc.pause", reader.meters("jvm.gc.pause"), explicit_full)
    assert body is not None
    stats = {m["statistic"]: m["value"] for m in body["measurements"]}
    assert stats["COUNT"] == count_before + 2
    assert 0 < stats["MAX"] <= stats["TOTAL_TIME"]
    tags = {t["tag"]: t["values"] for t in body["availableTags"]}
    assert tags["action"] == ["end of major GC"]
    python = describe("python.gc.pause", reader.meters("python.gc.pause"), [("generation", "2"), ("cause", EXPLICIT)])
    assert python is not None and python["measurements"][0]["value"] == stats["COUNT"]


def test_automatic_collections_are_told_from_explicit_ones() -> None:
    _, reader = _installed()
    # Far beyond generation 0's threshold of container allocations.
    garbage: list[list[object]] = [[] for _ in range(20_000)]
    del garbage
    body = describe("jvm.gc.pause", reader.meters("jvm.gc.pause"), [("cause", ALLOCATION)])
    assert body is not None and body["measurements"][0]["value"] >= 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_process_handle_follows_a_fork() -> None:
    probe = _Process()
    assert probe.process.pid == os.getpid()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        os.write(write_end, str(probe.process.pid).encode())
        os._exit(0)
    os.close(write_end)
    reported = int(os.read(read_end, 64).decode())
    os.close(read_end)
    os.waitpid(child, 0)
    assert reported == child
