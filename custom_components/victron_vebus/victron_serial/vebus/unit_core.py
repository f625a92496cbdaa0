"""The unit's state and what every layer of ``VEBusUnit`` shares: the attributes, the
clock, what the unit is, and the control lock (``unit.py`` says what the rules are)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
import contextlib
from dataclasses import dataclass, field

from .client import VEBusClient
from .clock import Clock, SystemClock
from .eeprom import EepromLimiter
from .energy import Energy, EnergyCounters
from .errors import (
    VEBusAsleepError,
)
from .ess import DEFAULT_MAX_POWER, KEEPALIVE_INTERVAL
from .ess_controller import EssController
from .ess_system import EssSystem
from .ids import (
    Flags0,
    Setting,
)
from .models import DeviceInfo, Mode
from .plausible import Plausibility
from .product import Product, family_of
from .ram_only import RamOnlySetting
from .sampling import PowerSample
from .scaling import SettingScale
from .status import VEBusStatus
from .tiers import SlowTier


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

    @property
    def flags0(self) -> int | None:
        return self.flags.get(Setting.FLAGS0)

    @property
    def charging_allowed(self) -> bool | None:
        return None if self.flags0 is None else not self.flags0 & Flags0.DISABLE_CHARGE


class UnitCore:
    """The attributes of one unit and the lock every control write takes."""

    def __init__(
        self,
        client: VEBusClient,
        *,
        clock: Clock | None = None,
        eeprom: EepromLimiter | None = None,
        ess_max_power: int = DEFAULT_MAX_POWER,
        ess_keepalive: float = KEEPALIVE_INTERVAL,
        persist_settings: bool = False,
    ) -> None:
        self.client = client
        self._clock = clock or SystemClock()
        self.eeprom = eeprom or EepromLimiter(clock=self._clock)
        self.persist_settings = persist_settings
        self.device: DeviceInfo | None = None
        self.phases = 1
        self.addresses: tuple[int, ...] = ()  # of each unit, in a system of several
        self._disagreements: dict[int, list[SettingDisagreement]] = {}  # by setting id
        self.ac_inputs: int | None = None  # from 'F' 5: 0 on a Phoenix, 2 on a Quattro
        self.nominal_voltage: float | None = None  # V, from the absorption voltage's maximum
        self.supported_ram: set[int] = set()
        self.setting_scales: dict[int, SettingScale] = {}
        self.ess: EssSystem | None = None
        self.ess_control: EssController | None = None  # with an ESS assistant
        self.counters: Counter[str] = Counter()
        self._ess_max_power = ess_max_power
        self._ess_keepalive = ess_keepalive
        self._lock = asyncio.Lock()
        self._session_seen = 0
        self._ram_only: dict[int, int] = {}  # setting id -> raw value written RAM only
        self._ram_only_stored: dict[int, int | None] = {}  # its EEPROM value then (raw)
        self._panel_limit: float | None = None  # A, the current limit last sent with 'S'
        # What the owner's last run wrote RAM only (``restore_ram_only``), until checked.
        self._handed_back: dict[int, RamOnlySetting] = {}
        self._handed_back_limit: float | None = None
        self.on_ram_only_change: Callable[[], None] | None = None  # the owner keeps the ledger
        self._unsure_settings: set[int] = set()  # RAM-only writes left unconfirmed
        self._settings: dict[int, SettingState] = {}
        self._stored: dict[int, int] = {}  # raw EEPROM values as last read or saved
        self._flags: dict[int, int] = {}  # flags words in force, raw
        self._capacity_on: int | None = None  # raw battery capacity last seen above 0
        self._settings_stale = True  # every setting is read with the next refresh
        self._stale_settings: set[int] = set()  # these are
        self._setting_writes: Counter[int] = Counter()  # so a refresh keeps newer writes
        self._standby = False
        self._lines_unsure = False
        self._standby_before: bool | None = None  # Keep awake before ``standby``, until back on
        self._confirmed_mode: Mode | None = None
        self._confirmed_limit: float | None = None
        self._panel_writes = 0
        self._last_status: VEBusStatus | None = None
        self._controls = 0  # control writes: the slow tier is read again after one
        self.plausibility = Plausibility()
        self.slow_tier = SlowTier(self._clock)
        self.energy = EnergyCounters()
        self.last_sample: PowerSample | None = None
        self._last_soc: float | None = None  # %, from the last reading that had it
        self.on_sample: Callable[[PowerSample], None] | None = None  # each refresh and sample
        self.asleep = False  # sent to sleep, and not found awake since
        self._sleep_sent_at: float | None = None  # until it answers again (or never slept)
        self._silent_since_sleep = False  # it did fall asleep: the next answer is a wake-up
        self.closed = False  # for good: nothing opens the port again (``close``)

    @property
    def clock(self) -> Clock:
        """Where every timing rule takes time from (the EEPROM limit, the ESS keep-alive)."""
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = self.eeprom.clock = self.slow_tier.clock = clock
        if self.ess is not None:
            self.ess.clock = clock

    @property
    def product(self) -> Product:
        """What the unit is (``discover`` learns it): family, system voltage, firmware."""
        return Product(
            family_of(self.ac_inputs),
            self.nominal_voltage,
            self.device.firmware_version if self.device is not None else None,
        )

    @property
    def other_units(self) -> tuple[int, ...]:
        """The addresses of the system's units besides the one the client addresses."""
        return tuple(address for address in self.addresses if address != self.client.address)

    @property
    def disagreements(self) -> tuple[SettingDisagreement, ...]:
        """Settings the units of the system hold differently, as last read."""
        return tuple(
            d for setting in sorted(self._disagreements) for d in self._disagreements[setting]
        )

    @property
    def has_charger(self) -> bool:
        """False for an inverter (a Phoenix has no AC input); True while not known."""
        return self.ac_inputs != 0

    @property
    def modes(self) -> tuple[Mode, ...]:
        """The remote switch positions this unit has: an inverter is on or off."""
        return tuple(Mode) if self.has_charger else (Mode.ON, Mode.OFF)

    @property
    def ess_max_power(self) -> int:
        return self.ess.max_power if self.ess is not None else self._ess_max_power

    @ess_max_power.setter
    def ess_max_power(self, watts: int) -> None:
        self._ess_max_power = watts
        if self.ess is not None:
            self.ess.max_power = watts

    @contextlib.asynccontextmanager
    async def _control(self) -> AsyncIterator[None]:
        self._refuse_asleep()
        self.counters["writes"] += 1
        self._controls += 1
        try:
            async with self._lock:
                yield
        except BaseException:
            self.counters["writes_failed"] += 1
            raise

    def _ram_only_changed(self) -> None:
        if self.on_ram_only_change is not None:
            self.on_ram_only_change()

    def _refuse_asleep(self) -> None:
        if self.asleep:
            raise VEBusAsleepError(f"{self.client.url}: the unit is asleep; wake it up first")
