"""One coordinator per config entry: Home Assistant glue around the library's ``VEBusUnit``.

The unit holds the device rules (RAM-only ledger, EEPROM limit, ESS keep-alive); here: what
to poll (the union of what enabled entities need), the refresh, library errors as translated
Home Assistant errors and repair issues, the options, and what the entry's storage keeps
across reloads and restarts: the EEPROM record (so the limit survives them) and the
RAM-only ledger (so what the unit runs still shows, and comes back if the unit restarted).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.storage import Store

from .base_coordinator import LibraryErrors, Silence, VictronCoordinator
from .const import (
    CONF_ESS_MAX_POWER,
    CONF_LIVE_INTERVAL,
    CONF_PERSIST_SETTINGS,
    CONF_SCAN_INTERVAL,
    DEFAULT_ESS_MAX_POWER,
    DEFAULT_LIVE_INTERVAL,
    DEFAULT_PERSIST_SETTINGS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
)
from .errors import translated_errors
from .grid_control import GridControl
from .live_values import LiveValues
from .needs import Need, Part, plan_for
from .repairs import NOT_VEBUS, raise_port_issue, show_disagreements, show_vebus_error
from .sampler import Sampler
from .victron_serial.vebus import (
    EepromLimiter,
    RamOnlyLedger,
    StatusPlan,
    UnitState,
    VEBusConnectionError,
    VEBusError,
    VEBusPortBusyError,
    VEBusPortNotFoundError,
    VEBusTimeoutError,
    VEBusUnit,
)

type VEBusConfigEntry = ConfigEntry[VEBusCoordinator]

WRITE_REFRESH_COOLDOWN = 0.5  # s
STORAGE_VERSION = 1
# The RAM-only ledger changes with every write (an automation may write each minute): one
# save for a burst. Unload and Home Assistant's final write save what is pending at once.
RAM_ONLY_SAVE_DELAY = 10  # s


class VEBusCoordinator(VictronCoordinator[UnitState]):
    """Polls one VE.Bus unit; every control goes through ``async_control``."""

    config_entry: VEBusConfigEntry
    errors = LibraryErrors(
        base=VEBusError,
        connection=VEBusConnectionError,
        port_busy=VEBusPortBusyError,
        port_not_found=VEBusPortNotFoundError,
        timeout=VEBusTimeoutError,
    )
    silence = Silence(kind="no_reply", translation_key="no_reply")

    def __init__(
        self,
        hass: HomeAssistant,
        entry: VEBusConfigEntry,
        unit: VEBusUnit,
        settings: Iterable[int] = (),
    ) -> None:
        options = entry.options
        super().__init__(
            hass,
            entry,
            timedelta(seconds=options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)),
            # A write asks for a refresh so its entity follows at once; Home Assistant's 10 s
            # default cooldown would leave a second write's entity stale until the next poll.
            request_refresh_debouncer=Debouncer(
                hass, LOGGER, cooldown=WRITE_REFRESH_COOLDOWN, immediate=True
            ),
        )
        self.unit = unit
        unit.persist_settings = bool(options.get(CONF_PERSIST_SETTINGS, DEFAULT_PERSIST_SETTINGS))
        unit.ess_max_power = int(options.get(CONF_ESS_MAX_POWER, DEFAULT_ESS_MAX_POWER))
        self._settings = tuple(settings)
        self._needs: Counter[Need] = Counter()
        self.grid_control: GridControl | None = None  # with an ESS assistant
        self.sampler = Sampler(
            hass, entry, unit, lambda: Part.SAMPLES in self._needs and self.last_update_success
        )
        self.live = LiveValues(
            float(options.get(CONF_LIVE_INTERVAL, DEFAULT_LIVE_INTERVAL)),
            lambda: self.data,
            self._set_live_data,
        )
        unit.on_sample = self.live.on_sample
        self._store: Store[dict[str, float]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.eeprom"
        )
        self._ram_only_store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.ram_only"
        )

    def _set_live_data(self, data: UnitState) -> None:
        # Not async_set_updated_data: that would put off the next refresh at every sample.
        self.data = data

    @property
    def counters(self) -> Counter[str]:
        """Refreshes, failures by kind, recoveries, writes; shown in diagnostics."""
        return self.unit.counters

    # --- what to poll -------------------------------------------------------------------------

    @callback
    def async_add_needs(self, needs: Iterable[Need]) -> CALLBACK_TYPE:
        """An entity registers what it reads; returns the callback that unregisters."""
        wanted = list(needs)
        self._needs.update(wanted)

        @callback
        def remove() -> None:
            self._needs.subtract(wanted)
            self._needs += Counter()  # drop zero counts

        return remove

    def _plan(self) -> StatusPlan:
        unit = self.unit
        return plan_for(self._needs, unit.supported_ram, unit.phases, unit.addresses)

    # --- refresh ------------------------------------------------------------------------------

    async def _async_setup(self) -> None:
        """Learn the unit once; the EEPROM record and the RAM-only ledger from before a
        reload or restart (the first refresh checks the ledger against the unit)."""
        saved = await self._store.async_load() or {}
        self.unit.eeprom = EepromLimiter(
            clock=self.unit.clock,
            saved={int(key): float(value) for key, value in saved.items()},
            on_change=self._save_eeprom_record,
        )
        self.unit.restore_ram_only(RamOnlyLedger.from_json(await self._ram_only_store.async_load()))
        self.unit.on_ram_only_change = self._save_ram_only_ledger
        with self._update_failed():
            await self.unit.discover(self._settings)
        if self.unit.ess_control is not None:
            self.grid_control = GridControl(
                self.hass,
                self.config_entry,
                self.unit.ess_control,
                self.async_add_needs,
                self.async_update_listeners,
            )

    def _save_eeprom_record(self, saved: dict[int, float]) -> None:
        self._store.async_delay_save(lambda: {str(key): value for key, value in saved.items()}, 0)

    def _save_ram_only_ledger(self) -> None:
        self._ram_only_store.async_delay_save(self._ram_only_ledger, RAM_ONLY_SAVE_DELAY)

    def _ram_only_ledger(self) -> dict[str, Any]:
        return self.unit.ram_only_ledger().as_json()

    async def _async_read(self) -> UnitState:
        return await self.unit.refresh(self._plan())

    def _answered(self, data: UnitState) -> UnitState:
        show_vebus_error(self.hass, self.config_entry, data)
        show_disagreements(self.hass, self.config_entry, data)
        return data

    def _silent(self) -> None:
        stats = self.unit.client.framing_stats
        if self.unit.device is None and stats.frames == 0 and stats.dropped_bytes:
            raise_port_issue(self.hass, self.config_entry, NOT_VEBUS)

    def _failed(self, kind: str) -> None:
        super()._failed(kind)
        if kind != "other" and self.unit.ess_control is not None:
            self.unit.ess_control.unit_lost()  # out of reach: its setpoint is gone

    # --- control ------------------------------------------------------------------------------

    async def async_control[T](self, action: Callable[[VEBusUnit], Awaitable[T]]) -> T:
        """Run a control of the unit: errors become translated errors; entities follow."""
        try:
            with translated_errors():
                result = await action(self.unit)
        finally:
            if self.unit.asleep and self.data is not None and not self.data.asleep:
                self.data = self.unit.asleep_state()  # asleep from the command on
            self.async_update_listeners()  # what the unit acknowledged shows at once
        # The refresh runs in a task of its own: the caller may be cancelled (an automation
        # in restart mode triggered again), and Home Assistant takes a refresh cancelled in
        # the caller's task for a failed one, every entity unavailable until the next.
        refresh = self.hass.async_create_task(
            self.async_request_refresh(), f"{self.name} refresh after a control"
        )
        await asyncio.shield(refresh)
        return result

    def refuse_hand_setpoint(self) -> None:
        """An ESS setpoint set by hand (the number, an action): refused while the grid
        target control holds the setpoint."""
        if self.grid_control is not None:
            self.grid_control.refuse_hand_setpoint()

    async def async_read[T](self, read: Awaitable[T]) -> T:
        """A read for an action's response, its errors translated."""
        with translated_errors():
            return await read

    # --- shutdown -------------------------------------------------------------------------------

    async def async_release(self) -> None:
        """On unload or Home Assistant stop: no more refreshes (the one under way ends),
        ESS back to 0 W, keep-alive off, port closed."""
        await self.async_shutdown()
        await self.sampler.async_stop()
        await self._in_flight.ended()
        if self.grid_control is not None:
            self.grid_control.async_unload()
        await self.unit.close()
        # On disk before the next set-up reads it (a reload follows at once).
        await self._ram_only_store.async_save(self._ram_only_ledger())

    def diagnostics(self) -> dict[str, Any]:
        unit = self.unit.diagnostics()
        counted = ("refreshes", "refresh_failures", "recoveries", "writes", "writes_failed")
        return {
            "interface_version": self.unit.client.interface_version,
            "polled": sorted(str(need) for need in self._needs),
            **unit,
            "refresh": dict.fromkeys(counted, 0) | unit.pop("counters"),
        }
