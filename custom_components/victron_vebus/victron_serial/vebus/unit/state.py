"""What one refresh of a unit shows its owner, and the setting values it is made of."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..protocol.ids import Flags0, Setting
from ..reading.energy import Energy
from ..reading.sampling import PowerSample
from ..reading.status import VEBusStatus


@dataclass(frozen=True, slots=True)
class SettingState:
    """A setting's value in force and the value stored in EEPROM."""

    value: float
    stored: float


@dataclass(frozen=True, slots=True)
class SettingDisagreement:
    """A setting (or a flag switch) the units of a system hold differently, each unit's
    stored value as text ("57.6 V", "on"), by address."""

    key: str
    values: tuple[tuple[int, str], ...]

    def __str__(self) -> str:
        units = ", ".join(f"unit {address} {value}" for address, value in self.values)
        return f"{self.key}: {units}"


@dataclass(slots=True)
class UnitState:
    """What one refresh read, with what the unit is known to hold besides."""

    status: VEBusStatus
    settings: dict[int, SettingState] = field(default_factory=dict)
    flags: dict[int, int] = field(default_factory=dict)  # flags words in force, raw
    ess_setpoint: int | None = None  # W, + = charging from AC-in; None: no ESS assistant
    ess_phase_setpoints: tuple[int, ...] = ()  # W, each phase master's share (L1 first)
    standby: bool = False
    energy: dict[Energy, float] = field(default_factory=dict)  # kWh totals (``EnergyCounters``)
    asleep: bool = False  # sent to sleep and not awake since: ``status`` holds nothing read
    # Settings the units of a system hold differently (a system runs one configuration).
    disagreements: tuple[SettingDisagreement, ...] = ()
    # The newest sample of the key values since this refresh (``on_sample``): fresher than
    # ``status`` for what it holds; None until one comes.
    live: PowerSample | None = None

    @property
    def flags0(self) -> int | None:
        return self.flags.get(Setting.FLAGS0)

    @property
    def charging_allowed(self) -> bool | None:
        return None if self.flags0 is None else not self.flags0 & Flags0.DISABLE_CHARGE
