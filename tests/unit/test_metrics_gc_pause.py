"""``metrics_collect_pause_gc``: the cyclic collector's state while the actuator's reader collects."""

from __future__ import annotations

import gc
from collections.abc import Iterable

import pytest
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider

from otel_actuator.bridge import ActuatorMetricReader
from otel_actuator.settings import Settings


@pytest.mark.parametrize("pause", [True, False])
def test_a_collection_runs_with_the_collector_paused_only_when_the_setting_says_so(pause: bool) -> None:
    reader = ActuatorMetricReader(Settings(metrics_cache_ttl=0, metrics_collect_pause_gc=pause))
    provider = MeterProvider(metric_readers=[reader])
    seen: list[bool] = []

    def gc_enabled(options: CallbackOptions) -> Iterable[Observation]:
        seen.append(gc.isenabled())
        return [Observation(1)]

    provider.get_meter("test").create_observable_gauge("gc.enabled", [gc_enabled])
    assert gc.isenabled()

    reader.meter_names()

    assert seen == [not pause]
    assert gc.isenabled(), "the collector runs again after the collection"
    provider.shutdown()


def test_the_collector_is_paused_by_default() -> None:
    assert Settings().metrics_collect_pause_gc
    assert Settings.from_env({"OTEL_ACTUATOR_METRICS_COLLECT_PAUSE_GC": "false"}).metrics_collect_pause_gc is False
