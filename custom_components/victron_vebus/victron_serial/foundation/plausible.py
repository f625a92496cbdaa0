"""Values no quantity can have are reported unknown, never as readings.

A line that garbles a value, or a device that sends 0xFFFF everywhere, must not read as
655.35 V on a 12 V battery. Each such value becomes None; it is counted per quantity and
logged once, so a flood of them is one line, not one per refresh.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
import logging
import math
from typing import ClassVar


@dataclass(slots=True)
class PlausibilityCheck:
    """Replaces impossible values with None, counting them (``counts``).

    A library's check names its device (``device``: "unit", "charger") and its logger, so
    the warning reads and is filtered as that library's.
    """

    device: ClassVar[str]
    logger: ClassVar[logging.Logger]

    counts: Counter[str] = field(default_factory=Counter)
    _logged: set[str] = field(default_factory=set)

    def within(self, name: str, value: float | None, low: float, high: float) -> float | None:
        """``value`` if it lies in ``low`` to ``high`` (or is None), else None, logged."""
        if value is None or (math.isfinite(value) and low <= value <= high):
            return value
        self.counts[name] += 1
        if name not in self._logged:
            self._logged.add(name)
            self.logger.warning(
                "The %s reported %s = %g, which cannot be (%g to %g): shown as unknown",
                self.device,
                name,
                value,
                low,
                high,
            )
        return None
