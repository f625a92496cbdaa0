"""Actions: set_mode, read/write settings and RAM variables, ESS setpoint, charging or
discharging to a state of charge, settings backups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.util import dt as dt_util, slugify
import voluptuous as vol

from .backup_files import BACKUP_FOLDER, read_backup, write_backup
from .const import DOMAIN
from .coordinator import VEBusCoordinator
from .errors import translated_errors
from .victron_serial.vebus import (
    EssController,
    Mode,
    Outcome,
    SettingsBackup,
    backup_settings,
    diff_settings,
    ram_id,
    ram_name,
    restore_settings,
    setting_id,
    setting_name,
)

ATTR_DEVICE_ID = "device_id"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"  # before device_id; still taken
ATTR_MODE = "mode"
ATTR_CURRENT_LIMIT = "current_limit"
ATTR_SETTING = "setting"
ATTR_VARIABLE = "variable"
ATTR_VALUE = "value"
ATTR_PERSIST = "persist"
ATTR_POWER = "power"
ATTR_DURATION = "duration"
ATTR_SOC = "soc"
ATTR_DEADLINE = "deadline"
ATTR_FILE = "file"
ATTR_SAVE_PERMANENTLY = "save_permanently"
ATTR_FORCE = "force"

SERVICE_SET_MODE = "set_mode"
SERVICE_READ_SETTING = "read_setting"
SERVICE_WRITE_SETTING = "write_setting"
SERVICE_READ_RAM_VAR = "read_ram_var"
SERVICE_WRITE_RAM_VAR = "write_ram_var"
SERVICE_SET_ESS_SETPOINT = "set_ess_setpoint"
SERVICE_CHARGE_TO_SOC = "charge_to_soc"
SERVICE_DISCHARGE_TO_SOC = "discharge_to_soc"
SERVICE_BACKUP_SETTINGS = "backup_settings"
SERVICE_DIFF_SETTINGS = "diff_settings"
SERVICE_RESTORE_SETTINGS = "restore_settings"

# The unit: a device (as the action form picks it) or, as before, its config entry.
_ENTRY: dict[vol.Marker, Any] = {
    vol.Exclusive(ATTR_DEVICE_ID, "unit"): cv.string,
    vol.Exclusive(ATTR_CONFIG_ENTRY_ID, "unit"): cv.string,
}


def _number(value: Any) -> float:
    """A number; ``true`` and ``false`` are none (vol.Coerce(float) takes them as 1 and 0)."""
    if isinstance(value, bool):
        raise vol.Invalid("expected a number, not true or false")
    return float(vol.Coerce(float)(value))


def _not_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise vol.Invalid("expected a name or an id, not true or false")
    return value


_KEY = vol.All(_not_boolean, vol.Any(vol.Coerce(int), cv.string))

SCHEMAS = {
    SERVICE_SET_MODE: vol.Schema(
        {
            **_ENTRY,
            vol.Required(ATTR_MODE): vol.In([str(mode) for mode in Mode]),
            vol.Optional(ATTR_CURRENT_LIMIT): _number,
        }
    ),
    SERVICE_READ_SETTING: vol.Schema({**_ENTRY, vol.Required(ATTR_SETTING): _KEY}),
    SERVICE_WRITE_SETTING: vol.Schema(
        {
            **_ENTRY,
            vol.Required(ATTR_SETTING): _KEY,
            vol.Required(ATTR_VALUE): _number,
            vol.Optional(ATTR_PERSIST, default=False): cv.boolean,
        }
    ),
    SERVICE_READ_RAM_VAR: vol.Schema({**_ENTRY, vol.Required(ATTR_VARIABLE): _KEY}),
    SERVICE_WRITE_RAM_VAR: vol.Schema(
        {**_ENTRY, vol.Required(ATTR_VARIABLE): _KEY, vol.Required(ATTR_VALUE): _number}
    ),
    SERVICE_SET_ESS_SETPOINT: vol.Schema(
        {
            **_ENTRY,
            vol.Required(ATTR_POWER): _number,
            vol.Optional(ATTR_DURATION): cv.positive_time_period,
        }
    ),
    SERVICE_BACKUP_SETTINGS: vol.Schema({**_ENTRY, vol.Optional(ATTR_FILE): cv.string}),
    SERVICE_DIFF_SETTINGS: vol.Schema({**_ENTRY, vol.Required(ATTR_FILE): cv.string}),
    SERVICE_RESTORE_SETTINGS: vol.Schema(
        {
            **_ENTRY,
            vol.Required(ATTR_FILE): cv.string,
            vol.Optional(ATTR_SAVE_PERMANENTLY, default=False): cv.boolean,
            vol.Optional(ATTR_FORCE, default=False): cv.boolean,
        }
    ),
}
_TO_SOC = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_SOC): _number,
        vol.Required(ATTR_POWER): _number,
        vol.Optional(ATTR_DEADLINE): cv.datetime,
    }
)
SCHEMAS[SERVICE_CHARGE_TO_SOC] = SCHEMAS[SERVICE_DISCHARGE_TO_SOC] = _TO_SOC
_ONE_UNIT = cv.has_at_least_one_key(ATTR_DEVICE_ID, ATTR_CONFIG_ENTRY_ID)


def _entry_id(hass: HomeAssistant, call: ServiceCall) -> str:
    """The config entry of the device the call names (or the entry it names itself)."""
    if ATTR_CONFIG_ENTRY_ID in call.data:
        return str(call.data[ATTR_CONFIG_ENTRY_ID])
    device_id = call.data[ATTR_DEVICE_ID]
    device = dr.async_get(hass).async_get(device_id)
    entries = [] if device is None else device.config_entries
    for entry_id in entries:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is not None and entry.domain == DOMAIN:
            return entry_id
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unknown_device",
        translation_placeholders={"device_id": device_id},
    )


def _coordinator(hass: HomeAssistant, call: ServiceCall) -> VEBusCoordinator:
    entry_id = _entry_id(hass, call)
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_entry",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    coordinator = entry.runtime_data
    if not isinstance(coordinator, VEBusCoordinator):  # a charger: its numbers are its controls
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_vebus_entry",
            translation_placeholders={"title": entry.title},
        )
    return coordinator


def _resolve(key: int | str, lookup: Callable[[str | int], int], kind: str) -> int:
    try:
        item_id = lookup(key)
    except KeyError:
        item_id = -1
    if not 0 <= item_id <= 0xFF:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=f"unknown_{kind}",
            translation_placeholders={"key": str(key)},
        )
    return item_id


async def _set_mode(hass: HomeAssistant, call: ServiceCall) -> None:
    coordinator = _coordinator(hass, call)
    mode, limit = Mode(call.data[ATTR_MODE]), call.data.get(ATTR_CURRENT_LIMIT)
    await coordinator.async_control(lambda unit: unit.set_mode(mode, limit))


async def _on_unit(coordinator: VEBusCoordinator, item_id: int, kind: str) -> None:
    """A setting or RAM variable the unit lacks is refused, named (the action form offers
    every name the library knows)."""
    client = coordinator.unit.client
    info = client.setting_info if kind == "setting" else client.ram_var_info
    if await coordinator.async_read(info(item_id)) is None:
        name = setting_name(item_id) if kind == "setting" else ram_name(item_id)
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=f"{kind}_not_on_unit",
            translation_placeholders={"name": name},
        )


async def _read_setting(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(hass, call)
    item_id = _resolve(call.data[ATTR_SETTING], setting_id, "setting")
    await _on_unit(coordinator, item_id, "setting")
    return await coordinator.async_read(coordinator.unit.read_setting(item_id))


async def _write_setting(hass: HomeAssistant, call: ServiceCall) -> None:
    coordinator = _coordinator(hass, call)
    item_id = _resolve(call.data[ATTR_SETTING], setting_id, "setting")
    await _on_unit(coordinator, item_id, "setting")
    value, persist = call.data[ATTR_VALUE], call.data[ATTR_PERSIST]
    await coordinator.async_control(
        lambda unit: unit.write_setting(item_id, value, persist=persist)
    )


async def _read_ram_var(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(hass, call)
    item_id = _resolve(call.data[ATTR_VARIABLE], ram_id, "variable")
    await _on_unit(coordinator, item_id, "variable")
    return await coordinator.async_read(coordinator.unit.read_ram_var(item_id))


async def _write_ram_var(hass: HomeAssistant, call: ServiceCall) -> None:
    coordinator = _coordinator(hass, call)
    item_id = _resolve(call.data[ATTR_VARIABLE], ram_id, "variable")
    await _on_unit(coordinator, item_id, "variable")
    value = call.data[ATTR_VALUE]
    ess = coordinator.unit.ess
    if ess is not None and item_id == ess.ram_id:  # the setpoint, written as a variable
        coordinator.refuse_hand_setpoint()
    await coordinator.async_control(lambda unit: unit.write_ram_var(item_id, value))


async def _set_ess_setpoint(hass: HomeAssistant, call: ServiceCall) -> None:
    coordinator = _coordinator(hass, call)
    if coordinator.unit.ess is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_ess")
    duration: timedelta | None = call.data.get(ATTR_DURATION)
    seconds = None if duration is None else duration.total_seconds()
    power = call.data[ATTR_POWER]
    coordinator.refuse_hand_setpoint()
    await coordinator.async_control(lambda unit: unit.set_ess_setpoint(power, seconds))


def _ess_control(coordinator: VEBusCoordinator) -> EssController:
    control = coordinator.unit.ess_control
    if coordinator.unit.ess is None or control is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_ess")
    return control


def _deadline(call: ServiceCall, control: EssController) -> float | None:
    """The deadline on the unit's clock, or a refusal when it has passed."""
    deadline: datetime | None = call.data.get(ATTR_DEADLINE)
    if deadline is None:
        return None
    if deadline.tzinfo is None:  # as the date and time selector gives it: local time
        deadline = deadline.replace(tzinfo=dt_util.get_default_time_zone())
    seconds = (deadline - dt_util.utcnow()).total_seconds()
    if seconds <= 0:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="deadline_passed",
            translation_placeholders={"deadline": dt_util.as_local(deadline).isoformat()},
        )
    return control.clock.time() + seconds


async def _to_soc(hass: HomeAssistant, call: ServiceCall, charging: bool) -> None:
    coordinator = _coordinator(hass, call)
    control = _ess_control(coordinator)
    deadline = _deadline(call, control)
    if await coordinator.async_read(control.read_soc()) is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_soc")
    target, power = call.data[ATTR_SOC], call.data[ATTR_POWER]
    program = control.charge_to_soc if charging else control.discharge_to_soc
    await coordinator.async_control(lambda _unit: program(target, power, deadline))


async def _charge_to_soc(hass: HomeAssistant, call: ServiceCall) -> None:
    await _to_soc(hass, call, charging=True)


async def _discharge_to_soc(hass: HomeAssistant, call: ServiceCall) -> None:
    await _to_soc(hass, call, charging=False)


async def _backup_settings(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(hass, call)
    document = await coordinator.async_read(backup_settings(coordinator.unit))
    file = call.data.get(ATTR_FILE)
    if file is None:
        taken = dt_util.as_local(dt_util.utc_from_timestamp(document.created))
        name = slugify(coordinator.config_entry.title) or "unit"
        file = f"{BACKUP_FOLDER}/{name}-{taken:%Y%m%d-%H%M%S}.json"
    path = await hass.async_add_executor_job(
        write_backup, hass.config.config_dir, file, document.dumps()
    )
    return {"path": str(path), "settings": len(document.settings)}


async def _document(hass: HomeAssistant, call: ServiceCall) -> SettingsBackup:
    text = await hass.async_add_executor_job(
        read_backup, hass.config.config_dir, call.data[ATTR_FILE]
    )
    with translated_errors():
        return SettingsBackup.loads(text)


async def _diff_settings(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(hass, call)
    document = await _document(hass, call)
    return (await coordinator.async_read(diff_settings(coordinator.unit, document))).to_json()


async def _restore_settings(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """The report is the response; without a response asked for, a setting not restored
    raises (it must not pass unnoticed)."""
    coordinator = _coordinator(hass, call)
    document = await _document(hass, call)
    persist, force = call.data[ATTR_SAVE_PERMANENTLY], call.data[ATTR_FORCE]
    report = await coordinator.async_control(
        lambda unit: restore_settings(unit, document, persist=persist, force=force)
    )
    if not report.ok and not call.return_response:
        missed = [r for r in report.results if r.outcome in (Outcome.REFUSED, Outcome.FAILED)]
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="restore_incomplete",
            translation_placeholders={
                "written": str(report.count(Outcome.WRITTEN)),
                "settings": "; ".join(
                    f"{setting_name(r.setting_id)} {r.outcome}: {r.reason}" for r in missed
                ),
            },
        )
    return report.to_json()


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (called from async_setup, once)."""

    def handler(
        function: Callable[[HomeAssistant, ServiceCall], Awaitable[ServiceResponse]],
    ) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
        async def handle(call: ServiceCall) -> ServiceResponse:
            return await function(hass, call)

        return handle

    for name, function, response in (
        (SERVICE_SET_MODE, _set_mode, SupportsResponse.NONE),
        (SERVICE_READ_SETTING, _read_setting, SupportsResponse.ONLY),
        (SERVICE_WRITE_SETTING, _write_setting, SupportsResponse.NONE),
        (SERVICE_READ_RAM_VAR, _read_ram_var, SupportsResponse.ONLY),
        (SERVICE_WRITE_RAM_VAR, _write_ram_var, SupportsResponse.NONE),
        (SERVICE_SET_ESS_SETPOINT, _set_ess_setpoint, SupportsResponse.NONE),
        (SERVICE_CHARGE_TO_SOC, _charge_to_soc, SupportsResponse.NONE),
        (SERVICE_DISCHARGE_TO_SOC, _discharge_to_soc, SupportsResponse.NONE),
        (SERVICE_BACKUP_SETTINGS, _backup_settings, SupportsResponse.OPTIONAL),
        (SERVICE_DIFF_SETTINGS, _diff_settings, SupportsResponse.ONLY),
        (SERVICE_RESTORE_SETTINGS, _restore_settings, SupportsResponse.OPTIONAL),
    ):
        hass.services.async_register(
            DOMAIN,
            name,
            handler(function),
            schema=vol.All(SCHEMAS[name], _ONE_UNIT),
            supports_response=response,
        )
