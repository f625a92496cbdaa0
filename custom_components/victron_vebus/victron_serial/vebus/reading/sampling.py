"""The key values read on their own, several times a second, between refreshes.

One snapshot ('F' 6 and 0x38 in one write, a single round trip) takes battery voltage and
current, the power at AC-in, AC-out and the inverter, and the state of charge at one
instant. On a real 2400 baud line that is about 0.17 s, a third of a full refresh; the
sampler reads it every ``SAMPLE_PERIOD`` while nothing else uses the line (a refresh or a
control simply queues in between), and every reading feeds the energy counters.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..protocol.ids import RamVar

SAMPLE_PERIOD = 0.25  # s: 4 readings a second
ERROR_BACKOFF = 5.0  # s: after a failed reading (unplugged, asleep), the refresh reconnects
SAMPLE_IDS = (
    RamVar.BATTERY_VOLTAGE,
    RamVar.BATTERY_CURRENT,
    RamVar.INPUT_POWER,
    RamVar.OUTPUT_POWER,
    RamVar.INVERTER_POWER,
    RamVar.STATE_OF_CHARGE,
)


def snapshot_ids(supported_ram: Collection[int]) -> tuple[int, ...]:
    """The ids of ``SAMPLE_IDS`` the unit has: one id list for every snapshot, so when a
    lossy line drops the 'F' 6 and not the 0x38, the reply is the previous snapshot, and its
    values still match their ids."""
    return tuple(i for i in SAMPLE_IDS if i in supported_ram)


@dataclass(frozen=True, slots=True)
class PowerSample:
    """Key values read at one instant (``at``: the clock's seconds). None: not read."""

    at: float
    battery_voltage: float | None = None
    battery_current: float | None = None  # A, + = charging
    grid_power: float | None = None  # W at AC-in, + = drawn from the grid
    output_power: float | None = None  # W at AC-out
    inverter_power: float | None = None  # W, + = AC to DC (charging)
    soc: float | None = None  # %
    # W at each phase master's AC-in (L1 first), read while the ESS control runs on a
    # system of several phases; () otherwise.
    phase_grid_power: tuple[float | None, ...] = ()

    @property
    def battery_power(self) -> float | None:
        """W, + = charging."""
        if self.battery_voltage is None or self.battery_current is None:
            return None
        return self.battery_voltage * self.battery_current

    @classmethod
    def from_ram(cls, at: float, ram: dict[int, float | None]) -> PowerSample:
        """From RAM values as read (the unit counts + at AC-in as fed into the grid)."""
        grid = ram.get(RamVar.INPUT_POWER)
        soc = ram.get(RamVar.STATE_OF_CHARGE)
        return cls(
            at=at,
            battery_voltage=ram.get(RamVar.BATTERY_VOLTAGE),
            battery_current=ram.get(RamVar.BATTERY_CURRENT),
            grid_power=None if grid is None else -grid,
            output_power=ram.get(RamVar.OUTPUT_POWER),
            inverter_power=ram.get(RamVar.INVERTER_POWER),
            soc=None if soc is None else round(soc * 100, 1),
        )
