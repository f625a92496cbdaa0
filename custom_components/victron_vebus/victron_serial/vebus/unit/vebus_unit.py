"""One VE.Bus unit's rules, above the client: the project's safety promises (design.md §5).

- What the unit supports is learnt once (``discover``, ``facts``), and only that is read.
- Settings are written RAM only unless saved permanently; RAM-only values are remembered
  (the ledger) and written again after the unit restarts or the connection returns, within
  the refresh that notices it; so is the current limit sent with the remote panel command.
  The owner may keep the ledger across its own restart (``ram_only``).
  A RAM-only write left unconfirmed is set back to the value known at the next refresh:
  the unit may hold the new value or the old one, and only the old one is known
  (``settings``, ``ram_only_settings``).
- EEPROM saves go through the limiter (``eeprom``): once per setting per interval.
- A flag switch changes the bits it owns and no other: read-modify-write on the word the
  unit confirmed last (``device.controls``).
- The ESS setpoint is kept alive while set and returned to 0 W on ``close``; in a system of
  several phases each phase master has its own. The ESS control drives it from a grid
  meter, or to a state of charge (``ess``, and the ``ess`` package).
- The remote switch and the current limit the unit acknowledged are the truth until a
  refresh reads them back, so a second control builds on the first (``panel``).
- Writes, re-applying and the keep-alive run one at a time (the control lock, ``gate``), so
  none of them undoes another.
- Sleep is a state, not a fault (``sleep``). The ESS control ends and a standing setpoint
  is released to 0 W first; neither comes back.

``VEBusUnit`` owns no state of its own beyond its parts: it builds them, gives each what it
needs, and answers every call through the part that owns it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import logging
from typing import Any

from ...foundation.clock import Clock, SystemClock
from ..client import VEBusClient
from ..device.product import Product
from ..device.states import AcInputConfig, DeviceInfo, Mode
from ..device.value_checks import number
from ..eeprom import EepromLimiter
from ..errors import VEBusTimeoutError, VEBusUnsupportedError
from ..ess.controller import EssController
from ..ess.setpoint import DEFAULT_MAX_POWER, KEEPALIVE_INTERVAL
from ..ess.system import EssSystem
from ..plausible import Plausibility, nominal_voltage, read_nominal_voltage
from ..protocol.ids import ASSISTANT_START, SNAPSHOT_POWER_IDS, RamVar, ram_name
from ..reading.sampling import PowerSample
from ..reading.status import StatusPlan, VEBusStatus
from .diagnostics import unit_diagnostics
from .ess import UnitEss
from .facts import UnitFacts
from .gate import WriteGate
from .panel import Panel
from .ram_only import RamOnlyLedger
from .sampler import Sampler
from .settings import Settings
from .sleep import Sleep
from .state import SettingDisagreement, UnitState
from .status_reader import StatusReader

_LOGGER = logging.getLogger(__name__)

__all__ = ["VEBusUnit"]

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


class VEBusUnit:
    """The unit behind ``client``: discovery, refresh and every control write, each done by
    the part that owns its state (facts, settings, panel, sleep, sampler, ESS)."""

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
        clock = clock or SystemClock()
        self.client = client
        self._clock = clock
        self.closed = False  # for good: nothing opens the port again (``close``)
        self._session_seen = 0
        self.plausibility = Plausibility()
        self._gate = gate = WriteGate(client)
        self._facts = facts = UnitFacts(client)
        self._settings = settings = Settings(
            client, gate, facts, eeprom or EepromLimiter(clock=clock), persist=persist_settings
        )
        self._reader = reader = StatusReader(client, gate, facts, clock, settings.known.expire)
        self._panel = panel = Panel(client, gate, facts, reader)
        self._ess = ess = UnitEss(
            client,
            gate,
            facts,
            clock,
            host=self,
            mode_in_force=panel.mode_in_force,
            max_power=ess_max_power,
            keepalive=ess_keepalive,
        )
        self._sampler = sampler = Sampler(
            client,
            gate,
            facts,
            settings.known,
            self.plausibility,
            clock,
            ess_phases=ess.sampled_phases,
            to_ess=ess.on_sample,
        )
        self._sleep = Sleep(client, gate, clock, on_awake=ess.resume)
        # Shared objects, the same as the parts'.
        self.counters = gate.counters
        self.supported_ram = facts.supported_ram
        self.setting_scales = facts.setting_scales
        self.slow_tier = reader.slow_tier
        self.energy = sampler.energy
        # Calls answered by the part that owns what they change.
        self.find_system = facts.find_system
        self.offers = facts.offers
        self.track_settings = settings.track
        self.setting_in_force = settings.setting_in_force
        self.setting_state = settings.setting_state
        self.flag = settings.known.flag
        self.flag_stored = settings.known.flag_stored
        self.read_setting = settings.read_setting
        self.read_ram_var = settings.read_ram_var
        self.write_setting = settings.write_setting
        self.set_flag = settings.set_flag
        self.set_charging_allowed = settings.set_charging_allowed
        self.set_battery_monitor = settings.set_battery_monitor
        self.mode_in_force = panel.mode_in_force
        self.set_mode = panel.set_mode
        self.set_current_limit = panel.set_current_limit
        self.set_charger = panel.set_charger
        self.set_inverter = panel.set_inverter
        self.set_standby = panel.set_standby
        self.restore_standby = panel.restore_standby
        self.force_charge_state = panel.force_charge_state
        self.wake = self._sleep.wake
        self.set_ess_setpoint = ess.set
        self.sample = sampler.sample
        self.sampling_step = sampler.sampling_step
        self.run_sampling = sampler.run_sampling

    @property
    def clock(self) -> Clock:
        """Where every timing rule takes time from (the EEPROM limit, the ESS keep-alive)."""
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = self._settings.eeprom.clock = self.slow_tier.clock = clock
        self._ess.clock = self._sampler.clock = self._sleep.clock = clock

    @property
    def eeprom(self) -> EepromLimiter:
        return self._settings.eeprom

    @eeprom.setter
    def eeprom(self, limiter: EepromLimiter) -> None:
        self._settings.eeprom = limiter

    @property
    def persist_settings(self) -> bool:
        return self._settings.persist

    @persist_settings.setter
    def persist_settings(self, persist: bool) -> None:
        self._settings.persist = persist

    @property
    def on_ram_only_change(self) -> Callable[[], None] | None:
        """Called when the ledger changed (the owner keeps it: ``ram_only_ledger``)."""
        return self._settings.ram_only.on_change

    @on_ram_only_change.setter
    def on_ram_only_change(self, callback: Callable[[], None] | None) -> None:
        self._settings.ram_only.on_change = self._panel.on_change = callback

    @property
    def on_sample(self) -> Callable[[PowerSample], None] | None:
        """Called with each sample, and each refresh's values."""
        return self._sampler.on_sample

    @on_sample.setter
    def on_sample(self, callback: Callable[[PowerSample], None] | None) -> None:
        self._sampler.on_sample = callback

    @property
    def ess_max_power(self) -> int:
        return self._ess.max_power

    @ess_max_power.setter
    def ess_max_power(self, watts: int) -> None:
        self._ess.max_power = watts

    @property
    def device(self) -> DeviceInfo | None:
        return self._facts.device

    @property
    def phases(self) -> int:
        return self._facts.phases

    @property
    def addresses(self) -> tuple[int, ...]:
        """Of each unit, in a system of several."""
        return self._facts.addresses

    @property
    def other_units(self) -> tuple[int, ...]:
        return self._facts.other_units

    @property
    def ac_inputs(self) -> int | None:
        return self._facts.ac_inputs

    @property
    def nominal_voltage(self) -> float | None:
        return self._facts.nominal_voltage

    @property
    def product(self) -> Product:
        return self._facts.product

    @property
    def has_charger(self) -> bool:
        return self._facts.has_charger

    @property
    def modes(self) -> tuple[Mode, ...]:
        return self._facts.modes

    @property
    def offers_battery_monitor(self) -> bool:
        return self._facts.offers_battery_monitor

    @property
    def battery_monitor(self) -> bool | None:
        return self._settings.known.battery_monitor

    @property
    def battery_monitor_can_resume(self) -> bool:
        return self._settings.known.battery_monitor_can_resume

    @property
    def disagreements(self) -> tuple[SettingDisagreement, ...]:
        return self._settings.system.disagreements

    @property
    def ac_input_config(self) -> AcInputConfig | None:
        return self._panel.ac_input_config

    @property
    def remote_mode(self) -> Mode | None:
        return self._panel.remote_mode

    @property
    def current_limit(self) -> float | None:
        return self._panel.current_limit

    @property
    def asleep(self) -> bool:
        """Sent to sleep, and not found awake since."""
        return self._gate.asleep

    @property
    def ess(self) -> EssSystem | None:
        return self._ess.system

    @property
    def ess_control(self) -> EssController | None:
        return self._ess.control

    @property
    def last_sample(self) -> PowerSample | None:
        return self._sampler.last_sample

    @property
    def soc(self) -> float | None:
        return self._sampler.soc

    async def discover(self, settings: Iterable[int] = ()) -> None:
        """Identity, phases, the RAM variables and ``settings`` it has, the ESS setpoint."""
        client, facts = self.client, self._facts
        facts.device = await client.probe()
        for ram_id in DISCOVERED_RAM:
            if await client.ram_var_info(ram_id) is not None:
                facts.supported_ram.add(ram_id)
        await self.track_settings(settings)
        facts.nominal_voltage = await read_nominal_voltage(client)
        self.plausibility.nominal_voltage = nominal_voltage(None)
        if facts.nominal_voltage is not None:
            self.plausibility.nominal_voltage = facts.nominal_voltage
        await facts.find_system()
        await self._ess.find()
        try:
            facts.ac_inputs = (await client.ac_input_config()).inputs
        except VEBusUnsupportedError:
            facts.ac_inputs = None
        self._session_seen = client.session

    async def refresh(self, plan: StatusPlan) -> UnitState:
        """Read what ``plan`` asks for, after putting back what the unit may have lost.

        The slow parts of ``plan`` (AC-input configuration, device state, settings) are
        read when ``slow_tier`` says so; otherwise the last values read stand.
        """
        await self.client.ensure_connected()
        if self.asleep and not await self._sleep.answers():
            return self.asleep_state()
        try:
            state = await self._refresh_awake(plan)
        except VEBusTimeoutError:
            if self.asleep:  # sent to sleep while this refresh read: it went quiet
                return self.asleep_state()
            raise
        return self.asleep_state() if self.asleep else state

    async def _refresh_awake(self, plan: StatusPlan) -> UnitState:
        settings, panel = self._settings, self._panel
        if self.client.session != self._session_seen:
            await self._restore_session()
        if self.ram_only_to_check:
            async with self._gate.lock:
                await settings.ram_only.take_back()
                await panel.take_back_limit()
        if settings.ram_only.unsure:
            async with self._gate.lock:
                await settings.ram_only.repair()
        panel_writes = panel.writes
        status, slow_read = await self._reader.read(plan)
        status = self.plausibility.status(status)
        # A write confirmed while the status was read is newer than what it read.
        if slow_read and status.ac_input is not None and panel_writes == panel.writes:
            panel.read_back()
        self._reader.last = status
        self._sampler.add_status(status)
        await panel.repeat_lines()
        await settings.read(plan.setting_ids)
        return self._state(status)

    def asleep_state(self) -> UnitState:
        """What a sleeping unit shows: what it holds (settings, flags, standby, the energy
        totals, the ESS setpoint at 0 W), and nothing read."""
        status = VEBusStatus(self.client.interface_version, self.client.address)
        return self._state(status, asleep=True)

    def _state(self, status: VEBusStatus, *, asleep: bool = False) -> UnitState:
        known, ess = self._settings.known, self.ess
        return UnitState(
            status=status,
            settings=dict(known.values),
            flags=dict(known.flags),
            ess_setpoint=None if ess is None else 0 if asleep else ess.watts,
            ess_phase_setpoints=() if ess is None or asleep else tuple(ess.phase_watts),
            standby=self._panel.standby,
            energy=dict(self.energy.kwh),
            asleep=asleep,
            disagreements=() if asleep else self.disagreements,
        )

    async def _restore_session(self) -> None:
        """After a reconnect or a restart of the unit: it forgot every RAM-only value (each
        unit of a system did), the current limit and the ESS setpoint."""
        _LOGGER.debug("New session with %s: re-applying RAM-only values", self.client.url)
        async with self._gate.lock:
            session = self.client.session
            await self._settings.ram_only.reapply()
            await self._panel.resend_limit()
            await self._ess.reapply()
            self._settings.known.all_stale = True
            self._session_seen = session

    def ram_only_ledger(self) -> RamOnlyLedger:
        """Every setting written RAM only, with its stored value then, and the remote
        panel's current limit; what was handed back and is not checked yet counts too."""
        return RamOnlyLedger(self._settings.ram_only.ledger(), self._panel.ledger_limit)

    def restore_ram_only(self, ledger: RamOnlyLedger) -> None:
        """The ledger of the owner's last run, before the first refresh; that refresh
        writes again what still applies and drops the rest (``ram_only``)."""
        self._settings.ram_only.handed_back = dict(ledger.settings)
        self._panel.handed_back_limit = ledger.current_limit

    @property
    def ram_only_to_check(self) -> bool:
        """Something handed back is not checked against the unit yet."""
        return bool(self._settings.ram_only.handed_back) or (
            self._panel.handed_back_limit is not None
        )

    async def write_ram_var(self, ram_id: int, value: float) -> None:
        """A RAM variable (RAM only by nature). The ESS setpoint's RAM id goes the ESS way:
        bounded by the ESS maximum, kept alive and returned to 0 W like any setpoint. A value
        the quantity cannot have (a state of charge of 150 %) is refused before the wire."""
        value = number(ram_name(ram_id), value)
        if ram_id >= ASSISTANT_START and ram_id == await self._ess.ram_id():
            # The RAM value counts + as feeding in; the setpoint counts + as charging.
            await self.set_ess_setpoint(-value)
            return
        self.plausibility.check_ram(ram_id, value)
        async with self._gate.control():
            await self.client.write_ram_var(ram_id, value)

    async def standby(self) -> None:
        """Off, with the standby line held so the unit can be switched on again; the
        line goes back to what it was when the unit is switched on again. The ESS control
        ends and a standing setpoint goes to 0 W first; neither comes back when it is
        switched on again."""
        self._gate.refuse_asleep()
        await self._ess.end()
        await self._panel.off_in_standby()

    async def sleep(self) -> None:
        """Low-power sleep. The ESS control ends and a standing ESS setpoint goes to 0 W
        first: nobody keeps a sleeping unit's setpoint alive, and waking brings neither
        back. From the moment the command is sent the unit counts as asleep: nothing is
        written to it (controls raise VEBusAsleepError) until it is found awake."""
        self._gate.refuse_asleep()
        await self._ess.end(pause=True)
        try:
            await self._sleep.send()
        except BaseException:
            self._ess.resume()
            raise

    async def close(self) -> None:
        """ESS control off, ESS back to 0 W, keep-alive off, port closed for good: no
        later write or refresh opens it again (VEBusClosedError)."""
        self.closed = True
        await self._ess.end()
        await self.client.close(final=True)

    def diagnostics(self) -> dict[str, Any]:
        return unit_diagnostics(
            self.client,
            self._facts,
            self._settings,
            self._ess,
            self.ram_only_ledger(),
            to_check=self.ram_only_to_check,
            counters=self.counters,
            plausibility=self.plausibility,
        )
