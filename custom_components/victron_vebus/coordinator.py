"""One coordinator per config entry: polls the unit, runs keep-alives, owns every write.

Writes, the keep-alive and the re-applying of RAM-only values after a restart run one at
a time (``_control_lock``), so none of them can undo another. A write the unit did not
confirm is never remembered as the value in force: a RAM-only setting whose write went
unconfirmed (or was cancelled half-way) is set back to the value the coordinator knows at
the next refresh, and such an ESS setpoint is sent again by the keep-alive (0 W included).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import time
from typing import TYPE_CHECKING, Any, NoReturn

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    CONF_ESS_MAX_POWER,
    CONF_PERSIST_SETTINGS,
    CONF_PORT,
    CONF_SCAN_INTERVAL,
    DEFAULT_ESS_MAX_POWER,
    DEFAULT_PERSIST_SETTINGS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    EEPROM_WRITE_INTERVAL,
    ESS_KEEPALIVE,
    LOGGER,
)
from .vebus import (
    SNAPSHOT_POWER_IDS,
    DeviceInfo,
    Flags0,
    ForcedChargeState,
    Mode,
    RamVar,
    SettingScale,
    StatusPlan,
    VEBusAccessDeniedError,
    VEBusClient,
    VEBusConnectionError,
    VEBusError,
    VEBusOutOfRangeError,
    VEBusPortBusyError,
    VEBusStatus,
    VEBusTimeoutError,
    VEBusUnsupportedError,
    VEBusWriteUnconfirmedError,
    read_status,
    setting_name,
)

if TYPE_CHECKING:
    from . import VEBusConfigEntry

# What an entity can need from a refresh; the coordinator polls the union.
NEED_LEDS = "leds"
NEED_DC = "dc"
NEED_AC = "ac"
NEED_AC_INPUT = "ac_input"
NEED_DEVICE_STATE = "device_state"


def need_snapshot(ram_id: int) -> str:
    return f"snapshot:{ram_id}"


def need_ram(ram_id: int) -> str:
    return f"ram:{ram_id}"


WRITE_REFRESH_COOLDOWN = 0.5  # s

# Settings shown as numbers, re-applied after a restart when written RAM only.
NUMBER_SETTINGS = (2, 3, 4, 11, 12, 64)
FLAGS0 = 0


@dataclass(frozen=True, slots=True)
class SettingState:
    """A setting's value in force and the value stored in EEPROM."""

    value: float
    stored: float


@dataclass(slots=True)
class VEBusData:
    status: VEBusStatus
    settings: dict[int, SettingState] = field(default_factory=dict)
    flags0: int | None = None
    ess_setpoint: int | None = None  # W, + = charging from AC-in; None: no ESS assistant
    standby: bool = False

    @property
    def charging_allowed(self) -> bool | None:
        if self.flags0 is None:
            return None
        return not self.flags0 & Flags0.DISABLE_CHARGE


class VEBusCoordinator(DataUpdateCoordinator[VEBusData]):
    """Polls one VE.Bus unit and carries out every control write."""

    config_entry: VEBusConfigEntry

    def __init__(self, hass: HomeAssistant, entry: VEBusConfigEntry, client: VEBusClient) -> None:
        interval = entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(seconds=interval),
            always_update=False,
            # A write asks for a refresh so its entity follows at once; HA's default
            # 10 s cooldown would leave a second write's entity stale until the next poll.
            request_refresh_debouncer=Debouncer(
                hass, LOGGER, cooldown=WRITE_REFRESH_COOLDOWN, immediate=True
            ),
        )
        self.client = client
        self.device: DeviceInfo | None = None
        self.phases = 1
        self.setting_scales: dict[int, SettingScale] = {}
        self.supported_ram: set[int] = set()
        self.ess_ram_id: int | None = None
        self._needs: Counter[str] = Counter()
        self._ram_overrides: dict[int, int] = {}  # setting id -> raw value written RAM only
        self._settings_stale = True
        self._session_seen = 0
        self._standby = False
        self._ess_setpoint = 0
        self._ess_unsub: CALLBACK_TYPE | None = None
        self._ess_timer: CALLBACK_TYPE | None = None
        # Wall-clock seconds: the EEPROM limit and the energy sensors take time from here,
        # so tests move it without freezing the event loop the simulator runs on.
        self.clock: Callable[[], float] = time.time
        self._eeprom_writes: dict[int, float] = {}
        self._confirmed_mode: Mode | None = None
        self._confirmed_limit: float | None = None
        self._panel_writes = 0  # confirmed 'S' writes, so a refresh keeps a newer one
        self._setting_writes = 0  # likewise for the settings a refresh read
        self._unsure_settings: set[int] = set()  # RAM-only writes left unconfirmed
        self._ess_unsure = False  # an ESS write left unconfirmed: the keep-alive repeats
        self._control_lock = asyncio.Lock()
        # Refreshes, failures by kind, recoveries and writes; shown in diagnostics.
        self.counters: Counter[str] = Counter()

    # --- options -----------------------------------------------------------------

    @property
    def persist_settings(self) -> bool:
        return bool(self.config_entry.options.get(CONF_PERSIST_SETTINGS, DEFAULT_PERSIST_SETTINGS))

    @property
    def ess_max_power(self) -> int:
        return int(self.config_entry.options.get(CONF_ESS_MAX_POWER, DEFAULT_ESS_MAX_POWER))

    # --- what to poll ------------------------------------------------------------------

    @callback
    def async_add_needs(self, needs: Iterable[str]) -> CALLBACK_TYPE:
        """An entity registers what it reads; returns the callback that unregisters."""
        wanted = list(needs)
        self._needs.update(wanted)

        @callback
        def remove() -> None:
            self._needs.subtract(wanted)
            self._needs += Counter()  # drop zero counts

        return remove

    def _plan(self) -> StatusPlan:
        if not self._needs:
            return StatusPlan(phases=None)
        needs = self._needs
        snapshot = tuple(
            i
            for i in (*SNAPSHOT_POWER_IDS, RamVar.STATE_OF_CHARGE)
            if need_snapshot(i) in needs and i in self.supported_ram
        )
        ram = tuple(i for i in sorted(self.supported_ram) if need_ram(i) in needs)
        return StatusPlan(
            leds=NEED_LEDS in needs,
            dc=NEED_DC in needs,
            ac=NEED_AC in needs,
            phases=self.phases,
            ac_input=NEED_AC_INPUT in needs,
            device_state=NEED_DEVICE_STATE in needs,
            snapshot_ids=snapshot,
            ram_ids=ram,
        )

    # --- refresh ----------------------------------------------------------------------

    async def _async_setup(self) -> None:
        """Learn the unit once: identity, phases, supported values, settings, ESS."""
        async with self._errors_as_update_failed():
            self.device = await self.client.probe()
            for ram_id in (*SNAPSHOT_POWER_IDS, RamVar.STATE_OF_CHARGE, 6, 21):
                if await self.client.ram_var_info(ram_id) is not None:
                    self.supported_ram.add(ram_id)
            for setting_id in (*NUMBER_SETTINGS, FLAGS0):
                scale = await self.client.setting_info(setting_id)
                if scale is not None:
                    self.setting_scales[setting_id] = scale
            self.ess_ram_id = await self.client.find_ess_setpoint()
            first = await self.client.ac_info(1)
            self.phases = first.phases or 1
            self._session_seen = self.client.session

    async def _async_update_data(self) -> VEBusData:
        self.counters["refreshes"] += 1
        async with self._errors_as_update_failed():
            await self.client.ensure_connected()
            if self.client.session != self._session_seen:
                await self._restore_session()
            if self._unsure_settings:
                await self._repair_settings()
            panel_writes = self._panel_writes
            status = await read_status(self.client, self._plan())
            # A write confirmed while the status was read is newer than what it read.
            if status.ac_input is not None and panel_writes == self._panel_writes:
                self._confirmed_mode = self._confirmed_limit = None
            if self._standby:
                # The MK3 forgets its lines when the VE.Bus loses power: say it again.
                await self.client.set_interface(standby=True)
            settings, flags0 = await self._read_settings()
        if not self.last_update_success:
            self.counters["recoveries"] += 1
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id("port_busy"))
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id("not_vebus"))
        return VEBusData(
            status=status,
            settings=settings,
            flags0=flags0,
            ess_setpoint=self._ess_setpoint if self.ess_ram_id is not None else None,
            standby=self._standby,
        )

    async def _restore_session(self) -> None:
        """After a reconnect or a restart of the unit: it forgot RAM-only values."""
        LOGGER.debug("New session with %s: re-applying RAM-only values", self.config_entry.title)
        async with self._control_lock:
            session = self.client.session
            for setting_id, raw in list(self._ram_overrides.items()):
                await self.client.write_setting_raw(setting_id, raw, persist=False)
            if self._ess_setpoint and self.ess_ram_id is not None:
                await self.client.write_ess_setpoint(self.ess_ram_id, self._ess_setpoint)
            self._settings_stale = True
            self._session_seen = session

    async def _repair_settings(self) -> None:
        """Put RAM-only settings whose write went unconfirmed back to the known value.

        The unit may hold the value asked for or the one before; the coordinator knows
        (and shows) only the latter, so that is what the unit gets. A failure here
        leaves the setting for the next refresh.
        """
        async with self._control_lock:
            for setting_id in sorted(self._unsure_settings):
                raw = self._ram_overrides.get(setting_id)
                try:
                    if raw is None:
                        raw = await self.client.read_setting_raw(setting_id)
                    await self.client.write_setting_raw(setting_id, raw, persist=False)
                except VEBusError as err:
                    LOGGER.debug("%s not set back yet: %s", setting_name(setting_id), err)
                    continue
                self._unsure_settings.discard(setting_id)
                self._settings_stale = True
                self.counters["settings_set_back"] += 1

    async def _read_settings(self) -> tuple[dict[int, SettingState], int | None]:
        previous = self.data.settings if self.data else {}
        previous_flags = self.data.flags0 if self.data else None
        if not self._settings_stale:
            return previous, previous_flags
        setting_writes = self._setting_writes
        settings: dict[int, SettingState] = {}
        flags0: int | None = None
        for setting_id, scale in self.setting_scales.items():
            stored_raw = await self.client.read_setting_raw(setting_id)
            raw = self.setting_in_force(setting_id, stored_raw)
            if setting_id == FLAGS0:
                flags0 = raw
                continue
            settings[setting_id] = SettingState(scale.value(raw), scale.value(stored_raw))
        # A write meanwhile makes what was read old: read again next time.
        self._settings_stale = setting_writes != self._setting_writes
        return settings, flags0

    @contextlib.asynccontextmanager
    async def _errors_as_update_failed(self) -> AsyncIterator[None]:
        try:
            yield
        except VEBusPortBusyError as err:
            self._count_failure("port_busy")
            self._raise_issue("port_busy")
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="port_busy",
                translation_placeholders={"port": self.config_entry.data[CONF_PORT]},
            ) from err
        except VEBusConnectionError as err:
            self._count_failure("connection_lost")
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="connection_lost",
                translation_placeholders={"error": str(err)},
            ) from err
        except VEBusTimeoutError as err:
            self._count_failure("no_reply")
            stats = self.client.framing_stats
            if self.device is None and stats.frames == 0 and stats.dropped_bytes:
                self._raise_issue("not_vebus")
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="no_reply") from err
        except VEBusError as err:
            self._count_failure("other")
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="refresh_failed",
                translation_placeholders={"error": str(err)},
            ) from err

    def _count_failure(self, kind: str) -> None:
        self.counters["refresh_failures"] += 1
        self.counters[f"error_{kind}"] += 1

    def _issue_id(self, kind: str) -> str:
        return f"{kind}_{self.config_entry.entry_id}"

    def _raise_issue(self, kind: str) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id(kind),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=kind,
            translation_placeholders={"port": self.config_entry.data[CONF_PORT]},
        )

    # --- writes -------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[None]:
        """Run a write alone: errors become translated Home Assistant errors, then refresh."""
        self.counters["writes"] += 1
        try:
            async with self.translated_errors(), self._control_lock:
                yield
        except HomeAssistantError:
            self.counters["writes_failed"] += 1
            raise
        await self.async_request_refresh()

    @contextlib.asynccontextmanager
    async def translated_errors(self) -> AsyncIterator[None]:
        """Client errors as translated Home Assistant errors."""
        try:
            yield
        except VEBusOutOfRangeError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="out_of_range",
                translation_placeholders={
                    "item": err.item,
                    "value": f"{err.value:g}",
                    "minimum": f"{err.minimum:g}",
                    "maximum": f"{err.maximum:g}",
                },
            ) from err
        except VEBusAccessDeniedError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="access_denied",
                translation_placeholders={"item": err.item, "level": str(err.level)},
            ) from err
        except VEBusUnsupportedError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="unsupported",
                translation_placeholders={"error": str(err)},
            ) from err
        except VEBusError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="write_failed",
                translation_placeholders={"error": str(err)},
            ) from err

    def raise_unsupported(self, item: str) -> NoReturn:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="unsupported",
            translation_placeholders={"error": f"{item} is not supported by this unit"},
        )

    def setting_in_force(self, setting_id: int, stored_raw: int) -> int:
        """The raw value the unit works with: a RAM-only write wins over EEPROM."""
        return self._ram_overrides.get(setting_id, stored_raw)

    @property
    def remote_mode(self) -> Mode | None:
        """The remote switch position: as just confirmed by the unit, else as last read."""
        if self._confirmed_mode is not None:
            return self._confirmed_mode
        status = self.data.status if self.data else None
        if status is not None and status.ac_input is not None:
            return status.ac_input.remote_mode
        return None

    @property
    def current_limit(self) -> float | None:
        """The AC input current limit: as just confirmed by the unit, else as last read."""
        if self._confirmed_limit is not None:
            return self._confirmed_limit
        status = self.data.status if self.data else None
        return None if status is None or status.ac_input is None else status.ac_input.current_limit

    async def async_set_mode(self, mode: Mode, current_limit: float | None = None) -> None:
        async with self._write():
            await self._set_panel(mode, current_limit)

    async def async_set_current_limit(self, current_limit: float) -> None:
        """AC input current limit, RAM only ('S'); keeps the remote switch where it is."""
        async with self._write():
            # Read under the lock: a mode write just before is not undone.
            await self._set_panel(self.remote_mode or Mode.ON, current_limit)

    async def _set_panel(self, mode: Mode, current_limit: float | None) -> None:
        await self.client.set_panel_state(mode, current_limit)
        # Until the next refresh reads them back, what the unit acknowledged is the
        # truth: entities show it at once, and a second switch toggled right after
        # the first builds on it.
        self._confirmed_mode = mode
        if current_limit is not None:
            self._confirmed_limit = current_limit
        self._panel_writes += 1
        self.async_update_listeners()

    async def async_set_standby(self, standby: bool) -> None:
        async with self._write():
            await self.client.set_interface(standby=standby)
            self._standby = standby

    def restore_standby(self, standby: bool) -> None:
        """Standby as it was before Home Assistant restarted; sent with the next refresh."""
        self._standby = standby

    async def async_standby(self) -> None:
        """Off, with the standby line held so the unit stays reachable."""
        async with self._write():
            await self.client.set_interface(standby=True)
            self._standby = True
            await self.client.set_panel_state(Mode.OFF)

    async def async_sleep(self) -> None:
        async with self._write():
            await self.client.sleep()

    async def async_wake(self) -> None:
        async with self._write():
            await self.client.wake()

    async def async_force_charge_state(self, state: ForcedChargeState) -> None:
        async with self._write():
            await self.client.force_charge_state(state)

    async def async_write_setting(
        self, setting_id: int, value: float, persist: bool | None = None
    ) -> None:
        """Write a setting: RAM only by default, EEPROM when saving permanently.

        EEPROM writes are rate limited per setting to spare the device's EEPROM.
        """
        persist = self.persist_settings if persist is None else persist
        async with self._write():
            if persist:
                self._check_eeprom_rate(setting_id)
            with self._unsure_when_unconfirmed(setting_id, persist):
                await self.client.write_setting(setting_id, value, persist=persist)
            scale = await self.client.setting_info(setting_id)
            assert scale is not None  # write_setting succeeded, so the info exists
            self._remember_setting(setting_id, scale.raw(value), persist)

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

    def _remember_setting(self, setting_id: int, raw: int, persist: bool) -> None:
        """Track what was confirmed: RAM-only values are re-applied after a restart."""
        if persist:
            self._eeprom_writes[setting_id] = self.clock()
            self._ram_overrides.pop(setting_id, None)
        else:
            self._ram_overrides[setting_id] = raw
        self._unsure_settings.discard(setting_id)
        self._settings_stale = True
        self._setting_writes += 1

    def _check_eeprom_rate(self, setting_id: int) -> None:
        last = self._eeprom_writes.get(setting_id)
        if last is None:
            return
        retry_at = last + EEPROM_WRITE_INTERVAL.total_seconds()
        if self.clock() < retry_at:
            local = dt_util.as_local(dt_util.utc_from_timestamp(retry_at))
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="eeprom_rate_limited",
                translation_placeholders={
                    "item": setting_name(setting_id),
                    "retry_at": local.strftime("%H:%M:%S"),
                },
            )

    async def async_write_ram_var(self, ram_id: int, value: float) -> None:
        """Write a RAM variable (RAM only by nature: flags 0x02)."""
        async with self._write():
            await self.client.write_ram_var(ram_id, value)

    async def async_set_charging_allowed(self, allowed: bool) -> None:
        """DisableCharge (setting 0 bit 6), RAM only, read-modify-write."""
        async with self._write():
            current = self._ram_overrides.get(FLAGS0)
            if current is None:
                current = await self.client.read_setting_raw(FLAGS0)
            flags = current & ~Flags0.DISABLE_CHARGE
            if not allowed:
                flags |= Flags0.DISABLE_CHARGE
            # Bit 7 must stay the inverse of bit 3 (protocol.md §6).
            flags &= ~Flags0.WAVE_CHECK_INVERSE
            if not flags & Flags0.DISABLE_WAVE_CHECK:
                flags |= Flags0.WAVE_CHECK_INVERSE
            with self._unsure_when_unconfirmed(FLAGS0, persist=False):
                await self.client.write_setting_raw(FLAGS0, flags, persist=False)
            self._remember_setting(FLAGS0, flags, persist=False)

    # --- ESS ----------------------------------------------------------------------------

    def check_ess_setpoint(self, watts: float) -> int:
        limit = self.ess_max_power
        if not -limit <= watts <= limit:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="out_of_range",
                translation_placeholders={
                    "item": "ESS setpoint",
                    "value": f"{watts:g}",
                    "minimum": str(-limit),
                    "maximum": str(limit),
                },
            )
        return round(watts)

    async def async_set_ess_setpoint(self, watts: float, duration: timedelta | None = None) -> None:
        """ESS mode 3 setpoint (+ = charge from AC-in), kept alive while non-zero."""
        if self.ess_ram_id is None:
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_ess")
        value = self.check_ess_setpoint(watts)
        self._cancel_ess_timer()
        async with self._write():
            try:
                await self.client.write_ess_setpoint(self.ess_ram_id, value)
            except (VEBusWriteUnconfirmedError, asyncio.CancelledError):
                self._ess_unsure = True  # the keep-alive sends the known setpoint again
                self._update_ess_keepalive()
                raise
            self._ess_setpoint = value
            self._ess_unsure = False
            self._update_ess_keepalive()
        if duration is not None and value:
            self._ess_timer = async_call_later(self.hass, duration, self._async_ess_expired)

    async def _async_ess_expired(self, _now: datetime) -> None:
        self._ess_timer = None
        try:
            await self.async_set_ess_setpoint(0)
        except HomeAssistantError as err:
            LOGGER.warning("Could not return the ESS setpoint to 0 W: %s", err)

    def _update_ess_keepalive(self) -> None:
        wanted = bool(self._ess_setpoint) or self._ess_unsure
        if wanted and self._ess_unsub is None:
            self._ess_unsub = async_track_time_interval(
                self.hass, self._async_ess_keepalive, ESS_KEEPALIVE, cancel_on_shutdown=True
            )
        elif not wanted and self._ess_unsub is not None:
            self._ess_unsub()
            self._ess_unsub = None

    async def _async_ess_keepalive(self, _now: datetime) -> None:
        # Under the control lock the setpoint read is the one in force: a keep-alive never
        # re-sends a value that a concurrent change (or its expiry) has replaced.
        async with self._control_lock:
            if self.ess_ram_id is None or not (self._ess_setpoint or self._ess_unsure):
                return
            try:
                await self.client.write_ess_setpoint(self.ess_ram_id, self._ess_setpoint)
            except VEBusError as err:
                LOGGER.debug("ESS keep-alive not delivered: %s", err)
                return
            if self._ess_unsure:
                self._ess_unsure = False
                self._update_ess_keepalive()

    def _cancel_ess_timer(self) -> None:
        if self._ess_timer is not None:
            self._ess_timer()
            self._ess_timer = None

    # --- shutdown -------------------------------------------------------------------------

    async def async_release(self) -> None:
        """On unload or Home Assistant stop: ESS back to 0 W, timers off, port closed."""
        self._cancel_ess_timer()
        if self._ess_unsub is not None:
            self._ess_unsub()
            self._ess_unsub = None
        async with self._control_lock:
            await self._release_ess()
        await self.client.close()

    async def _release_ess(self) -> None:
        if (self._ess_setpoint or self._ess_unsure) and self.ess_ram_id is not None:
            try:
                await self.client.write_ess_setpoint(self.ess_ram_id, 0)
            except VEBusError as err:
                LOGGER.warning(
                    "Could not return the ESS setpoint to 0 W; the unit drops it by itself "
                    "within about 15 s: %s",
                    err,
                )
            self._ess_setpoint = 0
            self._ess_unsure = False

    def diagnostics(self) -> dict[str, Any]:
        return {
            "interface_version": self.client.interface_version,
            "device": None
            if self.device is None
            else {
                "interface": self.device.interface_model,
                "interface_version": self.device.interface_version,
                "firmware_version": self.device.firmware_version,
                "serial_number": self.device.serial_number,
            },
            "phases": self.phases,
            "ess_ram_id": self.ess_ram_id,
            "supported_ram": sorted(self.supported_ram),
            "settings": sorted(self.setting_scales),
            "ram_only_settings": dict(self._ram_overrides),
            "polled": sorted(self._needs),
            "session": self.client.session,
            "unconfirmed_ram_only_settings": sorted(self._unsure_settings),
            "ess_setpoint_unconfirmed": self._ess_unsure,
            "refresh": {
                key: self.counters[key]
                for key in (
                    "refreshes",
                    "refresh_failures",
                    "recoveries",
                    "writes",
                    "writes_failed",
                )
            }
            | dict(sorted(self.counters.items())),
            "framing": {
                "frames": self.client.framing_stats.frames,
                "dropped_bytes": self.client.framing_stats.dropped_bytes,
                "checksum_errors": self.client.framing_stats.checksum_errors,
                "padding_bytes": self.client.framing_stats.padding_bytes,
            },
            "client": self.client.stats.as_dict(),
        }
