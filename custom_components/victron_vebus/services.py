"""Actions: set_mode, read/write settings and RAM variables, ESS setpoint."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from .const import DOMAIN
from .coordinator import VEBusCoordinator
from .vebus import RAM_UNITS, SETTING_UNITS, Mode, ram_id, ram_name, setting_id, setting_name

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_MODE = "mode"
ATTR_CURRENT_LIMIT = "current_limit"
ATTR_SETTING = "setting"
ATTR_VARIABLE = "variable"
ATTR_VALUE = "value"
ATTR_PERSIST = "persist"
ATTR_POWER = "power"
ATTR_DURATION = "duration"

SERVICE_SET_MODE = "set_mode"
SERVICE_READ_SETTING = "read_setting"
SERVICE_WRITE_SETTING = "write_setting"
SERVICE_READ_RAM_VAR = "read_ram_var"
SERVICE_WRITE_RAM_VAR = "write_ram_var"
SERVICE_SET_ESS_SETPOINT = "set_ess_setpoint"

_ENTRY: dict[vol.Marker, Any] = {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}
_KEY = vol.Any(vol.Coerce(int), cv.string)

SCHEMAS = {
    SERVICE_SET_MODE: vol.Schema(
        {
            **_ENTRY,
            vol.Required(ATTR_MODE): vol.In([str(mode) for mode in Mode]),
            vol.Optional(ATTR_CURRENT_LIMIT): vol.Coerce(float),
        }
    ),
    SERVICE_READ_SETTING: vol.Schema({**_ENTRY, vol.Required(ATTR_SETTING): _KEY}),
    SERVICE_WRITE_SETTING: vol.Schema(
        {
            **_ENTRY,
            vol.Required(ATTR_SETTING): _KEY,
            vol.Required(ATTR_VALUE): vol.Coerce(float),
            vol.Optional(ATTR_PERSIST, default=False): cv.boolean,
        }
    ),
    SERVICE_READ_RAM_VAR: vol.Schema({**_ENTRY, vol.Required(ATTR_VARIABLE): _KEY}),
    SERVICE_WRITE_RAM_VAR: vol.Schema(
        {**_ENTRY, vol.Required(ATTR_VARIABLE): _KEY, vol.Required(ATTR_VALUE): vol.Coerce(float)}
    ),
    SERVICE_SET_ESS_SETPOINT: vol.Schema(
        {
            **_ENTRY,
            vol.Required(ATTR_POWER): vol.Coerce(float),
            vol.Optional(ATTR_DURATION): cv.positive_time_period,
        }
    ),
}


def _coordinator(hass: HomeAssistant, call: ServiceCall) -> VEBusCoordinator:
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
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
    coordinator: VEBusCoordinator = entry.runtime_data
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


async def _read(coordinator: VEBusCoordinator, read: Awaitable[Any]) -> Any:
    async with coordinator.translated_errors():
        return await read


async def _set_mode(hass: HomeAssistant, call: ServiceCall) -> None:
    coordinator = _coordinator(hass, call)
    await coordinator.async_set_mode(Mode(call.data[ATTR_MODE]), call.data.get(ATTR_CURRENT_LIMIT))


async def _read_setting(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(hass, call)
    item_id = _resolve(call.data[ATTR_SETTING], setting_id, "setting")
    client = coordinator.client
    scale = await _read(coordinator, client.setting_info(item_id))
    if scale is None:
        coordinator.raise_unsupported(setting_name(item_id))
    stored_raw: int = await _read(coordinator, client.read_setting_raw(item_id))
    raw = coordinator.setting_in_force(item_id, stored_raw)
    return {
        "id": item_id,
        "name": setting_name(item_id),
        "value": scale.value(raw),
        "stored_value": scale.value(stored_raw),
        "raw": raw,
        "unit": SETTING_UNITS.get(item_id),
        "minimum": scale.minimum,
        "maximum": scale.maximum,
        "default": scale.default,
        "step": scale.step,
    }


async def _write_setting(hass: HomeAssistant, call: ServiceCall) -> None:
    coordinator = _coordinator(hass, call)
    item_id = _resolve(call.data[ATTR_SETTING], setting_id, "setting")
    await coordinator.async_write_setting(
        item_id, call.data[ATTR_VALUE], persist=call.data[ATTR_PERSIST]
    )


async def _read_ram_var(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(hass, call)
    item_id = _resolve(call.data[ATTR_VARIABLE], ram_id, "variable")
    client = coordinator.client
    scale = await _read(coordinator, client.ram_var_info(item_id))
    if scale is None:
        coordinator.raise_unsupported(ram_name(item_id))
    raw = (await _read(coordinator, client.read_ram_raw([item_id])))[item_id]
    return {
        "id": item_id,
        "name": ram_name(item_id),
        "value": scale.value(raw),
        "raw": raw,
        "unit": RAM_UNITS.get(item_id),
    }


async def _write_ram_var(hass: HomeAssistant, call: ServiceCall) -> None:
    coordinator = _coordinator(hass, call)
    item_id = _resolve(call.data[ATTR_VARIABLE], ram_id, "variable")
    await coordinator.async_write_ram_var(item_id, call.data[ATTR_VALUE])


async def _set_ess_setpoint(hass: HomeAssistant, call: ServiceCall) -> None:
    coordinator = _coordinator(hass, call)
    duration: timedelta | None = call.data.get(ATTR_DURATION)
    await coordinator.async_set_ess_setpoint(call.data[ATTR_POWER], duration)


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
    ):
        hass.services.async_register(
            DOMAIN, name, handler(function), schema=SCHEMAS[name], supports_response=response
        )
