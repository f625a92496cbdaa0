"""Values no quantity can have are reported unknown, never as readings.

A line that garbles a field so its checksum still adds up, or a firmware that sends a
sentinel the tables do not know, must not read as 6553 V on a 12 V battery. Each such value
becomes None; it is counted per quantity and logged once.
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
from typing import ClassVar

from ..foundation.plausible import PlausibilityCheck

_LOGGER = logging.getLogger(__name__)

BOUNDS: dict[str, tuple[float, float]] = {
    "voltage": (0.0, 70.0),  # V: no charger on VE.Direct reaches it (48 V systems: 64 V)
    "current": (-100.0, 200.0),  # A
    "temperature": (-60.0, 150.0),  # °C
    "charge_current_limit": (0.0, 200.0),
}


@dataclass(slots=True)
class Plausibility(PlausibilityCheck):
    device: ClassVar[str] = "charger"
    logger: ClassVar[logging.Logger] = _LOGGER

    def value(self, name: str, quantity: str, value: float | None) -> float | None:
        """``value`` if a ``quantity`` ("voltage", "current", …) can be it, else None."""
        return self.within(name, value, *BOUNDS[quantity])
