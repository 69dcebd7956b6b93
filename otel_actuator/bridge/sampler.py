"""A parent-based sampler that records every trace while traffic is low and at most N new ones a second under load.

Span recording is a large part of what OpenTelemetry costs a request, and the actuator reads spans only for
the HTTP exchanges view, which keeps the last ``OTEL_ACTUATOR_EXCHANGES_CAPACITY`` requests. A token bucket
in front of new traces bounds that cost: below ``OTEL_ACTUATOR_TRACES_PER_SECOND`` every request is recorded,
above it the exchanges are a sample of recent requests. Child spans follow their parent's decision, so a
trace is never recorded in part. Metrics are not affected: the instrumentations record the duration
histograms for every request, sampled or not.

Registered as the ``actuator_rate_limited`` entry point of ``opentelemetry_traces_sampler``
(``OTEL_TRACES_SAMPLER=actuator_rate_limited``); the zero-code hook makes it the default when the user
chose no sampler and the actuator is the only trace exporter.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Callable, Optional

from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Link, SpanKind
    from opentelemetry.trace.span import TraceState
    from opentelemetry.util.types import Attributes

#: The ``OTEL_TRACES_SAMPLER`` value that selects this sampler.
ENTRY_POINT_NAME = "actuator_rate_limited"

#: A dropped root span carries no attributes and no trace state, so one result serves every drop.
_DROP = SamplingResult(Decision.DROP)


class TokenBucket:
    """``rate`` tokens a second, at most ``ceil(rate)`` saved up (at least one for rates below 1).

    Thread-safe and O(1): one lock, a clock read and a little arithmetic per ``take``. ``clock`` returns
    seconds; tests pass a fake one.
    """

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate < 0 or math.isnan(rate):
            raise ValueError(f"rate must be a number >= 0, got {rate!r}")
        self.rate = rate
        self.capacity = float(math.ceil(rate))
        self._clock = clock
        self._tokens = self.capacity  # a start-up burst is recorded in full
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Spend one token if there is one."""
        with self._lock:
            now = self._clock()
            tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if tokens >= 1.0:
                self._tokens = tokens - 1.0
                return True
            self._tokens = tokens
            return False


class RateLimitedRootSampler(Sampler):
    """Samples a root span when the token bucket has a token; meant as ``ParentBased``'s root sampler.

    Requests below ``skip_path`` (the actuator's base path) are dropped without spending a token: the
    exchanges view leaves them out anyway, and Spring Boot Admin's polling would otherwise use up the
    budget meant for the application's own requests.
    """

    def __init__(self, bucket: TokenBucket, skip_path: Optional[str] = None) -> None:
        self.bucket = bucket
        self._skip = skip_path.rstrip("/") if skip_path and skip_path != "/" else None

    def should_sample(
        self,
        parent_context: Optional[Context],
        trace_id: int,
        name: str,
        kind: Optional[SpanKind] = None,
        attributes: Attributes = None,
        links: Optional[Sequence[Link]] = None,
        trace_state: Optional[TraceState] = None,
    ) -> SamplingResult:
        if self._skip is not None and attributes and self._skipped(attributes):
            return _DROP
        if self.bucket.take():
            # The span starts with the result's attributes: hand the instrumentation's on.
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)
        return _DROP

    def _skipped(self, attributes: Attributes) -> bool:
        assert attributes is not None and self._skip is not None
        # The server instrumentations start their span with the path: url.path (stable) or http.target (old).
        target = attributes.get("url.path") or attributes.get("http.target")
        if not isinstance(target, str) or not target.startswith(self._skip):
            return False
        rest = target[len(self._skip) :]
        return rest == "" or rest[0] in "/?"

    def get_description(self) -> str:
        return f"RateLimitedRootSampler{{{self.bucket.rate:g}/s}}"


def rate_limited_sampler(
    traces_per_second: float, clock: Callable[[], float] = time.monotonic, skip_path: Optional[str] = None
) -> Sampler:
    """Parent-based: children follow their parent, new traces are limited to ``traces_per_second``."""
    return ParentBased(RateLimitedRootSampler(TokenBucket(traces_per_second, clock), skip_path))


def sampler_from_environment(argument: Optional[str] = None) -> Sampler:
    """The entry point's factory: the rate is ``OTEL_ACTUATOR_TRACES_PER_SECOND`` (``OTEL_TRACES_SAMPLER_ARG``
    is not read, so that one setting names the rate whichever way the sampler was chosen)."""
    from otel_actuator.settings import Settings

    settings = Settings.from_env()
    skip = None if settings.exchanges_include_actuator else settings.base_path
    return rate_limited_sampler(settings.traces_per_second, skip_path=skip)


def install(tracer_provider: TracerProvider) -> None:
    """Make the rate-limited sampler the provider's, for every tracer created from now on.

    Under ``opentelemetry-instrument`` the SDK is configured before the ``opentelemetry_pre_instrument``
    hooks run, so setting ``OTEL_TRACES_SAMPLER`` there comes too late for this process. The provider hands
    its ``sampler`` attribute to each tracer it creates, and the instrumentations create theirs only after
    the hooks, so replacing it before them has the effect the variable would have had.
    """
    tracer_provider.sampler = sampler_from_environment()
