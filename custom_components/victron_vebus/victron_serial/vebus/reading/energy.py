"""Energy counters (kWh) integrated from every power reading, for the Energy dashboard.

The integration's sensors show these totals; they read power several times a second (the
sampler), far more often than a Home Assistant sensor updates, so the totals do not miss
what happens between two refreshes. A gap longer than ``MAX_GAP`` (the port unplugged,
the unit asleep) is not integrated: nothing is made up for the time nothing was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

MAX_GAP = 60.0  # s


class Energy(StrEnum):
    BATTERY_IN = "battery_energy_in"  # charged into the battery
    BATTERY_OUT = "battery_energy_out"  # discharged from it
    GRID_IMPORT = "grid_energy_import"  # drawn from AC-in
    GRID_EXPORT = "grid_energy_export"  # fed into AC-in
    AC_OUTPUT = "ac_output_energy"  # delivered to the loads on AC-out


# Each counter: the power it integrates, and which sign of it counts.
_SOURCES: dict[Energy, tuple[str, int]] = {
    Energy.BATTERY_IN: ("battery", 1),
    Energy.BATTERY_OUT: ("battery", -1),
    Energy.GRID_IMPORT: ("grid", 1),
    Energy.GRID_EXPORT: ("grid", -1),
    Energy.AC_OUTPUT: ("output", 1),
}


@dataclass(slots=True)
class EnergyCounters:
    """kWh per ``Energy``; ``add`` one power reading at a time, in time order."""

    max_gap: float = MAX_GAP
    kwh: dict[Energy, float] = field(default_factory=lambda: dict.fromkeys(Energy, 0.0))
    _last: dict[str, tuple[float, float]] = field(default_factory=dict)
    _restored: set[Energy] = field(default_factory=set)

    def add(self, at: float, **watts: float | None) -> None:
        """Power readings taken at ``at`` (s): battery (+ = charging), grid (+ = drawn
        from AC-in), output (AC-out). A quantity not read (None) is left as it was."""
        for quantity, power in watts.items():
            if power is None:
                continue
            last = self._last.get(quantity)
            self._last[quantity] = (at, power)
            if last is None or not 0 < at - last[0] <= self.max_gap:
                continue
            kwh = last[1] * (at - last[0]) / 3_600_000
            for counter, (source, sign) in _SOURCES.items():
                if source == quantity and sign * kwh > 0:
                    self.kwh[counter] += sign * kwh

    def restore(self, counter: Energy, kwh: float) -> None:
        """A total from before a restart; counting goes on from it (once per counter)."""
        if counter not in self._restored and kwh >= 0:
            self._restored.add(counter)
            self.kwh[counter] += kwh
