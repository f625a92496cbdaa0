"""Victron VE.Bus inverter/chargers through an MK2/MK3 interface, and Blue Smart chargers
on VE.Direct: one integration, one entry per device, set up by the entry's family."""

from __future__ import annotations

from typing import cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .adapters import async_learn_adapter
from .charger_coordinator import ChargerConfigEntry, ChargerCoordinator, async_setup_charger
from .const import CONF_PORT, DOMAIN, FAMILY_VEDIRECT
from .coordinator import VEBusConfigEntry, VEBusCoordinator
from .device_ids import is_current
from .entity import interface_device_info
from .identify import entry_family
from .repairs import clear_port_issues, issue_id
from .runtime import VictronConfigEntry
from .services import async_setup_services
from .victron_serial.vebus import CONTROL_SETTINGS, VEBusClient, VEBusUnit

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]
CHARGER_PLATFORMS = [Platform.EVENT, Platform.NUMBER, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions once, whatever entries exist."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: VictronConfigEntry) -> bool:
    """Open the port, learn the device and set up its entities."""
    if entry_family(entry.data) == FAMILY_VEDIRECT:
        return await _async_setup_charger_entry(hass, cast(ChargerConfigEntry, entry))
    return await _async_setup_vebus_entry(hass, cast(VEBusConfigEntry, entry))


async def _async_setup_vebus_entry(hass: HomeAssistant, entry: VEBusConfigEntry) -> bool:
    unit = VEBusUnit(VEBusClient(entry.data[CONF_PORT]))
    coordinator = VEBusCoordinator(hass, entry, unit, CONTROL_SETTINGS)
    try:
        await coordinator.async_config_entry_first_refresh()
    except BaseException:
        await unit.close()
        raise
    entry.runtime_data = coordinator
    await async_learn_adapter(hass, entry)  # before the update listener: no reload
    coordinator.async_release_on_stop()
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_update))
    if (interface := interface_device_info(coordinator)) is not None:  # the unit's via
        dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **interface)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.sampler.async_start()
    return True


async def _async_setup_charger_entry(hass: HomeAssistant, entry: ChargerConfigEntry) -> bool:
    entry.runtime_data = await async_setup_charger(hass, entry)
    await async_learn_adapter(hass, entry)  # before the update listener: no reload
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_update))
    await hass.config_entries.async_forward_entry_setups(entry, CHARGER_PLATFORMS)
    return True


async def _async_reload_on_update(hass: HomeAssistant, entry: VictronConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: VictronConfigEntry) -> bool:
    """Unload: a VE.Bus unit's ESS setpoint back to 0 W, a charger's pending wish
    dropped (reported); then the port closed."""
    coordinator = entry.runtime_data
    platforms = CHARGER_PLATFORMS if isinstance(coordinator, ChargerCoordinator) else PLATFORMS
    unloaded = await hass.config_entries.async_unload_platforms(entry, platforms)
    if unloaded:
        await coordinator.async_release()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: VictronConfigEntry) -> None:
    """The entry's repair issues go with it."""
    clear_port_issues(hass, entry)
    ir.async_delete_issue(hass, DOMAIN, issue_id(entry, "vebus_error"))


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: VictronConfigEntry, device: DeviceEntry
) -> bool:
    """A device the entry no longer has may be deleted (one left by an earlier change of
    the entry's identity, a unit gone from the system); the entry's own may not."""
    addresses: tuple[int, ...] | None = None
    if entry.state is ConfigEntryState.LOADED:
        coordinator = entry.runtime_data
        addresses = coordinator.unit.addresses if isinstance(coordinator, VEBusCoordinator) else ()
    return not any(
        is_current(entry, value, addresses)
        for domain, value in device.identifiers
        if domain == DOMAIN
    )
