"""Values no quantity can have are reported unknown, never as readings.

A line that garbles a field so its checksum still adds up, or a firmware that sends a
sentinel the tables do not know, must not read as 6553 V on a 12 V battery. Each such value
becomes None; it is counted per quantity and logged once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
import logging
import math

_LOGGER = logging.getLogger(__name__)

BOUNDS: dict[str, tuple[float, float]] = {
    "voltage": (0.0, 70.0),  # V: no charger on VE.Direct reaches it (48 V systems: 64 V)
    "current": (-100.0, 200.0),  # A
    "temperature": (-60.0, 150.0),  # °C
    "charge_current_limit": (0.0, 200.0),
}


@dataclass(slots=True)
class Plausibility:
    counts: Counter[str] = field(default_factory=Counter)
    _logged: set[str] = field(default_factory=set)

    def value(self, name: str, quantity: str, value: float | None) -> float | None:
        """``value`` if a ``quantity`` ("voltage", "current", …) can be it, else None."""
        low, high = BOUNDS[quantity]
        if value is None or (math.isfinite(value) and low <= value <= high):
            return value
        self.counts[name] += 1
        if name not in self._logged:
            self._logged.add(name)
            _LOGGER.warning(
                "The charger reported %s = %g, which cannot be (%g to %g): shown as unknown",
                name,
                value,
                low,
                high,
            )
        return None
