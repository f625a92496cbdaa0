"""One VE.Bus unit's rules, above the client: the project's safety promises (design.md §5).

- What the unit supports is learnt once (``discover``), and only that is read.
- Settings are written RAM only unless saved permanently; RAM-only values are remembered
  (the ledger) and written again after the unit restarts or the connection returns, within
  the refresh that notices it; so is the current limit sent with the remote panel command.
  The owner may keep the ledger across its own restart (``unit_ledger``, ``ram_only``).
  A RAM-only write left unconfirmed is set back to the value known at the next refresh:
  the unit may hold the new value or the old one, and only the old one is known.
- EEPROM saves go through the limiter (``eeprom``): once per setting per interval.
- A flag switch changes the bits it owns and no other: read-modify-write on the word the
  unit confirmed last (``controls``).
- The ESS setpoint is kept alive while set and returned to 0 W on ``close`` (``ess``);
  in a system of several phases each phase master has its own (``ess_system``). The ESS
  control (``ess_controller``) drives it from a grid meter, or to a state of charge.
- The remote switch and the current limit the unit acknowledged are the truth until a
  refresh reads them back, so a second control builds on the first.
- Writes, re-applying and the keep-alive run one at a time (the control lock), so none of
  them undoes another.
- Sleep is a state, not a fault: from the moment ``sleep`` sent the command the unit counts
  as asleep (controls refused, nothing written); a refresh asks once whether it answers and
  reports it asleep without reading anything until it wakes (an answer after silence) or
  turns out never to have fallen asleep (still answering after ``SLEEP_SETTLE``). The ESS
  control ends and a standing setpoint is released to 0 W first; neither comes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, replace
import logging
from typing import Any

from .errors import (
    VEBusError,
    VEBusTimeoutError,
    VEBusUnitWriteError,
    VEBusUnsupportedError,
)
from .ess import EssSetpoint, check_ess_mode
from .ess_controller import EssController
from .ess_system import EssSystem
from .ids import (
    ASSISTANT_START,
    SNAPSHOT_POWER_IDS,
    RamVar,
    ram_name,
    setting_name,
)
from .plausible import nominal_voltage, read_nominal_voltage
from .ram_only import RamOnlySetting
from .status import StatusPlan, VEBusStatus, find_units, read_status
from .tiers import Events
from .unit_core import SettingDisagreement, SettingState, UnitState
from .unit_sampling import UnitSampling
from .values import number

_LOGGER = logging.getLogger(__name__)

__all__ = ["SLEEP_SETTLE", "SettingDisagreement", "SettingState", "UnitState", "VEBusUnit"]

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


class VEBusUnit(UnitSampling):
    """The unit behind ``client``: discovery, refresh and every control write (the layers:
    ``unit_core``, ``unit_settings``, ``unit_panel``, ``unit_sampling``)."""

    async def discover(self, settings: Iterable[int] = ()) -> None:
        """Identity, phases, the RAM variables and ``settings`` it has, the ESS setpoint."""
        client = self.client
        self.device = await client.probe()
        for ram_id in DISCOVERED_RAM:
            if await client.ram_var_info(ram_id) is not None:
                self.supported_ram.add(ram_id)
        await self.track_settings(settings)
        self.nominal_voltage = await read_nominal_voltage(client)
        self.plausibility.nominal_voltage = nominal_voltage(None)
        if self.nominal_voltage is not None:
            self.plausibility.nominal_voltage = self.nominal_voltage
        await self.find_system()
        await self._find_ess()
        try:
            self.ac_inputs = (await client.ac_input_config()).inputs
        except VEBusUnsupportedError:
            self.ac_inputs = None
        self._session_seen = client.session

    async def find_system(self) -> None:
        """Phases and, in a system of several units, their addresses (every unit gets the
        settings of the tables written). ``discover`` does it; the command line too."""
        first = await self.client.ac_info(1)
        self.phases = first.phases or 1
        if self.phases > 1 or first.units > 1:
            self.addresses = await find_units(self.client)

    async def _find_ess(self) -> None:
        """The ESS setpoint of each phase master (addresses 0, 1, 2: protocol.md §8)."""
        ram_id = await self.client.find_ess_setpoint()
        if ram_id is None:
            return
        setpoints = [self._ess_at(ram_id)]
        for address in range(1, self.phases):
            try:
                phase_id = await self.client.find_ess_setpoint(address=address)
            except VEBusError as err:
                phase_id = None
                _LOGGER.debug("No ESS assistant found at address %s: %s", address, err)
            if phase_id is None:
                _LOGGER.warning(
                    "The phase master at address %s has no ESS assistant: the ESS setpoint "
                    "goes to the other phases only",
                    address,
                )
                continue
            setpoints.append(self._ess_at(phase_id, address))
        self._use_ess(EssSystem(setpoints))

    def _use_ess(self, ess: EssSystem) -> None:
        self.ess = ess
        if self.ess_control is None:
            self.ess_control = EssController(self)

    async def track_settings(self, settings: Iterable[int]) -> set[int]:
        """Learn the scales of ``settings``; those the unit has are read on refresh."""
        for setting_id in settings:
            if setting_id not in self.setting_scales:
                scale = await self.client.setting_info(setting_id)
                if scale is not None:
                    self.setting_scales[setting_id] = scale
                    self._settings_stale = True
        return {setting_id for setting_id in settings if setting_id in self.setting_scales}

    async def refresh(self, plan: StatusPlan) -> UnitState:
        """Read what ``plan`` asks for, after putting back what the unit may have lost.

        The slow parts of ``plan`` (AC-input configuration, device state, settings) are
        read when ``slow_tier`` says so; otherwise the last values read stand.
        """
        await self.client.ensure_connected()
        if self.asleep and not await self._answers_after_sleep():
            return self.asleep_state()
        try:
            state = await self._refresh_awake(plan)
        except VEBusTimeoutError:
            if self.asleep:  # sent to sleep while this refresh read: it went quiet
                return self.asleep_state()
            raise
        return self.asleep_state() if self.asleep else state

    async def _refresh_awake(self, plan: StatusPlan) -> UnitState:
        client = self.client
        if client.session != self._session_seen:
            await self._restore_session()
        if self.ram_only_to_check:
            await self._take_back()
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
        await self._read_settings(plan.setting_ids)
        return UnitState(
            status=status,
            settings=dict(self._settings),
            flags=dict(self._flags),
            ess_setpoint=self.ess.watts if self.ess is not None else None,
            ess_phase_setpoints=tuple(self.ess.phase_watts) if self.ess is not None else (),
            standby=self._standby,
            energy=dict(self.energy.kwh),
            disagreements=self.disagreements,
        )

    async def _answers_after_sleep(self) -> bool:
        """One 'V', tried once: True once the unit is awake. An answer after silence is a
        wake-up (AC on its input, its front switch); an answer before any silence is a
        unit still falling asleep, until ``SLEEP_SETTLE`` says it never will."""
        try:
            await self.client.version(retries=0)
        except VEBusTimeoutError:
            if not self._silent_since_sleep:
                _LOGGER.info("%s is asleep", self.client.url)
            self._silent_since_sleep = True
            return False
        sent_at = self._sleep_sent_at or 0.0
        if self._silent_since_sleep:
            _LOGGER.info("%s woke up", self.client.url)
        elif self.clock.time() - sent_at <= SLEEP_SETTLE:
            return False
        else:
            _LOGGER.info(
                "%s still answers %.0f s after Sleep: awake", self.client.url, SLEEP_SETTLE
            )
        self._awake()
        return True

    def asleep_state(self) -> UnitState:
        """What a sleeping unit shows: what it holds (settings, flags, standby, the energy
        totals, the ESS setpoint at 0 W), and nothing read."""
        return UnitState(
            status=VEBusStatus(self.client.interface_version, self.client.address),
            settings=dict(self._settings),
            flags=dict(self._flags),
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

    async def _restore_session(self) -> None:
        """After a reconnect or a restart of the unit: it forgot every RAM-only value (each
        unit of a system did). Another unit that does not take one back now gets it at the
        next refresh (``_repair_settings``)."""
        _LOGGER.debug("New session with %s: re-applying RAM-only values", self.client.url)
        async with self._lock:
            session = self.client.session
            for setting_id, raw in list(self._ram_only.items()):
                try:
                    await self._write_units(setting_id, raw, persist=False)
                except VEBusUnitWriteError as err:
                    _LOGGER.warning("Not re-applied yet: %s", err)
                    self._unsure_settings.add(setting_id)
            await self._resend_panel_limit()
            if self.ess is not None:
                await self.ess.reapply()
            self._settings_stale = True
            self._session_seen = session

    async def write_ram_var(self, ram_id: int, value: float) -> None:
        """A RAM variable (RAM only by nature). The ESS setpoint's RAM id goes the ESS way:
        bounded by the ESS maximum, kept alive and returned to 0 W like any setpoint. A value
        the quantity cannot have (a state of charge of 150 %) is refused before the wire."""
        value = number(ram_name(ram_id), value)
        if ram_id >= ASSISTANT_START and ram_id == await self._ess_ram_id():
            # The RAM value counts + as feeding in; the setpoint counts + as charging.
            await self.set_ess_setpoint(-value)
            return
        self.plausibility.check_ram(ram_id, value)
        async with self._control():
            await self.client.write_ram_var(ram_id, value)

    def _ess_at(self, ram_id: int, address: int | None = None) -> EssSetpoint:
        return EssSetpoint(
            self.client,
            ram_id,
            self._lock,
            self.clock,
            max_power=self._ess_max_power,
            interval=self._ess_keepalive,
            address=address,
        )

    async def _ess_ram_id(self) -> int | None:
        if self.ess is None and self.device is None:  # not discovered: look it up now
            return await self.client.find_ess_setpoint()
        return self.ess.ram_id if self.ess is not None else None

    async def set_ess_setpoint(self, watts: float, duration: float | None = None) -> None:
        """ESS mode 3 setpoint in W (+ = charge from AC-in), kept alive while not 0; the
        system's total, split over the phase masters. Ends a running state-of-charge
        program (the grid target, when on, goes on from this setpoint)."""
        watts = number("ESS setpoint", watts)
        self._refuse_asleep()
        check_ess_mode(await self.mode_in_force(), watts)
        if self.ess is None:
            ram_id = await self._ess_ram_id()
            if ram_id is None:
                raise VEBusUnsupportedError("this unit has no ESS assistant")
            self._use_ess(EssSystem([self._ess_at(ram_id)]))
        assert self.ess is not None
        if self.ess_control is not None:
            self.ess_control.setpoint_set_by_hand()
        self.counters["writes"] += 1
        try:
            await self.ess.set(watts, duration)
        except BaseException:
            self.counters["writes_failed"] += 1
            raise

    async def close(self) -> None:
        """ESS control off, ESS back to 0 W, keep-alive off, port closed for good: no
        later write or refresh opens it again (VEBusClosedError)."""
        self.closed = True
        if self.ess_control is not None:
            await self.ess_control.close()
        if self.ess is not None:
            await self.ess.release()
        await self.client.close(final=True)

    def _ram_only_diagnostics(self, setting_id: int, entry: RamOnlySetting) -> dict[str, Any]:
        """In engineering units where the scale is known (raw words besides)."""
        scale = self.setting_scales.get(setting_id)
        shown = {"raw": entry.raw, "stored_raw": entry.stored}
        if scale is None:
            return shown
        stored = None if entry.stored is None else scale.value(entry.stored)
        return {"value": scale.value(entry.raw & 0xFFFF), "stored": stored, **shown}

    def diagnostics(self) -> dict[str, Any]:
        device = self.device
        ledger = self.ram_only_ledger()
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
            "ess_phase_setpoints": self.ess.phase_watts if self.ess else [],
            "ess_control": self.ess_control.diagnostics() if self.ess_control else None,
            "supported_ram": [ram_name(i) for i in sorted(self.supported_ram)],
            "settings": [setting_name(i) for i in sorted(self.setting_scales)],
            # Each setting in force, and stored when it was written RAM only.
            "ram_only_settings": {
                setting_name(k): self._ram_only_diagnostics(k, v)
                for k, v in sorted(ledger.settings.items())
            },
            "ram_only_current_limit": ledger.current_limit,
            "ram_only_to_check": self.ram_only_to_check,
            "units_disagree_on": [str(d) for d in self.disagreements],
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
