"""Charger entries (VE.Direct): Home Assistant glue around the library's ``BlueSmartCharger``.

The charger sends a text block a second by itself; a refresh (every second) takes the newest
one (the library waits for the next when the last is older than 1.5 s) and reads the charge
current limit back over HEX every ``LIMIT_READ_INTERVAL``. No block for 3.5 s fails the
refresh: entities go unavailable, the coordinator logs one line, and the next refresh opens
the port again; the recovery is logged once as well.

Every setting lives in the charger's non-volatile memory (docs/vedirect.md §6). The
library's ``NvmLimiter`` allows one write per register per interval (the entry's option,
10 minutes by default) and tells of every attempt; the record is kept in the entry's storage
(``victron_vebus.<entry_id>.nvm``), so a restart does not reset the interval.

Two ways to write, as the library offers them: ``async_control`` runs an explicit write,
refused within the interval with a translated error naming when it may be retried (a person
gets an answer now); ``async_wish_limit`` keeps the newest wanted limit and writes it when
the interval allows (automations). Each wish ends reported (``_wish_done``): counted, logged,
and the number entity shows what is pending and what is in force.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.storage import Store

from .base_coordinator import LibraryErrors, Silence, VictronCoordinator
from .const import CONF_NVM_INTERVAL, CONF_PORT, DEFAULT_NVM_INTERVAL, DOMAIN, LOGGER
from .errors import translated_errors
from .victron_serial.vedirect import (
    BlueSmartCharger,
    ChargerState,
    NvmLimiter,
    Reg,
    Register,
    VEDirectClient,
    VEDirectConnectionError,
    VEDirectError,
    VEDirectPortBusyError,
    VEDirectPortNotFoundError,
    VEDirectTimeoutError,
    Wish,
    WishOutcome,
    WishResult,
)

type ChargerConfigEntry = ConfigEntry[ChargerCoordinator]

REFRESH_INTERVAL = timedelta(seconds=1)  # the charger sends a block a second
LIMIT_READ_INTERVAL = 30.0  # s between two read-backs of the limit (every write reads back)
STORAGE_VERSION = 1


class ChargerCoordinator(VictronCoordinator[ChargerState]):
    """Reads one Blue Smart charger's text blocks; every write goes through here."""

    config_entry: ChargerConfigEntry
    errors = LibraryErrors(
        base=VEDirectError,
        connection=VEDirectConnectionError,
        port_busy=VEDirectPortBusyError,
        port_not_found=VEDirectPortNotFoundError,
        timeout=VEDirectTimeoutError,
    )
    silence = Silence(kind="silent", translation_key="charger_silent")

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ChargerConfigEntry,
        store: Store[dict[str, float]],
        saved: dict[str, float] | None = None,
    ) -> None:
        super().__init__(hass, entry, REFRESH_INTERVAL)
        self.interval_minutes = float(entry.options.get(CONF_NVM_INTERVAL, DEFAULT_NVM_INTERVAL))
        self._store = store
        limiter = NvmLimiter(
            interval=self.interval_minutes * 60,
            saved={int(key): float(value) for key, value in (saved or {}).items()},
            on_change=self._save_record,
        )
        self.charger = BlueSmartCharger(
            VEDirectClient(entry.data[CONF_PORT]), nvm=limiter, on_wish_result=self._wish_done
        )
        self._counters: Counter[str] = Counter()
        self.last_wish: WishResult | None = None
        self._limit_read_at: float | None = None  # monotonic
        self._voltages_writable: bool | None = None

    @property
    def counters(self) -> Counter[str]:
        """Refreshes, failures by kind, recoveries, writes, wishes; shown in diagnostics."""
        return self._counters

    @classmethod
    async def async_create(
        cls, hass: HomeAssistant, entry: ChargerConfigEntry
    ) -> ChargerCoordinator:
        """A coordinator with the write record kept from before a restart."""
        store: Store[dict[str, float]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.nvm"
        )
        return cls(hass, entry, store, await store.async_load())

    def _save_record(self, saved: dict[int, float]) -> None:
        self._store.async_delay_save(lambda: {str(key): value for key, value in saved.items()}, 0)

    # --- refresh ------------------------------------------------------------------------------

    async def _async_setup(self) -> None:
        """Learn the charger once: identity, bounds, settings."""
        with self._update_failed():
            await self.charger.discover()
        self._limit_read_at = time.monotonic()
        # The charge voltages are numbers with a user-defined battery type, read-only
        # sensors with a preset: a change of type (in VictronConnect) reloads the entry.
        self._voltages_writable = self.charger.user_defined_battery

    async def _async_read(self) -> ChargerState:
        now = time.monotonic()
        read_limit = self._limit_read_at is None or now - self._limit_read_at >= (
            LIMIT_READ_INTERVAL
        )
        state = await self.charger.refresh(read_limit=read_limit)
        if read_limit:
            self._limit_read_at = now
        if self.charger.user_defined_battery != self._voltages_writable:
            self._voltages_writable = self.charger.user_defined_battery
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
        return state

    def _answered(self, data: ChargerState) -> ChargerState:
        return self._snapshot(data)

    @staticmethod
    def _snapshot(state: ChargerState) -> ChargerState:
        # Without the block's arrival time: an unchanged block is no update (always_update).
        return replace(state, received_at=None)

    # --- writes -------------------------------------------------------------------------------

    async def async_control[T](self, action: Callable[[BlueSmartCharger], Awaitable[T]]) -> T:
        """An explicit write: errors translated, entities follow what the charger holds."""
        self.counters["writes"] += 1
        try:
            with translated_errors(self.interval_minutes):
                return await action(self.charger)
        except ServiceValidationError:
            self.counters["writes_refused"] += 1  # nothing was sent
            raise
        except HomeAssistantError:
            self.counters["writes_failed"] += 1
            raise
        finally:
            self._publish()

    def async_wish_limit(self, amps: float) -> Wish:
        """The newest wanted charge current limit, written when the interval allows."""
        with translated_errors(self.interval_minutes):
            wish = self.charger.wish_charge_current_limit(amps)
        self.counters["wishes"] += 1
        self._publish()
        return wish

    def _wish_done(self, result: WishResult) -> None:
        self.last_wish = result
        self.counters[f"wishes_{result.outcome}"] += 1
        if result.outcome is WishOutcome.FAILED:
            LOGGER.warning(
                "%s: charge current limit %g A not written: %s",
                self.config_entry.title,
                result.wanted,
                result.error,
            )
        else:
            LOGGER.debug(
                "%s: charge current limit %g A %s (in force: %s A)",
                self.config_entry.title,
                result.wanted,
                result.outcome,
                result.in_force,
            )
        self._publish()

    def _publish(self) -> None:
        """What the charger holds now, to the entities at once (not waiting a refresh).

        Availability stays the refreshes' to say: a wish reported while the charger is
        silent changes what the number shows beside its value, not whether it is there.
        """
        if self.charger.reading is not None and self.data is not None:
            self.data = self._snapshot(self.charger.state())
        self.async_update_listeners()

    # --- what entities show beside the values --------------------------------------------------

    def retry_at(self, register: Register = Reg.CHARGE_CURRENT_LIMIT) -> float | None:
        """When ``register`` may be written again (wall clock); None: now."""
        return self.charger.nvm.retry_at(register.id)

    # --- shutdown -------------------------------------------------------------------------------

    async def async_release(self) -> None:
        """On unload or Home Assistant stop: no more refreshes (the one under way ends),
        pending wishes dropped (reported), port closed."""
        await self.async_shutdown()
        await self._in_flight.ended()
        await self.charger.close()

    def diagnostics(self) -> dict[str, Any]:
        counted = (
            "refreshes",
            "refresh_failures",
            "recoveries",
            "writes",
            "writes_refused",
            "writes_failed",
            "wishes",
        )
        last = self.last_wish
        return {
            "nvm_interval_minutes": self.interval_minutes,
            "refresh": dict.fromkeys(counted, 0) | dict(sorted(self.counters.items())),
            "last_wish": None
            if last is None
            else {
                "wanted": last.wanted,
                "outcome": str(last.outcome),
                "in_force": last.in_force,
                "error": None if last.error is None else str(last.error),
            },
            **self.charger.diagnostics(),
        }


async def async_setup_charger(hass: HomeAssistant, entry: ChargerConfigEntry) -> ChargerCoordinator:
    """The coordinator of a charger entry, set up and first refreshed; raises
    ConfigEntryNotReady while the charger is silent or the port cannot be opened."""
    coordinator = await ChargerCoordinator.async_create(hass, entry)
    try:
        await coordinator.async_config_entry_first_refresh()
    except BaseException:
        await coordinator.async_release()
        raise
    coordinator.async_release_on_stop()
    return coordinator
