"""Say clearly when zero-code wiring cannot work, instead of leaving the app silently uninstrumented."""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points

_SIGNALS = (
    ("OTEL_TRACES_EXPORTER", "opentelemetry_traces_exporter"),
    ("OTEL_METRICS_EXPORTER", "opentelemetry_metrics_exporter"),
    ("OTEL_LOGS_EXPORTER", "opentelemetry_logs_exporter"),
)


def missing_exporters() -> list[str]:
    """``VAR=name`` for every exporter named in the environment (or the distro's otlp default) that is not installed."""
    problems: list[str] = []
    for variable, group in _SIGNALS:
        names = [n.strip() for n in os.environ.get(variable, "otlp").split(",") if n.strip()]
        installed = {ep.name for ep in entry_points(group=group)}
        for name in names:
            if name == "none":
                continue
            candidates = {name, f"{name}_proto_grpc", f"{name}_proto_http"} if name == "otlp" else {name}
            if not candidates & installed:
                problems.append(f"{variable}={name}")
    return problems


def fix_message(problems: list[str]) -> str:
    return (
        "otel-actuator: OpenTelemetry cannot start, so nothing would be instrumented: exporter(s) "
        + ", ".join(problems)
        + " not installed. Set OTEL_TRACES_EXPORTER=actuator OTEL_METRICS_EXPORTER=actuator "
        "OTEL_LOGS_EXPORTER=actuator (or 'otlp,actuator' after pip install opentelemetry-exporter-otlp)."
    )


def warn_if_unconfigured() -> None:
    problems = missing_exporters()
    if problems:
        print(fix_message(problems), file=sys.stderr)
