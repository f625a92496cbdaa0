"""Write results and the rules for the settings besides the limit (vedirect.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
import re

NOMINAL_VOLTAGES = (12.0, 24.0, 48.0)
# Absorption and float voltages this library writes, as multiples of the system voltage:
# 12.0 to 16.0 V on a 12 V charger. The charger's own ranges are not documented; an invalid
# combination can leave a charger in error 119 until it is reset (HEXDOC note 5).
VOLTAGE_RANGE = (1.0, 4 / 3)
_MODEL_VOLTAGE = re.compile(r"\b(12|24|48)\s*\|")


class LowCurrentMode(IntEnum):
    """0xE001 (Victron VE_REG_BPC_LOW_CURRENT_MODE)."""

    OFF = 0
    ON = 1
    NIGHT = 2  # limited current, no fan, for 8 hours


@dataclass(frozen=True, slots=True)
class WriteResult:
    """A write's outcome: the value wanted and the value the charger holds now."""

    setting: str
    requested: float
    in_force: float | None  # read back (chargers clamp)
    written: bool  # False: the charger already held it, nothing was sent


def nominal_voltage(model: str | None, voltage: float | None) -> float | None:
    """The system voltage: from the model name ("… 24|12") or the battery voltage."""
    if model:
        match = _MODEL_VOLTAGE.search(model)
        if match:
            return float(match.group(1))
    if voltage is None or voltage <= 0:
        return None
    return min(NOMINAL_VOLTAGES, key=lambda nominal: abs(voltage / nominal - 1.1))


def voltage_bounds(nominal: float) -> tuple[float, float]:
    low, high = VOLTAGE_RANGE
    return round(nominal * low, 2), round(nominal * high, 2)
