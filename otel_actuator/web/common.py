"""What every mount helper does before serving: one Actuator per app, with a log source."""

from __future__ import annotations

from typing import Optional

from otel_actuator.actuator import Actuator
from otel_actuator.settings import Settings


def ready_actuator(actuator: Optional[Actuator], settings: Optional[Settings]) -> Actuator:
    """Use the given actuator or build one; attach the process's bridge and a log tail when missing."""
    from otel_actuator.logtail import install_log_tail

    actuator = actuator or Actuator(settings)
    attach_default_bridge(actuator)
    install_log_tail(actuator)
    return actuator


def attach_default_bridge(actuator: Actuator) -> None:
    """Zero-code exporters register a process-wide bridge; an app mounted later picks it up."""
    from otel_actuator.bridge import current_bridge

    bridge = current_bridge()
    if bridge is not None and actuator.meters is None and actuator.exchanges is None:
        bridge.attach(actuator)
