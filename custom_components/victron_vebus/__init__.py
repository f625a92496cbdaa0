"""Victron VE.Bus inverter/chargers through an MK2/MK3 interface."""

from __future__ import annotations

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import CONF_PORT, DOMAIN
from .coordinator import VEBusConfigEntry, VEBusCoordinator
from .services import async_setup_services
from .vebus import CONTROL_SETTINGS, VEBusClient, VEBusUnit

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions once, whatever entries exist."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: VEBusConfigEntry) -> bool:
    """Open the interface, learn the unit and set up its entities."""
    unit = VEBusUnit(VEBusClient(entry.data[CONF_PORT]))
    coordinator = VEBusCoordinator(hass, entry, unit, CONTROL_SETTINGS)
    try:
        await coordinator.async_config_entry_first_refresh()
    except BaseException:
        await unit.close()
        raise
    entry.runtime_data = coordinator

    async def _release_on_stop(_event: Event) -> None:
        await coordinator.async_release()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _release_on_stop))
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_update))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_start_sampling()
    return True


async def _async_reload_on_update(hass: HomeAssistant, entry: VEBusConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: VEBusConfigEntry) -> bool:
    """Unload: ESS setpoint back to 0 W, then close the port."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.async_release()
    return unloaded
