"""One VE.Bus unit's rules, above the client: the project's safety promises (design.md §5).

- What the unit supports is learnt once (``discover``), and only that is read.
- Settings are written RAM only unless saved permanently; RAM-only values are remembered
  (the ledger) and written again after the unit restarts or the connection returns, within
  the refresh that notices it. A RAM-only write left unconfirmed is set back to the value
  known at the next refresh: the unit may hold the new value or the old one, and only the
  old one is known.
- EEPROM saves go through the limiter (``eeprom``): once per setting per interval.
- The ESS setpoint is kept alive while set and returned to 0 W on ``close`` (``ess``).
- The remote switch and the current limit the unit acknowledged are the truth until a
  refresh reads them back, so a second control builds on the first.
- Writes, re-applying and the keep-alive run one at a time (the control lock), so none of
  them undoes another.
- Sleep is a state, not a fault: after ``sleep`` a refresh asks once whether the unit
  answers and, while it does not, reports it asleep without reading anything; a standing
  ESS setpoint is released to 0 W first and does not come back on waking.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
import contextlib
from dataclasses import asdict, dataclass, field, replace
import logging
from typing import Any

from .client import VEBusClient
from .clock import Clock, SystemClock
from .eeprom import EepromLimiter
from .energy import Energy, EnergyCounters
from .errors import (
    VEBusAsleepError,
    VEBusError,
    VEBusTimeoutError,
    VEBusUnsupportedError,
    VEBusWriteNotAppliedError,
    VEBusWriteUnconfirmedError,
)
from .ess import DEFAULT_MAX_POWER, KEEPALIVE_INTERVAL, EssSetpoint
from .ids import (
    ASSISTANT_START,
    RAM_UNITS,
    SETTING_UNITS,
    SNAPSHOT_POWER_IDS,
    Flags0,
    RamVar,
    Setting,
    ram_name,
    setting_name,
)
from .models import ChargeState, DeviceInfo, DeviceStatus, ForcedChargeState, Mode
from .plausible import Plausibility, nominal_from_battery, nominal_voltage
from .product import Product, family_of
from .sampling import ERROR_BACKOFF, SAMPLE_IDS, SAMPLE_PERIOD, PowerSample
from .scaling import SettingScale
from .status import StatusPlan, VEBusStatus, find_units, read_status
from .tiers import Events, SlowTier

_LOGGER = logging.getLogger(__name__)

# The charge states a unit may answer to each forced charge state.
FORCED_ANSWERS = {
    ForcedChargeState.ABSORPTION: {
        ChargeState.FORCED_ABSORPTION,
        ChargeState.ABSORPTION,
        ChargeState.REPEATED_ABSORPTION,
    },
    ForcedChargeState.FLOAT: {ChargeState.FLOAT},
    ForcedChargeState.EQUALISE: {ChargeState.EQUALISE},
}

# A unit may take minutes to fall asleep after the command (martiby/multiplus2#5); one that
# still answers after this long did not go to sleep.
SLEEP_SETTLE = 300.0  # s

# Worth knowing whether the unit has them before anything asks.
DISCOVERED_RAM = (
    RamVar.BATTERY_VOLTAGE,
    RamVar.BATTERY_CURRENT,
    *SNAPSHOT_POWER_IDS,
    RamVar.STATE_OF_CHARGE,
    RamVar.BATTERY_RIPPLE,
    RamVar.BATTERY_TEMPERATURE,
    RamVar.VIRTUAL_SWITCH_POSITION,
    RamVar.IGNORE_AC_INPUT,
    RamVar.MULTIFUNCTION_RELAY,
)


@dataclass(frozen=True, slots=True)
class SettingState:
    """A setting's value in force and the value stored in EEPROM."""

    value: float
    stored: float


@dataclass(slots=True)
class UnitState:
    """What one refresh read, with what the unit is known to hold besides."""

    status: VEBusStatus
    settings: dict[int, SettingState] = field(default_factory=dict)
    flags0: int | None = None
    ess_setpoint: int | None = None  # W, + = charging from AC-in; None: no ESS assistant
    standby: bool = False
    energy: dict[Energy, float] = field(default_factory=dict)  # kWh totals (``EnergyCounters``)
    asleep: bool = False  # sent to sleep and silent since: ``status`` holds nothing read

    @property
    def charging_allowed(self) -> bool | None:
        return None if self.flags0 is None else not self.flags0 & Flags0.DISABLE_CHARGE


class VEBusUnit:
    """The unit behind ``client``: discovery, refresh and every control write."""

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
        self.ac_inputs: int | None = None  # from 'F' 5: 0 on a Phoenix, 2 on a Quattro
        self.nominal_voltage: float | None = None  # V, from the absorption voltage's maximum
        self.supported_ram: set[int] = set()
        self.setting_scales: dict[int, SettingScale] = {}
        self.ess: EssSetpoint | None = None
        self.counters: Counter[str] = Counter()
        self._ess_max_power = ess_max_power
        self._ess_keepalive = ess_keepalive
        self._lock = asyncio.Lock()
        self._session_seen = 0
        self._ram_only: dict[int, int] = {}  # setting id -> raw value written RAM only
        self._unsure_settings: set[int] = set()  # RAM-only writes left unconfirmed
        self._settings: dict[int, SettingState] = {}
        self._flags0: int | None = None
        self._settings_stale = True
        self._setting_writes = 0  # so a refresh keeps a value written while it read
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
        self.on_sample: Callable[[PowerSample], None] | None = None  # each refresh and sample
        self.asleep = False  # sent to sleep, and silent since
        self._sleep_sent_at: float | None = None  # until it answers again (or never slept)

    @property
    def clock(self) -> Clock:
        """Where every timing rule takes time from (the EEPROM limit, the ESS keep-alive)."""
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = self.eeprom.clock = self.slow_tier.clock = clock
        if self.ess is not None:
            self.ess.clock = clock

    # --- learning the unit ---------------------------------------------------------------

    async def discover(self, settings: Iterable[int] = ()) -> None:
        """Identity, phases, the RAM variables and ``settings`` it has, the ESS setpoint."""
        client = self.client
        self.device = await client.probe()
        for ram_id in DISCOVERED_RAM:
            if await client.ram_var_info(ram_id) is not None:
                self.supported_ram.add(ram_id)
        await self.track_settings(settings)
        absorption = await client.setting_info(Setting.ABSORPTION_VOLTAGE)
        maximum = absorption.maximum if absorption is not None else None
        if maximum is not None:
            self.nominal_voltage = nominal_voltage(maximum)
        else:  # no charger (a Phoenix): the battery says it
            self.nominal_voltage = nominal_from_battery((await client.dc_info()).voltage)
        self.plausibility.nominal_voltage = nominal_voltage(None)
        if self.nominal_voltage is not None:
            self.plausibility.nominal_voltage = self.nominal_voltage
        ess_ram_id = await client.find_ess_setpoint()
        if ess_ram_id is not None:
            self.ess = self._ess_at(ess_ram_id)
        first = await client.ac_info(1)
        self.phases = first.phases or 1
        if self.phases > 1 or first.units > 1:  # several units: learn their addresses
            self.addresses = await find_units(client)
        try:
            self.ac_inputs = (await client.ac_input_config()).inputs
        except VEBusUnsupportedError:
            self.ac_inputs = None
        self._session_seen = client.session

    async def track_settings(self, settings: Iterable[int]) -> set[int]:
        """Learn the scales of ``settings``; those the unit has are read on refresh."""
        for setting_id in settings:
            if setting_id not in self.setting_scales:
                scale = await self.client.setting_info(setting_id)
                if scale is not None:
                    self.setting_scales[setting_id] = scale
                    self._settings_stale = True
        return {setting_id for setting_id in settings if setting_id in self.setting_scales}

    @property
    def product(self) -> Product:
        """What the unit is (``discover`` learns it): family, system voltage, firmware."""
        return Product(
            family_of(self.ac_inputs),
            self.nominal_voltage,
            self.device.firmware_version if self.device is not None else None,
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

    # --- refresh ------------------------------------------------------------------------------

    async def refresh(self, plan: StatusPlan) -> UnitState:
        """Read what ``plan`` asks for, after putting back what the unit may have lost.

        The slow parts of ``plan`` (AC-input configuration, device state, settings) are
        read when ``slow_tier`` says so; otherwise the last values read stand.
        """
        client = self.client
        await client.ensure_connected()
        if self._sleep_sent_at is not None and not await self._answers_after_sleep():
            return self._asleep_state()
        if client.session != self._session_seen:
            await self._restore_session()
        if self._unsure_settings:
            await self._repair_settings()
        panel_writes = self._panel_writes
        status, slow_read = await self._read(plan)
        status = self.plausibility.status(status)
        # A write confirmed while the status was read is newer than what it read.
        if slow_read and status.ac_input is not None and panel_writes == self._panel_writes:
            self._confirmed_mode = self._confirmed_limit = None
        self._last_status = status
        self._add_sample(self._sample_of(status))
        if self._standby or self._lines_unsure:
            # The MK3 forgets its lines when the VE.Bus loses power: say it again.
            await self._send_lines(self._standby)
        await self._read_settings()
        return UnitState(
            status=status,
            settings=dict(self._settings),
            flags0=self._flags0,
            ess_setpoint=self.ess.watts if self.ess is not None else None,
            standby=self._standby,
            energy=dict(self.energy.kwh),
        )

    async def _answers_after_sleep(self) -> bool:
        """One 'V', tried once: False while the unit sleeps (asleep from then on)."""
        try:
            await self.client.version(retries=0)
        except VEBusTimeoutError:
            if not self.asleep:
                _LOGGER.info("%s is asleep", self.client.url)
            self.asleep = True
            return False
        sent_at = self._sleep_sent_at or 0.0
        if self.asleep or self.clock.time() - sent_at > SLEEP_SETTLE:
            if self.asleep:
                _LOGGER.info("%s woke up", self.client.url)
            self.asleep, self._sleep_sent_at = False, None
        return True

    def _asleep_state(self) -> UnitState:
        return UnitState(
            status=VEBusStatus(self.client.interface_version, self.client.address),
            settings=dict(self._settings),
            flags0=self._flags0,
            ess_setpoint=0 if self.ess is not None else None,
            standby=self._standby,
            energy=dict(self.energy.kwh),
            asleep=True,
        )

    async def _read(self, plan: StatusPlan) -> tuple[VEBusStatus, bool]:
        """The fast tier, then the slow tier when due; True when the slow tier was read."""
        client = self.client
        fast = replace(plan, ac_input=False, device_state=False)
        if plan.snapshot_ids and self.supported_ram:
            fast = replace(fast, snapshot_ids=self._snapshot_ids())
        status = await read_status(client, fast)
        last = self._last_status
        events = Events(status.leds, client.session, self._controls)
        if not (plan.ac_input or plan.device_state):
            return status, False
        if last is not None and not self.slow_tier.due(events):
            status.ac_input = last.ac_input if plan.ac_input else None
            status.device = last.device if plan.device_state else None
            return status, False
        slow_plan = StatusPlan(
            leds=False,
            dc=False,
            ac=False,
            ac_input=plan.ac_input,
            device_state=plan.device_state,
            snapshot_ids=(),
        )
        slow = await read_status(client, slow_plan)
        status.ac_input, status.device = slow.ac_input, slow.device
        if not self.slow_tier.changed(events):
            self._settings_stale = True  # the interval is up: settings may be changed elsewhere
        self.slow_tier.read(events)
        return status, True

    # --- the key values, several times a second ---------------------------------------------

    async def sample(self) -> PowerSample:
        """Battery, AC-in, AC-out and inverter power and the state of charge at one instant,
        in one round trip; tried once (the sampler comes back soon)."""
        ram = await self.client.snapshot(list(self._snapshot_ids()), retries=0)
        sample = PowerSample.from_ram(self.clock.time(), self.plausibility.ram(ram))
        self._add_sample(sample)
        return sample

    async def sampling_step(self, active: Callable[[], bool] = lambda: True) -> float:
        """One sample when ``active()`` and connected; returns the seconds until the next
        step: what is left of ``SAMPLE_PERIOD``, or ``ERROR_BACKOFF`` after a failed
        reading (unplugged, asleep: reconnecting is the refresh's business)."""
        started = self.clock.time()
        if not active() or self._sleep_sent_at is not None:
            return SAMPLE_PERIOD
        if not self.client.connected:
            return ERROR_BACKOFF
        try:
            await self.sample()
        except VEBusError as err:
            _LOGGER.debug("No sample from %s: %s", self.client.url, err)
            self.counters["samples_failed"] += 1
            return ERROR_BACKOFF
        self.counters["samples"] += 1
        return max(0.0, SAMPLE_PERIOD - (self.clock.time() - started))

    async def run_sampling(self, active: Callable[[], bool] = lambda: True) -> None:
        """``sampling_step`` after ``sampling_step`` until cancelled."""
        while True:
            await self.clock.sleep(await self.sampling_step(active))

    def _sample_of(self, status: VEBusStatus) -> PowerSample:
        ram = dict(status.ram)
        if status.dc is not None:
            ram[RamVar.BATTERY_VOLTAGE] = status.dc.voltage
            ram[RamVar.BATTERY_CURRENT] = status.dc.current
        return PowerSample.from_ram(self.clock.time(), ram)

    def _snapshot_ids(self) -> tuple[int, ...]:
        """One id list for every snapshot: when a lossy line drops the 'F' 6 and not the
        0x38, the reply is the previous snapshot, and its values still match their ids."""
        return tuple(i for i in SAMPLE_IDS if i in self.supported_ram)

    def _add_sample(self, sample: PowerSample) -> None:
        self.last_sample = sample
        if self.on_sample is not None:
            self.on_sample(sample)
        self.energy.add(
            sample.at,
            battery=sample.battery_power,
            grid=sample.grid_power,
            output=sample.output_power,
        )

    async def _restore_session(self) -> None:
        """After a reconnect or a restart of the unit: it forgot every RAM-only value."""
        _LOGGER.debug("New session with %s: re-applying RAM-only values", self.client.url)
        async with self._lock:
            session = self.client.session
            for setting_id, raw in list(self._ram_only.items()):
                await self.client.write_setting_raw(setting_id, raw, persist=False)
            if self.ess is not None:
                await self.ess.reapply()
            self._settings_stale = True
            self._session_seen = session

    async def _repair_settings(self) -> None:
        """RAM-only settings whose write went unconfirmed get the known value back.

        A failure here leaves the setting for the next refresh.
        """
        async with self._lock:
            for setting_id in sorted(self._unsure_settings):
                raw = self._ram_only.get(setting_id)
                try:
                    if raw is None:
                        raw = await self.client.read_setting_raw(setting_id)
                    await self.client.write_setting_raw(setting_id, raw, persist=False)
                except VEBusError as err:
                    _LOGGER.debug("%s not set back yet: %s", setting_name(setting_id), err)
                    continue
                self._unsure_settings.discard(setting_id)
                self._settings_stale = True
                self.counters["settings_set_back"] += 1

    async def _read_settings(self) -> None:
        if not self._settings_stale:
            return
        writes = self._setting_writes
        settings: dict[int, SettingState] = {}
        for setting_id, scale in self.setting_scales.items():
            stored = await self.client.read_setting_raw(setting_id)
            raw = self.setting_in_force(setting_id, stored)
            if setting_id == Setting.FLAGS0:
                self._flags0 = raw
            settings[setting_id] = SettingState(scale.value(raw), scale.value(stored))
        self._settings = settings
        # A write meanwhile makes what was read old: read again next time.
        self._settings_stale = writes != self._setting_writes

    # --- what the unit holds ----------------------------------------------------------------------

    def setting_in_force(self, setting_id: int, stored_raw: int) -> int:
        """The raw value the unit works with: a RAM-only write wins over EEPROM."""
        return self._ram_only.get(setting_id, stored_raw)

    @property
    def remote_mode(self) -> Mode | None:
        """The remote switch position: as just confirmed by the unit, else as last read."""
        if self._confirmed_mode is not None:
            return self._confirmed_mode
        config = self._last_status.ac_input if self._last_status else None
        return config.remote_mode if config is not None else None

    @property
    def current_limit(self) -> float | None:
        """The AC input current limit: as just confirmed by the unit, else as last read."""
        if self._confirmed_limit is not None:
            return self._confirmed_limit
        config = self._last_status.ac_input if self._last_status else None
        return config.current_limit if config is not None else None

    async def read_setting(self, setting_id: int) -> dict[str, Any]:
        """A setting as the unit holds it: in force, stored, and its bounds."""
        scale = await self.client.setting_info(setting_id)
        if scale is None:
            raise VEBusUnsupportedError(f"{setting_name(setting_id)} is not supported by this unit")
        stored = await self.client.read_setting_raw(setting_id)
        raw = self.setting_in_force(setting_id, stored)
        return {
            "id": setting_id,
            "name": setting_name(setting_id),
            "value": scale.value(raw),
            "stored_value": scale.value(stored),
            "raw": raw,
            "unit": SETTING_UNITS.get(setting_id),
            "minimum": scale.minimum,
            "maximum": scale.maximum,
            "default": scale.default,
            "step": scale.step,
        }

    async def read_ram_var(self, ram_id: int) -> dict[str, Any]:
        scale = await self.client.ram_var_info(ram_id)
        if scale is None:
            raise VEBusUnsupportedError(f"{ram_name(ram_id)} is not supported by this unit")
        raw = (await self.client.read_ram_raw([ram_id]))[ram_id]
        value = scale.value(raw)
        return {
            "id": ram_id,
            "name": ram_name(ram_id),
            "value": value,
            "raw": raw,
            "unit": RAM_UNITS.get(ram_id),
        }

    # --- control --------------------------------------------------------------------------------

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

    def _refuse_asleep(self) -> None:
        if self.asleep:
            raise VEBusAsleepError(f"{self.client.url}: the unit is asleep; wake it up first")

    async def set_mode(self, mode: Mode, current_limit: float | None = None) -> None:
        if mode not in self.modes:
            raise VEBusUnsupportedError(f"an inverter without charger has no mode {mode}")
        async with self._control():
            await self._set_panel(mode, current_limit)

    async def set_current_limit(self, current_limit: float) -> None:
        """AC input current limit, RAM only ('S'); the remote switch stays where it is."""
        async with self._control():
            await self._set_panel(self.remote_mode or Mode.ON, current_limit)

    async def set_charger(self, on: bool) -> None:
        """The charger half of the remote switch; the inverter half stays as it is."""
        async with self._control():  # read under the lock: a racing press is not undone
            mode = self.remote_mode or Mode.ON
            await self._set_panel(Mode.from_flags(on, mode.inverter), None)

    async def set_inverter(self, on: bool) -> None:
        async with self._control():
            mode = self.remote_mode or Mode.ON
            await self._set_panel(Mode.from_flags(mode.charger, on), None)

    async def _set_panel(self, mode: Mode, current_limit: float | None) -> None:
        await self.client.set_panel_state(mode, current_limit)
        self._confirmed_mode = mode
        if current_limit is not None:
            self._confirmed_limit = current_limit
        self._panel_writes += 1
        if mode is not Mode.OFF and self._standby_before is not None:
            # Switched on again after ``standby``: Keep awake goes back to what it was.
            await self._send_lines(self._standby_before)
            self._standby_before = None

    async def set_standby(self, standby: bool) -> None:
        """Hold the MK3's standby line (the unit stays reachable while switched off)."""
        async with self._control():
            await self._send_lines(standby)
            self._standby_before = None  # asked for: it stays as it is now

    def restore_standby(self, standby: bool) -> None:
        """Standby as it was before a restart of the owner; sent with the next refresh."""
        self._standby = standby

    async def standby(self) -> None:
        """Off, with the standby line held so the unit can be switched on again; the
        line goes back to what it was when the unit is switched on again."""
        async with self._control():
            if self._standby_before is None:
                self._standby_before = self._standby
            await self._send_lines(True)
            await self._set_panel(Mode.OFF, None)

    async def _send_lines(self, standby: bool) -> None:
        """The interface lines; a write left unconfirmed is sent again next refresh."""
        try:
            await self.client.set_interface(standby=standby)
        except VEBusWriteUnconfirmedError:
            self._standby, self._lines_unsure = standby, True  # what was asked, sent again
            raise
        self._standby, self._lines_unsure = standby, False

    async def write_setting(
        self, setting_id: int, value: float, *, persist: bool | None = None
    ) -> bool:
        """A setting in engineering units: RAM only unless saved permanently (EEPROM, at
        most once per setting per interval). True when the unit needs a restart for it."""
        persist = self.persist_settings if persist is None else persist
        async with self._control():
            raw = await self.client.checked_setting_raw(setting_id, value)
            return await self._write_setting_raw(setting_id, raw, persist)

    async def set_charging_allowed(self, allowed: bool) -> None:
        """DisableCharge (flags0 bit 6), RAM only, read-modify-write."""
        async with self._control():
            current = self._ram_only.get(Setting.FLAGS0)
            if current is None:
                current = await self.client.read_setting_raw(Setting.FLAGS0)
            flags = current & ~Flags0.DISABLE_CHARGE
            if not allowed:
                flags |= Flags0.DISABLE_CHARGE
            # Bit 7 must stay the inverse of bit 3 (protocol.md §6).
            flags &= ~Flags0.WAVE_CHECK_INVERSE
            if not flags & Flags0.DISABLE_WAVE_CHECK:
                flags |= Flags0.WAVE_CHECK_INVERSE
            await self._write_setting_raw(Setting.FLAGS0, int(flags), persist=False)

    async def _write_setting_raw(self, setting_id: int, raw: int, persist: bool) -> bool:
        client = self.client
        with self._unsure_when_unconfirmed(setting_id, persist):
            if persist:
                reset = await self.eeprom.save(
                    setting_id, lambda: client.write_setting_raw(setting_id, raw, persist=True)
                )
            else:
                reset = await client.write_setting_raw(setting_id, raw, persist=False)
        if persist:
            self._ram_only.pop(setting_id, None)
        else:
            self._ram_only[setting_id] = raw
        self._unsure_settings.discard(setting_id)
        self._settings_stale = True
        self._setting_writes += 1
        return reset

    @contextlib.contextmanager
    def _unsure_when_unconfirmed(self, setting_id: int, persist: bool) -> Iterator[None]:
        """A RAM-only write left unconfirmed (or cancelled): set the known value back.

        (An unconfirmed EEPROM write needs nothing: refreshes read the stored value.)
        """
        try:
            yield
        except (VEBusWriteUnconfirmedError, asyncio.CancelledError):
            if not persist:
                self._unsure_settings.add(setting_id)
            self._settings_stale = True
            raise

    async def write_ram_var(self, ram_id: int, value: float) -> None:
        """A RAM variable (RAM only by nature). The ESS setpoint's RAM id goes the ESS way:
        bounded by the ESS maximum, kept alive and returned to 0 W like any setpoint."""
        if ram_id >= ASSISTANT_START and ram_id == await self._ess_ram_id():
            # The RAM value counts + as feeding in; the setpoint counts + as charging.
            await self.set_ess_setpoint(-value)
            return
        async with self._control():
            await self.client.write_ram_var(ram_id, value)

    def _ess_at(self, ram_id: int) -> EssSetpoint:
        return EssSetpoint(
            self.client,
            ram_id,
            self._lock,
            self.clock,
            max_power=self._ess_max_power,
            interval=self._ess_keepalive,
        )

    async def _ess_ram_id(self) -> int | None:
        if self.ess is None and self.device is None:  # not discovered: look it up now
            return await self.client.find_ess_setpoint()
        return self.ess.ram_id if self.ess is not None else None

    async def set_ess_setpoint(self, watts: float, duration: float | None = None) -> None:
        """ESS mode 3 setpoint in W (+ = charge from AC-in), kept alive while not 0."""
        self._refuse_asleep()
        if self.ess is None:
            ram_id = await self._ess_ram_id()
            if ram_id is None:
                raise VEBusUnsupportedError("this unit has no ESS assistant")
            self.ess = self._ess_at(ram_id)
        self.counters["writes"] += 1
        try:
            await self.ess.set(watts, duration)
        except BaseException:
            self.counters["writes_failed"] += 1
            raise

    async def force_charge_state(self, state: ForcedChargeState) -> DeviceStatus:
        """Force a charge state; the state the unit answered shows at once (and a unit
        that answers another one, not charging say, raises VEBusWriteNotAppliedError)."""
        async with self._control():
            answered = await self.client.force_charge_state(state)
        if self._last_status is not None:
            self._last_status.device = answered
        if answered.charge_state not in FORCED_ANSWERS.get(state, {answered.charge_state}):
            raise VEBusWriteNotAppliedError(
                f"forced {state.name.lower()}: the unit answered "
                f"{answered.state.name.lower()}, {answered.charge_state.name.lower()}"
            )
        return answered

    async def sleep(self) -> None:
        """Low-power sleep. A standing ESS setpoint goes to 0 W first: nobody keeps a
        sleeping unit's setpoint alive, and waking does not bring it back."""
        if self.ess is not None:
            await self.ess.release()
        async with self._control():
            await self.client.sleep()
            self._sleep_sent_at = self.clock.time()

    async def wake(self) -> None:
        """Wake the unit; returns once it answers (VEBusTimeoutError if it does not)."""
        self.counters["writes"] += 1
        try:
            async with self._lock:
                await self.client.wake()
        except BaseException:
            self.counters["writes_failed"] += 1
            raise
        if self.asleep:
            _LOGGER.info("%s woke up", self.client.url)
        self.asleep, self._sleep_sent_at = False, None

    # --- the end ----------------------------------------------------------------------------------

    async def close(self) -> None:
        """ESS back to 0 W, keep-alive off, port closed."""
        if self.ess is not None:
            await self.ess.release()
        await self.client.close()

    def diagnostics(self) -> dict[str, Any]:
        device = self.device
        return {
            "device": None
            if device is None
            else {
                "interface": device.interface_model,
                "interface_version": device.interface_version,
                "firmware_version": device.firmware_version,
                "serial_number": device.serial_number,
            },
            "phases": self.phases,
            "unit_addresses": list(self.addresses),
            "ess_ram_id": self.ess.ram_id if self.ess else None,
            "ess_setpoint": self.ess.watts if self.ess else None,
            "ess_setpoint_unconfirmed": bool(self.ess and self.ess.unsure),
            "supported_ram": [ram_name(i) for i in sorted(self.supported_ram)],
            "settings": [setting_name(i) for i in sorted(self.setting_scales)],
            "ram_only_settings": {setting_name(k): v for k, v in sorted(self._ram_only.items())},
            "unconfirmed_ram_only_settings": [
                setting_name(i) for i in sorted(self._unsure_settings)
            ],
            "eeprom_saved": {setting_name(k): v for k, v in sorted(self.eeprom.saved.items())},
            "session": self.client.session,
            "counters": dict(sorted(self.counters.items())),
            "implausible_values": dict(sorted(self.plausibility.counts.items())),
            "framing": asdict(self.client.framing_stats),
            "client": self.client.stats.as_dict(),
        }
