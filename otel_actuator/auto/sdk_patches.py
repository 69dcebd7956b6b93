"""Every use of a private name of the OpenTelemetry SDK or of a contrib instrumentation, in one module.

The SDK and the instrumentations offer no public way to do these few things, so they reach into
private attributes. Each function looks its names up defensively: where a release moved or renamed one,
it falls back to the SDK's default behaviour and logs once, at INFO, which name is missing in which
version. ``tests/unit/test_sdk_patches.py`` checks every name on the installed versions and fails,
naming the attribute and the version, when one moves. Callers decide when to patch
(``otel_actuator.auto.hooks`` for the zero-code wiring); this module only knows how.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from importlib import metadata
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import ExemplarFilter, MeterProvider
    from opentelemetry.sdk.metrics.export import MetricReader
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

_logger = logging.getLogger("otel_actuator")

SDK = "opentelemetry-sdk"
FASTAPI_INSTRUMENTATION = "opentelemetry-instrumentation-fastapi"

_noted: set[str] = set()


def replace_span_processors(
    tracer_provider: TracerProvider, replaced: Callable[[SpanProcessor], bool], replacement: SpanProcessor
) -> list[SpanProcessor]:
    """Put ``replacement`` where the first processor ``replaced`` selects was, drop the others it selects.

    The processors are removed from the provider's (private) processor tuple, under the lock the SDK
    takes to add one. They are returned, not shut down; where the tuple is not found, or ``replaced``
    selects none, nothing changes and the list is empty.
    """
    multi: Any = getattr(tracer_provider, "_active_span_processor", None)
    lock = getattr(multi, "_lock", None)
    if lock is None or not isinstance(getattr(multi, "_span_processors", None), tuple):
        _note_missing(SDK, "TracerProvider._active_span_processor._span_processors / ._lock")
        return []
    with lock:
        processors: tuple[SpanProcessor, ...] = multi._span_processors
        removed = [p for p in processors if replaced(p)]
        if not removed:
            return []
        kept = [p for p in processors if not replaced(p)]
        kept.insert(processors.index(removed[0]), replacement)
        multi._span_processors = tuple(kept)
    return removed


def set_fastapi_instrument_default(name: str, value: object) -> bool:
    """Pass ``name=value`` to every FastAPI app the FastAPI instrumentor instruments from now on.

    ``FastAPIInstrumentor().instrument()`` swaps ``fastapi.FastAPI`` for a subclass that instruments each
    new app with the keyword arguments kept in a (private) class attribute. An argument the user gave
    is kept. False when the instrumentor has not run (or the attribute is not found), or kept the user's.
    """
    module = sys.modules.get("opentelemetry.instrumentation.fastapi")  # imported only if its instrumentor ran
    if module is None:
        return False
    instrumented_class: Any = getattr(module, "_InstrumentedFastAPI", None)
    kwargs = getattr(instrumented_class, "_instrument_kwargs", None)
    if not isinstance(kwargs, Mapping):
        _note_missing(FASTAPI_INSTRUMENTATION, "_InstrumentedFastAPI._instrument_kwargs")
        return False
    if name in kwargs:
        return False
    instrumented_class._instrument_kwargs = {**kwargs, name: value}
    return True


def set_exemplar_filter(meter_provider: MeterProvider, exemplar_filter: ExemplarFilter) -> bool:
    """Replace the exemplar filter of an SDK ``MeterProvider`` that already exists.

    The filter is chosen when the provider is built and kept in its (private) configuration, which its
    measurement consumer reads for every measurement. False where that configuration is not found.
    """
    config = getattr(meter_provider, "_sdk_config", None)
    if config is None or not hasattr(config, "exemplar_filter"):
        _note_missing(SDK, "MeterProvider._sdk_config.exemplar_filter")
        return False
    config.exemplar_filter = exemplar_filter
    return True


def reader_is_registered(reader: MetricReader) -> bool:
    """Whether a ``MeterProvider`` collects through ``reader``.

    A provider registers a reader by setting the reader's (private) collect callback. Where that
    attribute is not found the reader counts as registered: collecting through a reader no provider
    registered only logs the SDK's own warning.
    """
    if not hasattr(reader, "_collect"):
        _note_missing(SDK, "MetricReader._collect")
        return True
    return reader._collect is not None


def is_instrumented(app: object) -> bool:
    """Whether the FastAPI or Flask instrumentation already instrumented ``app`` (its private flag)."""
    return bool(getattr(app, "_is_instrumented_by_opentelemetry", False))


def _note_missing(distribution: str, name: str) -> None:
    if name in _noted:
        return
    _noted.add(name)
    try:
        version = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        version = "(not installed)"
    _logger.info("%s %s has no %s; otel-actuator leaves its default behaviour in place", distribution, version, name)
