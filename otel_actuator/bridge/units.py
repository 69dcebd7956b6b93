"""OpenTelemetry (UCUM) units -> Micrometer base units, with the factor that converts values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

_TIME_FACTORS = {"ns": 1e-9, "us": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_BYTE_FACTORS = {"By": 1.0, "kBy": 1e3, "MBy": 1e6, "GBy": 1e9, "KiBy": 1024.0, "MiBy": 1024.0**2, "GiBy": 1024.0**3}
_NAMED = {"1": None, "": None, "%": "percent", "bit": "bits"}


@dataclass(frozen=True)
class BaseUnit:
    """``name`` is Micrometer's base unit (None when dimensionless); multiply values by ``factor``."""

    name: Optional[str]
    factor: float = 1.0

    @property
    def is_time(self) -> bool:
        return self.name == "seconds"


def base_unit(unit: Optional[str]) -> BaseUnit:
    """``ms`` -> seconds (x0.001), ``By`` -> bytes, ``{request}`` -> request, ``1`` -> none."""
    unit = (unit or "").strip()
    if unit in _TIME_FACTORS:
        return BaseUnit("seconds", _TIME_FACTORS[unit])
    if unit in _BYTE_FACTORS:
        return BaseUnit("bytes", _BYTE_FACTORS[unit])
    if unit in _NAMED:
        return BaseUnit(_NAMED[unit])
    if unit.startswith("{") and unit.endswith("}"):
        return BaseUnit(unit[1:-1] or None)
    return BaseUnit(unit)
