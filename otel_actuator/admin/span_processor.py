"""Ties registration to a TracerProvider: the provider's shutdown (at exit, or the user's call) deregisters."""

from __future__ import annotations

from typing import Any, Protocol

from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor


class _Stoppable(Protocol):
    def stop(self, *, deregister: bool = True) -> None: ...


class RegistrarSpanProcessor(SpanProcessor):
    """Ties the registrar to a TracerProvider: its shutdown deregisters."""

    def __init__(self, registrar: _Stoppable) -> None:
        self.registrar = registrar

    def on_start(self, span: Span, parent_context: Any = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        return None

    def shutdown(self) -> None:
        self.registrar.stop()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
