"""Settings: read where wanted, written RAM only unless saved permanently (EEPROM through
the limiter), to every unit of a system (``system_settings``), the RAM-only ones remembered
(``ram_only_settings``); flag words changed bit by bit on the word the unit confirmed last.

A RAM-only write left unconfirmed, or not taken by another unit of the system, is set back
on every unit at the next refresh. What the units of a system hold differently is compared
on each read: stored values, unless a RAM-only value written to every unit is in force.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
import contextlib
from typing import Any

from ..client import VEBusClient
from ..device.charge_voltages import PAIRED, check_charge_voltage
from ..device.controls import BATTERY_MONITOR_SETTING, CHARGING_ALLOWED, SYSTEM_SETTINGS, FlagSwitch
from ..eeprom import EepromLimiter
from ..errors import VEBusUnitWriteError, VEBusUnsupportedError, VEBusWriteUnconfirmedError
from ..protocol.ids import RAM_UNITS, SETTING_UNITS, ram_name, setting_name
from .facts import UnitFacts
from .gate import WriteGate
from .known_settings import KnownSettings
from .ram_only_settings import RamOnlySettings
from .state import SettingState
from .system_settings import SystemSettings


class Settings:
    """Reading and writing the unit's settings and flag switches."""

    def __init__(
        self,
        client: VEBusClient,
        gate: WriteGate,
        facts: UnitFacts,
        eeprom: EepromLimiter,
        *,
        persist: bool,
    ) -> None:
        self.client = client
        self._gate = gate
        self._facts = facts
        self.eeprom = eeprom
        self.persist = persist  # the default: saved permanently, or RAM only
        self.known = KnownSettings(facts.setting_scales)
        self.system = SystemSettings(client, facts)
        self.ram_only = RamOnlySettings(client, self.system, self.known, gate.counters)

    async def track(self, settings: Iterable[int]) -> set[int]:
        """Learn the scales of ``settings``; those the unit has are read on refresh."""
        scales = self._facts.setting_scales
        for setting_id in settings:
            if setting_id not in scales:
                scale = await self.client.setting_info(setting_id)
                if scale is not None:
                    scales[setting_id] = scale
                    self.known.all_stale = True
        return {setting_id for setting_id in settings if setting_id in scales}

    async def read(self, wanted: Iterable[int] | None) -> None:
        """Every setting when the slow tier says so, else those written since; of those,
        the ``wanted`` ones (None: all). The others are read once they are wanted."""
        known = self.known
        tracked = set(self._facts.setting_scales)
        every = known.all_stale
        stale = tracked if every else known.stale & tracked
        if wanted is not None:
            stale &= set(wanted)
        writes = known.writes.copy()
        stored: dict[int, int] = {}
        for setting_id in sorted(stale):
            stored[setting_id] = await self.client.read_setting_raw(setting_id)
        ram_only = self.ram_only.values
        compared = [s for s in sorted(stale) if s in SYSTEM_SETTINGS and s not in ram_only]
        at_units = await self.system.read_others(compared)
        if every:
            known.stale |= tracked
            known.all_stale = False
        known.stale -= stale
        for setting_id, stored_raw in stored.items():
            if known.writes[setting_id] != writes[setting_id]:
                # Written meanwhile: what was read is old, read again next time.
                known.stale.add(setting_id)
                continue
            self._record(setting_id, self.setting_in_force(setting_id, stored_raw), stored_raw)
            if setting_id in ram_only:  # written RAM only to every unit: one value
                self.system.agreed(setting_id)
            elif at_units.get(setting_id):  # (a silent unit leaves what stood)
                own = {self.client.address: stored_raw}
                self.system.compare(setting_id, own | at_units[setting_id])

    def _record(self, setting_id: int, raw: int, stored_raw: int) -> None:
        """What the unit holds of a setting, as read or as a confirmed write set it."""
        if self.known.record(setting_id, raw, stored_raw):
            self.ram_only.stored_read(setting_id, stored_raw)

    def setting_in_force(self, setting_id: int, stored_raw: int) -> int:
        """The raw value the unit works with: a RAM-only write wins over EEPROM."""
        return self.ram_only.in_force(setting_id, stored_raw)

    def setting_state(self, setting_id: int) -> SettingState | None:
        """A setting in force and stored: as last read, or as a confirmed write set it."""
        return self.known.values.get(setting_id)

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
        persist = self.persist if persist is None else persist
        async with self._gate.control():
            raw = await self.client.checked_setting_raw(setting_id, value)
            if setting_id in PAIRED:
                other = await self._value_in_force(PAIRED[setting_id])
                if other is not None:
                    check_charge_voltage(setting_id, value, other)
            return await self._write_raw(setting_id, raw, persist)

    async def _value_in_force(self, setting_id: int) -> float | None:
        """A setting in force: as known, else read now (None when the unit lacks it)."""
        state = self.known.values.get(setting_id)
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
        persist = (self.persist if persist is None else persist) and not flag.frequent
        async with self._gate.control():  # the word of the unit addressed; the others follow
            scale = await self.client.setting_info(flag.setting_id)
            if scale is None or not flag.supported_by(scale.info.maximum):
                raise VEBusUnsupportedError(f"{flag.key} is not supported by this unit")
            setting_id = flag.setting_id
            ram_word = self.ram_only.values.get(setting_id)
            if not persist:
                if ram_word is None:
                    ram_word = await self.client.read_setting_raw(setting_id)
                return await self._write_raw(setting_id, flag.apply(ram_word, on), False)
            saved = flag.apply(await self.client.read_setting_raw(setting_id), on)
            reset = await self._write_raw(setting_id, saved, True)
            if ram_word is not None and flag.apply(ram_word, on) != saved:
                # Bits written RAM only (charging allowed) stay so, on top of what was saved.
                await self._write_raw(setting_id, flag.apply(ram_word, on), False)
            return reset

    async def set_battery_monitor(self, on: bool, *, persist: bool | None = None) -> bool:
        """The battery monitor: off sets the battery capacity to 0, on puts back the
        capacity it had (the last one seen above 0, else the unit's default)."""
        capacity = 0 if not on else self.known.capacity_to_resume()
        if capacity is None:
            raise VEBusUnsupportedError(
                "no battery capacity to turn the battery monitor on with: set battery_capacity"
            )
        persist = self.persist if persist is None else persist
        async with self._gate.control():
            scale = await self.client.setting_info(BATTERY_MONITOR_SETTING)
            if scale is None:
                raise VEBusUnsupportedError("battery_capacity is not supported by this unit")
            raw = await self.client.checked_setting_raw(
                BATTERY_MONITOR_SETTING, scale.value(capacity)
            )
            return await self._write_raw(BATTERY_MONITOR_SETTING, raw, persist)

    async def _write_raw(self, setting_id: int, raw: int, persist: bool) -> bool:
        with self._unsure_when_unconfirmed(setting_id, persist):
            if persist:  # one save of the system: every unit's EEPROM written once
                reset = await self.eeprom.save(
                    setting_id, lambda: self.system.write(setting_id, raw, persist=True)
                )
            else:
                reset = await self.system.write(setting_id, raw, persist=False)
        self.ram_only.written(setting_id, raw, persist)
        if persist:
            self._record(setting_id, raw & 0xFFFF, raw & 0xFFFF)
        elif setting_id in self.known.stored:  # else the stored value is read next refresh
            self._record(setting_id, raw & 0xFFFF, self.known.stored[setting_id])
        self.ram_only.settled(setting_id)
        self.known.written(setting_id)
        return reset

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
                self.ram_only.unsure.add(setting_id)
            self.known.stale.add(setting_id)
            raise
