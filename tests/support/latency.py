"""Latency of the application under a fault, as a ratio to a baseline measured in the same test.

Absolute times say nothing on a shared machine; a ratio of medians taken minutes apart, on the same
process and server, does. A fault that makes requests wait (for SBA, Redis, a database, a lock)
multiplies the median by hundreds; noise moves it by a small factor, hence the generous limit.
"""

from __future__ import annotations

import statistics
import time

import httpx

from tests.support.summary import table

#: A fault may slow the median request down at most this much. Requests blocked on a dependency with a
#: timeout of 0.5 s would be a hundred times slower than the millisecond a request takes here.
RATIO_LIMIT = 10.0
SAMPLES = 60

#: Every ratio measured in this session, by test, for the summary.
RATIOS = table("median latency under fault / baseline", "{:>6.2f}x")


def median_latency(client: httpx.Client, path: str = "/items/1", samples: int = SAMPLES) -> float:
    """Median seconds of ``samples`` sequential requests to ``path``, each of which must succeed."""
    client.get(path)  # a warm connection for the first sample too
    durations = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get(path)
        durations.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return statistics.median(durations)


def assert_unaffected(name: str, baseline: float, under_fault: float, limit: float = RATIO_LIMIT) -> float:
    ratio = under_fault / baseline
    RATIOS.set(name, ratio)
    assert ratio < limit, (
        f"{name}: median request took {under_fault * 1000:.2f} ms under the fault, "
        f"{baseline * 1000:.2f} ms before it ({ratio:.1f}x)"
    )
    return ratio
