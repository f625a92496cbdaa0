"""The RAM-only ledger between runs of the owner: given out as data, handed back, and
checked against the unit within the next refresh (the rules: ``ram_only``)."""

from __future__ import annotations

import logging

from .errors import (
    VEBusAccessDeniedError,
    VEBusOutOfRangeError,
    VEBusUnitWriteError,
    VEBusUnsupportedError,
    VEBusWriteUnconfirmedError,
)
from .ids import setting_name
from .models import Mode
from .ram_only import RamOnlyLedger, RamOnlySetting
from .unit_panel import UnitPanel

_LOGGER = logging.getLogger(__name__)

# What tells that a value handed back no longer fits this unit: it is dropped.
_NO_LONGER_FITS = (VEBusUnsupportedError, VEBusAccessDeniedError, VEBusOutOfRangeError)
LIMIT_TOLERANCE = 0.05  # A: the panel sends the limit in 0.1 A steps


class UnitLedger(UnitPanel):
    """What the unit was given RAM only, kept by the owner across its own restarts."""

    def ram_only_ledger(self) -> RamOnlyLedger:
        """Every setting written RAM only, with its stored value then, and the remote
        panel's current limit; what was handed back and is not checked yet counts too."""
        settings = dict(self._handed_back)
        for setting_id, raw in self._ram_only.items():
            settings[setting_id] = RamOnlySetting(raw, self._ram_only_stored.get(setting_id))
        limit = self._panel_limit if self._panel_limit is not None else self._handed_back_limit
        return RamOnlyLedger(settings, limit)

    def restore_ram_only(self, ledger: RamOnlyLedger) -> None:
        """The ledger of the owner's last run, before the first refresh; that refresh
        writes again what still applies and drops the rest (``ram_only``)."""
        self._handed_back = dict(ledger.settings)
        self._handed_back_limit = ledger.current_limit

    @property
    def ram_only_to_check(self) -> bool:
        """Something handed back is not checked against the unit yet."""
        return bool(self._handed_back) or self._handed_back_limit is not None

    async def _take_back(self) -> None:
        """Check what was handed back against the unit, one setting at a time: a failure
        leaves the rest for the next refresh."""
        async with self._lock:
            for setting_id, entry in sorted(self._handed_back.items()):
                try:
                    await self._take_back_setting(setting_id, entry)
                except _NO_LONGER_FITS as err:
                    self._dropped(setting_name(setting_id), err)
                except (VEBusWriteUnconfirmedError, VEBusUnitWriteError) as err:
                    # Perhaps in force, perhaps not: shown as stored, tried again next time.
                    _LOGGER.debug("%s not written back yet: %s", setting_name(setting_id), err)
                    continue
                del self._handed_back[setting_id]
                self._ram_only_changed()
            if self._handed_back_limit is not None:
                try:
                    await self._take_back_limit(self._handed_back_limit)
                except _NO_LONGER_FITS as err:
                    self._dropped("the AC input current limit", err)
                self._handed_back_limit = None
                self._ram_only_changed()

    async def _take_back_setting(self, setting_id: int, entry: RamOnlySetting) -> None:
        stored = await self.client.read_setting_raw(setting_id)
        if entry.stored is not None and stored != entry.stored:
            _LOGGER.info(
                "%s was written RAM only before the restart, and its stored value changed "
                "since (%s, was %s): the stored value stands",
                setting_name(setting_id),
                stored,
                entry.stored,
            )
            self.counters["ram_only_dropped"] += 1
            return
        # In force still, or lost to a restart of the unit: a RAM-only value is not read
        # back, so it is written again either way (it costs no EEPROM).
        await self._write_units(setting_id, entry.raw, persist=False)
        self._ram_only[setting_id] = entry.raw
        self._ram_only_stored[setting_id] = stored
        self._stale_settings.add(setting_id)
        self.counters["ram_only_restored"] += 1

    async def _take_back_limit(self, limit: float) -> None:
        """The limit shows on the unit: still in force, lost to a restart of the unit
        (sent again), or set by someone else since (theirs stands)."""
        config = await self.client.ac_input_config()
        if abs(config.current_limit - limit) < LIMIT_TOLERANCE:
            self._panel_limit = limit
        elif self.client.interface_restarted:
            await self.client.set_panel_state(config.remote_mode, limit)
            self._panel_limit = self._confirmed_limit = limit
            self._panel_writes += 1
        else:
            _LOGGER.info(
                "The AC input current limit was %s A before the restart and is %s A now, "
                "set elsewhere: it stands",
                limit,
                config.current_limit,
            )
            self.counters["ram_only_dropped"] += 1
            return
        self.counters["ram_only_restored"] += 1

    async def _resend_panel_limit(self) -> None:
        """After a new session: the interface restarts with the unit and forgets the limit
        it was sending; the switch position goes with it, as the unit last showed it."""
        limit = self._panel_limit
        if limit is None:
            return
        try:
            await self.client.set_panel_state(self.remote_mode or Mode.ON, limit)
        except _NO_LONGER_FITS as err:
            self._panel_limit = None
            self._dropped("the AC input current limit", err)
            self._ram_only_changed()
            return
        self._confirmed_limit = limit
        self._panel_writes += 1

    def _dropped(self, what: str, err: Exception) -> None:
        _LOGGER.warning("%s was written RAM only, and cannot be written again: %s", what, err)
        self.counters["ram_only_dropped"] += 1
