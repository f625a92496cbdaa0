"""Settings: read where wanted, the RAM-only ledger, EEPROM through the limiter, flag words
changed bit by bit on the word the unit confirmed last.

In a system of several units (parallel, or on several phases) the settings of the control
tables go to every unit, each write confirmed, the unit addressed first: a system runs one
configuration. Of a flags word every unit gets the switches' bits and keeps its own (its
place in the system). A unit that does not take a write fails it, named
(``VEBusUnitWriteError``); a RAM-only write is then set back on every unit at the next
refresh. Each read of such a setting reads the other units too, and what they hold
differently is ``disagreements``: stored values, unless a RAM-only value written to every
unit is in force.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
import contextlib
import logging
from typing import Any

from .charge_voltages import PAIRED, check_charge_voltage
from .controls import (
    BATTERY_MONITOR_SETTING,
    CHARGING_ALLOWED,
    FLAG_SWITCHES,
    SYSTEM_SETTINGS,
    FlagSwitch,
    SettingControl,
    system_bits,
)
from .errors import (
    VEBusError,
    VEBusTimeoutError,
    VEBusUnitWriteError,
    VEBusUnsupportedError,
    VEBusWriteUnconfirmedError,
)
from .ids import (
    FLAG_SETTINGS,
    RAM_UNITS,
    SETTING_UNITS,
    ram_name,
    setting_name,
)
from .unit_core import SettingDisagreement, SettingState, UnitCore

_LOGGER = logging.getLogger(__name__)


class UnitSettings(UnitCore):
    """Reading and writing the unit's settings and flag switches."""

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
                    await self._write_units(setting_id, raw, persist=False)
                except VEBusError as err:
                    _LOGGER.debug("%s not set back yet: %s", setting_name(setting_id), err)
                    continue
                self._unsure_settings.discard(setting_id)
                self._stale_settings.add(setting_id)
                self.counters["settings_set_back"] += 1

    async def _read_settings(self, wanted: Iterable[int] | None) -> None:
        """Every setting when the slow tier says so, else those written since; of those,
        the ``wanted`` ones (None: all). The others are read once they are wanted."""
        tracked = set(self.setting_scales)
        every = self._settings_stale
        stale = tracked if every else self._stale_settings & tracked
        if wanted is not None:
            stale &= set(wanted)
        writes = self._setting_writes.copy()
        stored: dict[int, int] = {}
        for setting_id in sorted(stale):
            stored[setting_id] = await self.client.read_setting_raw(setting_id)
        compared = [s for s in sorted(stale) if s in SYSTEM_SETTINGS and s not in self._ram_only]
        at_units = await self._read_units(compared)
        if every:
            self._stale_settings |= tracked
            self._settings_stale = False
        self._stale_settings -= stale
        for setting_id, stored_raw in stored.items():
            if self._setting_writes[setting_id] != writes[setting_id]:
                # Written meanwhile: what was read is old, read again next time.
                self._stale_settings.add(setting_id)
                continue
            self._known(setting_id, self.setting_in_force(setting_id, stored_raw), stored_raw)
            if setting_id in self._ram_only:  # written RAM only to every unit: one value
                self._disagreements.pop(setting_id, None)
            elif at_units.get(setting_id):  # (a silent unit leaves what stood)
                own = {self.client.address: stored_raw}
                self._compare_units(setting_id, own | at_units[setting_id])

    async def _read_units(self, setting_ids: list[int]) -> dict[int, dict[int, int]]:
        """Setting id -> address -> the stored value at each other unit of the system, unit
        by unit (one address selection each), once without retries: a unit that does not
        answer is left out of this refresh's comparison."""
        found: dict[int, dict[int, int]] = {setting_id: {} for setting_id in setting_ids}
        for address in self.other_units if setting_ids else ():
            try:
                for setting_id in setting_ids:
                    found[setting_id][address] = await self.client.read_setting_raw(
                        setting_id, address=address, retries=0
                    )
            except (VEBusTimeoutError, VEBusUnsupportedError) as err:
                _LOGGER.debug("Unit %s: settings not compared this time: %s", address, err)
                for values in found.values():
                    values.pop(address, None)
        return found

    def _compare_units(self, setting_id: int, by_address: dict[int, int]) -> None:
        """What the units hold differently of one setting: its value, or a flags word's
        switches one by one (the other bits are each unit's own)."""
        scale = self.setting_scales[setting_id]
        found: list[SettingDisagreement] = []
        if setting_id in FLAG_SETTINGS:
            for flag in FLAG_SWITCHES:
                if flag.setting_id != setting_id or not self.offers(flag):
                    continue
                states = {address: flag.is_on(word) for address, word in by_address.items()}
                if len(set(states.values())) > 1:
                    shown = tuple((a, "on" if on else "off") for a, on in sorted(states.items()))
                    found.append(SettingDisagreement(flag.key, shown))
        elif len(set(by_address.values())) > 1:
            unit = SETTING_UNITS.get(setting_id)
            shown = tuple(
                (address, f"{scale.value(raw):g}" + (f" {unit}" if unit else ""))
                for address, raw in sorted(by_address.items())
            )
            found.append(SettingDisagreement(setting_name(setting_id), shown))
        if found:
            self._disagreements[setting_id] = found
        else:
            self._disagreements.pop(setting_id, None)

    def _known(self, setting_id: int, raw: int, stored_raw: int) -> None:
        """What the unit holds of a setting, as read or as a confirmed write set it."""
        scale = self.setting_scales.get(setting_id)
        if scale is None:
            return
        self._settings[setting_id] = SettingState(scale.value(raw), scale.value(stored_raw))
        self._stored[setting_id] = stored_raw
        if setting_id in self._ram_only and self._ram_only_stored.get(setting_id) is None:
            # Written RAM only before its stored value was read: this is the one it had.
            self._ram_only_stored[setting_id] = stored_raw
            self._ram_only_changed()
        if setting_id in FLAG_SETTINGS:
            self._flags[setting_id] = raw
        if setting_id == BATTERY_MONITOR_SETTING:
            for candidate in (raw, stored_raw):
                if candidate > 0:
                    self._capacity_on = candidate
                    break

    def setting_in_force(self, setting_id: int, stored_raw: int) -> int:
        """The raw value the unit works with: a RAM-only write wins over EEPROM."""
        return self._ram_only.get(setting_id, stored_raw)

    def setting_state(self, setting_id: int) -> SettingState | None:
        """A setting in force and stored: as last read, or as a confirmed write set it."""
        return self._settings.get(setting_id)

    def flag(self, flag: FlagSwitch) -> bool | None:
        """A flag switch as the unit holds it (None until its word was read)."""
        word = self._flags.get(flag.setting_id)
        return None if word is None else flag.is_on(word)

    def flag_stored(self, flag: FlagSwitch) -> bool | None:
        """A flag switch as stored in EEPROM (None until its word was read)."""
        word = self._stored.get(flag.setting_id)
        return None if word is None else flag.is_on(word)

    @property
    def battery_monitor(self) -> bool | None:
        """On while the battery capacity is above 0."""
        state = self._settings.get(BATTERY_MONITOR_SETTING)
        return None if state is None else state.value > 0

    @property
    def battery_monitor_can_resume(self) -> bool:
        """A capacity to turn the battery monitor on with is known."""
        return self._capacity_to_resume() is not None

    def _capacity_to_resume(self) -> int | None:
        scale = self.setting_scales.get(BATTERY_MONITOR_SETTING)
        if self._capacity_on is not None:
            return self._capacity_on
        if scale is not None and scale.info.default > 0:
            return scale.info.default
        return None

    def _has_needs(self, control: FlagSwitch | SettingControl) -> bool:
        return control.needs.met_by(self.product, self.ac_inputs)

    def offers(self, control: FlagSwitch | SettingControl) -> bool:
        """The unit has this control: it reports the setting (and, for a flag switch, its
        bits as supported), and it has what the control needs."""
        scale = self.setting_scales.get(control.setting_id)
        if scale is None or not self._has_needs(control):
            return False
        return not isinstance(control, FlagSwitch) or control.supported_by(scale.info.maximum)

    @property
    def offers_battery_monitor(self) -> bool:
        """The battery capacity can be set to 0 (off) and back."""
        scale = self.setting_scales.get(BATTERY_MONITOR_SETTING)
        return scale is not None and scale.info.minimum <= 0 < scale.info.maximum

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

    async def write_setting(
        self, setting_id: int, value: float, *, persist: bool | None = None
    ) -> bool:
        """A setting in engineering units: RAM only unless saved permanently (EEPROM, at
        most once per setting per interval). True when the unit needs a restart for it."""
        persist = self.persist_settings if persist is None else persist
        async with self._control():
            raw = await self.client.checked_setting_raw(setting_id, value)
            if setting_id in PAIRED:
                other = await self._value_in_force(PAIRED[setting_id])
                if other is not None:
                    check_charge_voltage(setting_id, value, other)
            return await self._write_setting_raw(setting_id, raw, persist)

    async def _value_in_force(self, setting_id: int) -> float | None:
        """A setting in force: as known, else read now (None when the unit lacks it)."""
        state = self._settings.get(setting_id)
        if state is not None:
            return state.value
        scale = await self.client.setting_info(setting_id)
        if scale is None:
            return None
        stored = await self.client.read_setting_raw(setting_id)
        return scale.value(self.setting_in_force(setting_id, stored))

    async def set_charging_allowed(self, allowed: bool) -> None:
        """DisableCharge (flags0 bit 6), RAM only, read-modify-write."""
        await self.set_flag(CHARGING_ALLOWED, allowed)

    async def set_flag(self, flag: FlagSwitch, on: bool, *, persist: bool | None = None) -> bool:
        """One flag switch: RAM only unless saved permanently (never for a ``frequent`` one).

        Read-modify-write on the word the unit confirmed last (the RAM-only value written,
        else the word read from the unit now): the bits the switch does not own keep their
        value. True when the unit needs a restart for it.
        """
        persist = (self.persist_settings if persist is None else persist) and not flag.frequent
        async with self._control():  # the word of the unit addressed; the others follow it
            scale = await self.client.setting_info(flag.setting_id)
            if scale is None or not flag.supported_by(scale.info.maximum):
                raise VEBusUnsupportedError(f"{flag.key} is not supported by this unit")
            setting_id = flag.setting_id
            ram_word = self._ram_only.get(setting_id)
            if not persist:
                if ram_word is None:
                    ram_word = await self.client.read_setting_raw(setting_id)
                return await self._write_setting_raw(setting_id, flag.apply(ram_word, on), False)
            saved = flag.apply(await self.client.read_setting_raw(setting_id), on)
            reset = await self._write_setting_raw(setting_id, saved, True)
            if ram_word is not None and flag.apply(ram_word, on) != saved:
                # Bits written RAM only (charging allowed) stay so, on top of what was saved.
                await self._write_setting_raw(setting_id, flag.apply(ram_word, on), False)
            return reset

    async def set_battery_monitor(self, on: bool, *, persist: bool | None = None) -> bool:
        """The battery monitor: off sets the battery capacity to 0, on puts back the
        capacity it had (the last one seen above 0, else the unit's default)."""
        capacity = 0 if not on else self._capacity_to_resume()
        if capacity is None:
            raise VEBusUnsupportedError(
                "no battery capacity to turn the battery monitor on with: set battery_capacity"
            )
        persist = self.persist_settings if persist is None else persist
        async with self._control():
            scale = await self.client.setting_info(BATTERY_MONITOR_SETTING)
            if scale is None:
                raise VEBusUnsupportedError("battery_capacity is not supported by this unit")
            raw = await self.client.checked_setting_raw(
                BATTERY_MONITOR_SETTING, scale.value(capacity)
            )
            return await self._write_setting_raw(BATTERY_MONITOR_SETTING, raw, persist)

    async def _write_setting_raw(self, setting_id: int, raw: int, persist: bool) -> bool:
        with self._unsure_when_unconfirmed(setting_id, persist):
            if persist:  # one save of the system: every unit's EEPROM written once
                reset = await self.eeprom.save(
                    setting_id, lambda: self._write_units(setting_id, raw, persist=True)
                )
            else:
                reset = await self._write_units(setting_id, raw, persist=False)
        if persist:
            self._ram_only.pop(setting_id, None)
            self._ram_only_stored.pop(setting_id, None)
            self._known(setting_id, raw & 0xFFFF, raw & 0xFFFF)
        else:
            self._ram_only[setting_id] = raw
            self._ram_only_stored[setting_id] = self._stored.get(setting_id)
            if setting_id in self._stored:  # else the stored value is read next refresh
                self._known(setting_id, raw & 0xFFFF, self._stored[setting_id])
        self._handed_back.pop(setting_id, None)  # written now: an earlier run's value is past
        self._ram_only_changed()
        self._unsure_settings.discard(setting_id)
        self._stale_settings.add(setting_id)
        self._setting_writes[setting_id] += 1
        return reset

    async def _write_units(self, setting_id: int, raw: int, *, persist: bool) -> bool:
        """``raw`` to the unit addressed, then, for a setting of the tables, to every other
        unit of the system, each write confirmed. True when one needs a restart for it."""
        client = self.client
        reset = await client.write_setting_raw(setting_id, raw, persist=persist)
        if setting_id not in SYSTEM_SETTINGS:
            return reset
        for address in self.other_units:
            try:
                unit_raw = await self._raw_at(setting_id, raw, address)
                reset |= await client.write_setting_raw(
                    setting_id, unit_raw, persist=persist, address=address
                )
            except VEBusError as err:
                raise VEBusUnitWriteError(setting_name(setting_id), address, err) from err
        return reset

    async def _raw_at(self, setting_id: int, raw: int, address: int) -> int:
        """What the unit at ``address`` gets when the unit addressed gets ``raw``: the same,
        but of a flags word only the switches' bits, its own kept."""
        shared = system_bits(setting_id)
        if shared == 0xFFFF:
            return raw
        own = await self.client.read_setting_raw(setting_id, address=address)
        return own & ~shared | raw & shared

    @contextlib.contextmanager
    def _unsure_when_unconfirmed(self, setting_id: int, persist: bool) -> Iterator[None]:
        """A RAM-only write left unconfirmed (or cancelled), or not taken by another unit of
        the system: set the known value back, on every unit.

        (An unconfirmed EEPROM write needs nothing: refreshes read the stored value.)
        """
        try:
            yield
        except (VEBusWriteUnconfirmedError, VEBusUnitWriteError, asyncio.CancelledError):
            if not persist:
                self._unsure_settings.add(setting_id)
            self._stale_settings.add(setting_id)
            raise
