"""The settings written RAM only: remembered, written again after the unit forgot them (a
restart, a reconnect), and set back to the known value after a write left unconfirmed (the
unit may hold the new value or the old one, and only the old one is known). What the
owner's last run wrote is handed back and checked against the unit (``ram_only``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
import logging
from typing import Any

from ..client import VEBusClient
from ..errors import VEBusError, VEBusUnitWriteError, VEBusWriteUnconfirmedError
from ..protocol.ids import setting_name
from ..protocol.scaling import SettingScale
from .known_settings import KnownSettings
from .ram_only import NO_LONGER_FITS, RamOnlySetting, dropped
from .system_settings import SystemSettings

_LOGGER = logging.getLogger(__name__)


class RamOnlySettings:
    """Setting id -> the raw value written RAM only, with its stored value then. Every
    method that writes expects the caller to hold the control lock."""

    def __init__(
        self,
        client: VEBusClient,
        system: SystemSettings,
        known: KnownSettings,
        counters: Counter[str],
    ) -> None:
        self._client = client
        self._system = system
        self._known = known
        self._counters = counters
        self.values: dict[int, int] = {}  # setting id -> raw value written RAM only
        self.stored: dict[int, int | None] = {}  # its EEPROM value then (raw)
        self.unsure: set[int] = set()  # RAM-only writes left unconfirmed
        # What the owner's last run wrote RAM only (``hand_back``), until checked.
        self.handed_back: dict[int, RamOnlySetting] = {}
        self.on_change: Callable[[], None] | None = None  # the owner keeps the ledger

    def changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def in_force(self, setting_id: int, stored_raw: int) -> int:
        """The raw value the unit works with: a RAM-only write wins over EEPROM."""
        return self.values.get(setting_id, stored_raw)

    def stored_read(self, setting_id: int, stored_raw: int) -> None:
        """The stored value was read: one written RAM only before it was read had this."""
        if setting_id in self.values and self.stored.get(setting_id) is None:
            self.stored[setting_id] = stored_raw
            self.changed()

    def written(self, setting_id: int, raw: int, persist: bool) -> None:
        """A write went through: RAM only it is remembered; saved, it is RAM only no more."""
        if persist:
            self.values.pop(setting_id, None)
            self.stored.pop(setting_id, None)
        else:
            self.values[setting_id] = raw
            self.stored[setting_id] = self._known.stored.get(setting_id)

    def settled(self, setting_id: int) -> None:
        """Written now (and confirmed): an earlier run's value is past, nothing is unsure."""
        self.handed_back.pop(setting_id, None)
        self.changed()
        self.unsure.discard(setting_id)

    def ledger(self) -> dict[int, RamOnlySetting]:
        """Every setting written RAM only, with its stored value then; what was handed back
        and is not checked yet counts too."""
        settings = dict(self.handed_back)
        for setting_id, raw in self.values.items():
            settings[setting_id] = RamOnlySetting(raw, self.stored.get(setting_id))
        return settings

    async def reapply(self) -> None:
        """After a new session: the units forgot every RAM-only value. Another unit that
        does not take one back now gets it at the next refresh (``repair``)."""
        for setting_id, raw in list(self.values.items()):
            try:
                await self._system.write(setting_id, raw, persist=False)
            except VEBusUnitWriteError as err:
                _LOGGER.warning("Not re-applied yet: %s", err)
                self.unsure.add(setting_id)

    async def repair(self) -> None:
        """Settings whose write went unconfirmed get the known value back.

        A failure here leaves the setting for the next refresh.
        """
        for setting_id in sorted(self.unsure):
            raw = self.values.get(setting_id)
            try:
                if raw is None:
                    raw = await self._client.read_setting_raw(setting_id)
                await self._system.write(setting_id, raw, persist=False)
            except VEBusError as err:
                _LOGGER.debug("%s not set back yet: %s", setting_name(setting_id), err)
                continue
            self.unsure.discard(setting_id)
            self._known.stale.add(setting_id)
            self._counters["settings_set_back"] += 1

    async def take_back(self) -> None:
        """Check what was handed back against the unit, one setting at a time: a failure
        leaves the rest for the next refresh."""
        for setting_id, entry in sorted(self.handed_back.items()):
            try:
                await self._take_back(setting_id, entry)
            except NO_LONGER_FITS as err:
                dropped(self._counters, setting_name(setting_id), err)
            except (VEBusWriteUnconfirmedError, VEBusUnitWriteError) as err:
                # Perhaps in force, perhaps not: shown as stored, tried again next time.
                _LOGGER.debug("%s not written back yet: %s", setting_name(setting_id), err)
                continue
            del self.handed_back[setting_id]
            self.changed()

    async def _take_back(self, setting_id: int, entry: RamOnlySetting) -> None:
        stored = await self._client.read_setting_raw(setting_id)
        if entry.stored is not None and stored != entry.stored:
            _LOGGER.info(
                "%s was written RAM only before the restart, and its stored value changed "
                "since (%s, was %s): the stored value stands",
                setting_name(setting_id),
                stored,
                entry.stored,
            )
            self._counters["ram_only_dropped"] += 1
            return
        # In force still, or lost to a restart of the unit: a RAM-only value is not read
        # back, so it is written again either way (it costs no EEPROM).
        await self._system.write(setting_id, entry.raw, persist=False)
        self.values[setting_id] = entry.raw
        self.stored[setting_id] = stored
        self._known.stale.add(setting_id)
        self._counters["ram_only_restored"] += 1

    def diagnostics(
        self, scales: dict[int, SettingScale], entries: dict[int, RamOnlySetting]
    ) -> dict[str, dict[str, Any]]:
        """Each setting in force, and stored when it was written RAM only: in engineering
        units where the scale is known (raw words besides)."""
        shown: dict[str, dict[str, Any]] = {}
        for setting_id, entry in sorted(entries.items()):
            scale = scales.get(setting_id)
            words = {"raw": entry.raw, "stored_raw": entry.stored}
            if scale is None:
                shown[setting_name(setting_id)] = words
                continue
            stored = None if entry.stored is None else scale.value(entry.stored)
            shown[setting_name(setting_id)] = {
                "value": scale.value(entry.raw & 0xFFFF),
                "stored": stored,
                **words,
            }
        return shown
