"""Python runtime meters, as OpenTelemetry instruments on the meter ``otel_actuator.runtime``.

They are ordinary instruments, so OTLP users receive them too. Names follow Micrometer where Spring
Boot Admin looks for them (``process.uptime``, ``process.cpu.usage``, ``system.cpu.usage`` ...), plus
``python.*`` meters for what only Python has. Unless disabled, Python values are also published under
the ``jvm.*`` names SBA draws its Threads, Memory and GC panels from; every ``jvm.*`` description says
which Python value it carries.

Everything is read with psutil and the standard library through our own observable instruments,
rather than from opentelemetry-instrumentation-system-metrics: that package names its meters
differently, is optional, and keeps the parent's ``psutil.Process`` after a fork. Here the process
handle follows ``os.getpid()``, so a forked worker reports itself.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
import time
import weakref
from collections.abc import Iterable
from typing import Callable, NamedTuple, Optional

import psutil
from opentelemetry.metrics import CallbackOptions, Histogram, Meter, MeterProvider, Observation

from otel_actuator.bridge.gc_pauses import GcPauses

RUNTIME_SCOPE = "otel_actuator.runtime"

#: CPU usage is a rate: samples closer together than this reuse the previous value instead of a noisy one.
_MIN_CPU_INTERVAL = 1.0
_PAUSE_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

_HEAP_ID = "Python private memory"
_NONHEAP_ID = "Python shared memory"

# The instruments' callbacks keep each provider's meters alive exactly as long as the provider.
_installed: weakref.WeakSet[MeterProvider] = weakref.WeakSet()
_install_lock = threading.Lock()


def install_runtime_meters(meter_provider: MeterProvider, *, jvm_aliases: bool = True) -> None:
    """Register the runtime instruments on ``meter_provider``; a second call for the same provider does nothing."""
    with _install_lock:
        if meter_provider not in _installed:
            _RuntimeMeters(meter_provider.get_meter(RUNTIME_SCOPE), jvm_aliases)
            _installed.add(meter_provider)


class _CpuSample(NamedTuple):
    at: float
    busy: float
    total: float
    usage: float


class _Process:
    """psutil's view of the current process; re-created when the pid changes (after a fork)."""

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._process = psutil.Process(self._pid)
        self._process_cpu: Optional[_CpuSample] = None
        self._system_cpu: Optional[_CpuSample] = None
        self.peak_threads = 0

    @property
    def process(self) -> psutil.Process:
        pid = os.getpid()
        if pid != self._pid:
            self._pid = pid
            self._process = psutil.Process(pid)
            self._process_cpu = None
            self.peak_threads = 0
        return self._process

    def process_cpu_usage(self) -> float:
        """Share of all CPUs used by this process recently (0..1), as the JVM reports it."""
        process = self.process
        times = process.cpu_times()
        busy = times.user + times.system
        now = time.monotonic()
        cpus = psutil.cpu_count() or 1
        # The first reading has no previous sample: the average since the process started.
        elapsed = max(time.time() - process.create_time(), 1e-9)
        self._process_cpu = _next_sample(self._process_cpu, now, busy, elapsed * cpus)
        return self._process_cpu.usage

    def system_cpu_usage(self) -> float:
        """Share of all CPUs busy recently (0..1); the first reading is the average since boot."""
        times = psutil.cpu_times()
        total = float(sum(times))
        idle = times.idle + getattr(times, "iowait", 0.0)
        self._system_cpu = _next_sample(self._system_cpu, time.monotonic(), total - idle, total)
        return self._system_cpu.usage


def _next_sample(previous: Optional[_CpuSample], now: float, busy: float, total: float) -> _CpuSample:
    """``busy`` and ``total`` are cumulative CPU seconds; usage is their growth since the previous sample."""
    if previous is None:
        return _CpuSample(now, busy, total, _ratio(busy, total))
    if now - previous.at < _MIN_CPU_INTERVAL or total <= previous.total:
        return previous
    return _CpuSample(now, busy, total, _ratio(busy - previous.busy, total - previous.total))


def _ratio(part: float, whole: float) -> float:
    return min(max(part / whole, 0.0), 1.0) if whole > 0 else 0.0


class _RuntimeMeters:
    def __init__(self, meter: Meter, jvm_aliases: bool) -> None:
        self._probe = _Process()
        self._cpus = _available_cpus()
        self._memory_limit: Optional[int] = None
        self._pauses = GcPauses()
        self._pause_histograms: list[tuple[Histogram, Callable[[int, str], dict[str, str]]]] = []
        self._add_process_meters(meter)
        self._add_python_meters(meter)
        if jvm_aliases:
            self._add_jvm_meters(meter)
        # One real (and cheap) young collection, so the pause meters exist before the first automatic one.
        gc.collect(0)

    # -- process and system: Micrometer's names ------------------------------------------------

    def _add_process_meters(self, meter: Meter) -> None:
        gauge = meter.create_observable_gauge
        gauge("process.uptime", [self._uptime], "s", "The uptime of the Python process")
        gauge("process.start.time", [self._start_time], "s", "Start time of the process since unix epoch.")
        gauge("process.cpu.usage", [self._process_cpu], "1", 'The "recent cpu usage" of the Python process (0..1)')
        gauge("system.cpu.usage", [self._system_cpu], "1", 'The "recent cpu usage" of the system the process runs in')
        gauge("system.cpu.count", [self._cpu_count], "", "The number of processors available to the Python process")
        if hasattr(os, "getloadavg"):
            gauge("system.load.average.1m", [self._load_average], "1", "The system load average over the last minute")
        gauge("process.files.open", [self._files_open], "{files}", "The open file descriptor count")
        gauge("process.files.max", [self._files_max], "{files}", "The maximum file descriptor count")

    def _uptime(self, options: CallbackOptions) -> Iterable[Observation]:
        return _safely(lambda: [Observation(max(time.time() - self._probe.process.create_time(), 0.0))])

    def _start_time(self, options: CallbackOptions) -> Iterable[Observation]:
        return _safely(lambda: [Observation(self._probe.process.create_time())])

    def _process_cpu(self, options: CallbackOptions) -> Iterable[Observation]:
        return _safely(lambda: [Observation(self._probe.process_cpu_usage())])

    def _system_cpu(self, options: CallbackOptions) -> Iterable[Observation]:
        return _safely(lambda: [Observation(self._probe.system_cpu_usage())])

    def _cpu_count(self, options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(self._cpus)]

    def _load_average(self, options: CallbackOptions) -> Iterable[Observation]:
        return _safely(lambda: [Observation(os.getloadavg()[0])])

    def _files_open(self, options: CallbackOptions) -> Iterable[Observation]:
        process = self._probe.process
        if not hasattr(process, "num_fds"):  # Windows has handles, not file descriptors
            return []
        return _safely(lambda: [Observation(process.num_fds())])

    def _files_max(self, options: CallbackOptions) -> Iterable[Observation]:
        limit = _soft_limit("RLIMIT_NOFILE")
        return [Observation(limit)] if limit is not None else []

    # -- Python's own ------------------------------------------------------------------------------

    def _add_python_meters(self, meter: Meter) -> None:
        gauge, counter = meter.create_observable_gauge, meter.create_observable_counter
        gauge("python.memory.rss", [self._rss], "By", "Resident set size of the Python process")
        gauge("python.memory.vms", [self._vms], "By", "Virtual memory size of the Python process")
        gauge(
            "python.memory.allocated.blocks",
            [self._allocated_blocks],
            "{blocks}",
            "Memory blocks currently allocated by the Python interpreter (sys.getallocatedblocks())",
        )
        counter("python.gc.collections", [self._gc_collections], "{collections}", "Collections per gc generation")
        counter("python.gc.objects.collected", [self._gc_collected], "{objects}", "Objects collected per gc generation")
        counter(
            "python.gc.objects.uncollectable",
            [self._gc_uncollectable],
            "{objects}",
            "Objects found uncollectable per gc generation",
        )
        gauge("python.threads.live", [self._threads_live], "{threads}", "Live Python threads")
        gauge("python.threads.daemon", [self._threads_daemon], "{threads}", "Live daemon Python threads")
        gauge("python.threads.peak", [self._threads_peak], "{threads}", "Highest live thread count seen when collected")
        pauses = meter.create_histogram(
            "python.gc.pause",
            "s",
            "Pauses of Python's cyclic garbage collector",
            explicit_bucket_boundaries_advisory=_PAUSE_BUCKETS,
        )
        self._pause_histograms.append((pauses, lambda gen, cause: {"generation": str(gen), "cause": cause}))

    def _rss(self, options: CallbackOptions) -> Iterable[Observation]:
        return _safely(lambda: [Observation(self._probe.process.memory_info().rss)])

    def _vms(self, options: CallbackOptions) -> Iterable[Observation]:
        return _safely(lambda: [Observation(self._probe.process.memory_info().vms)])

    def _allocated_blocks(self, options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(sys.getallocatedblocks())]

    def _gc_collections(self, options: CallbackOptions) -> Iterable[Observation]:
        # Every collection runs this callback before reading the histograms: the safe place to record pauses.
        self._record_pauses()
        return _per_generation("collections")

    def _gc_collected(self, options: CallbackOptions) -> Iterable[Observation]:
        return _per_generation("collected")

    def _gc_uncollectable(self, options: CallbackOptions) -> Iterable[Observation]:
        return _per_generation("uncollectable")

    def _record_pauses(self) -> None:
        for generation, cause, seconds in self._pauses.drain():
            for histogram, tags in self._pause_histograms:
                histogram.record(seconds, tags(generation, cause))

    def _live_threads(self) -> int:
        live = threading.active_count()
        self._probe.peak_threads = max(self._probe.peak_threads, live)
        return live

    def _threads_live(self, options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(self._live_threads())]

    def _threads_daemon(self, options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(sum(1 for thread in threading.enumerate() if thread.daemon))]

    def _threads_peak(self, options: CallbackOptions) -> Iterable[Observation]:
        self._live_threads()
        return [Observation(self._probe.peak_threads)]

    # -- jvm.* aliases for Spring Boot Admin's panels ------------------------------------------------

    def _add_jvm_meters(self, meter: Meter) -> None:
        gauge = meter.create_observable_gauge
        gauge("jvm.threads.live", [self._threads_live], "{threads}", "Python: live threads (threading.active_count())")
        gauge("jvm.threads.daemon", [self._threads_daemon], "{threads}", "Python: live daemon threads")
        gauge(
            "jvm.threads.peak",
            [self._threads_peak],
            "{threads}",
            "Python: highest live thread count seen at a collection since the meters were installed",
        )
        gauge(
            "jvm.memory.used",
            [self._memory_used],
            "By",
            f"Python: area=heap is private resident memory (RSS minus shared pages, id '{_HEAP_ID}'), "
            f"area=nonheap is shared resident memory: interpreter, libraries (id '{_NONHEAP_ID}'; 0 if not reported)",
        )
        gauge(
            "jvm.memory.committed",
            [self._memory_used],
            "By",
            "Python: equal to jvm.memory.used, since resident memory is memory the system has committed",
        )
        gauge(
            "jvm.memory.max",
            [self._memory_max],
            "By",
            "Python: the memory limit (cgroup limit, RLIMIT_AS or physical memory, the lowest), which bounds "
            "both areas; no series when no limit is known",
        )
        pauses = meter.create_histogram(
            "jvm.gc.pause",
            "s",
            "Python: pauses of the cyclic garbage collector (gc=generation N; major = generation 2)",
            explicit_bucket_boundaries_advisory=_PAUSE_BUCKETS,
        )
        self._pause_histograms.append((pauses, _jvm_pause_tags))

    def _memory_used(self, options: CallbackOptions) -> Iterable[Observation]:
        def observe() -> list[Observation]:
            info = self._probe.process.memory_info()
            shared = min(getattr(info, "shared", 0), info.rss)
            return [
                Observation(info.rss - shared, {"area": "heap", "id": _HEAP_ID}),
                Observation(shared, {"area": "nonheap", "id": _NONHEAP_ID}),
            ]

        return _safely(observe)

    def _memory_max(self, options: CallbackOptions) -> Iterable[Observation]:
        # Shared pages count against the same limit as private ones, so it is nonheap's real bound too
        # (Java's -1 "undefined" shows in SBA as a negative size).
        if self._memory_limit is None:
            self._memory_limit = _memory_limit()
        if self._memory_limit < 0:
            return []
        return [
            Observation(self._memory_limit, {"area": "heap", "id": _HEAP_ID}),
            Observation(self._memory_limit, {"area": "nonheap", "id": _NONHEAP_ID}),
        ]


def _jvm_pause_tags(generation: int, cause: str) -> dict[str, str]:
    action = "end of major GC" if generation >= 2 else "end of minor GC"
    return {"gc": f"generation {generation}", "action": action, "cause": cause}


def _per_generation(key: str) -> list[Observation]:
    return [Observation(stats[key], {"generation": str(gen)}) for gen, stats in enumerate(gc.get_stats())]


def _safely(observe: Callable[[], list[Observation]]) -> list[Observation]:
    """psutil can fail (permissions, a vanished process): report nothing for that collection."""
    try:
        return observe()
    except (psutil.Error, OSError):
        return []


def _available_cpus() -> int:
    """Processors this process may run on (its affinity), as the JVM's availableProcessors counts them."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _soft_limit(name: str) -> Optional[int]:
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _ = resource.getrlimit(getattr(resource, name))
    return None if soft == resource.RLIM_INFINITY else soft


def _memory_limit() -> int:
    """The lowest of the cgroup memory limit, RLIMIT_AS and physical memory; -1 when none is known."""
    limits = [limit for limit in (_cgroup_memory_limit(), _soft_limit("RLIMIT_AS")) if limit is not None]
    with contextlib.suppress(psutil.Error, OSError):
        limits.append(psutil.virtual_memory().total)
    return min(limits) if limits else -1


def _cgroup_memory_limit() -> Optional[int]:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as limit_file:
                raw = limit_file.read().strip()
        except OSError:
            continue
        if raw.isdigit():
            return int(raw)  # cgroup v1 "unlimited" is a huge number; physical memory then wins the min()
    return None
