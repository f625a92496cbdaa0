"""The ids an entry's devices and entities have in Home Assistant's registries.

Each is built from the entry's key: its unique id (the entry id when it has none). A unit of
a system of several is a device of its own, ``<key>_unit_<address>``; an entity's unique id is
``<key>_<what it shows>``. When the key changes (a reconfigure gives an entry known by its
port the unit's serial number), ``async_rekey`` moves every id of the entry in one step, so
the devices and entities stay the same ones: entity ids, history and dashboards go on.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN, LOGGER


def entry_key(entry: ConfigEntry) -> str:
    """What the entry's device ids and entity unique ids start with."""
    return entry.unique_id or entry.entry_id


def member_key(key: str, address: int) -> str:
    """The device id of the unit at ``address`` in a system of several."""
    return f"{key}_unit_{address}"


def interface_key(key: str) -> str:
    """The device id of the MK2/MK3 interface a VE.Bus entry's unit is reached through."""
    return f"{key}_interface"


def belongs_to(value: str, key: str) -> bool:
    """An id built from ``key``: the key itself, or the key and what follows it."""
    return value == key or value.startswith(f"{key}_")


def is_current(entry: ConfigEntry, value: str, addresses: tuple[int, ...] | None) -> bool:
    """The entry has the device known by ``value`` now: its own, its interface, or one of
    its units at ``addresses`` (None: not known while the entry is not loaded, so any of
    its units)."""
    key = entry_key(entry)
    if addresses is None:
        return belongs_to(value, key)
    current = {key, interface_key(key), *(member_key(key, address) for address in addresses)}
    return value in current


@callback
def async_rekey(hass: HomeAssistant, entry: ConfigEntry, new_key: str) -> None:
    """Give every device and entity of ``entry`` built from its key the same id built from
    ``new_key``. Call before the entry's unique id changes."""
    old_key = entry_key(entry)
    if new_key == old_key:
        return

    def moved(value: str) -> str:
        return new_key + value[len(old_key) :] if belongs_to(value, old_key) else value

    entities = er.async_get(hass)
    for item in er.async_entries_for_config_entry(entities, entry.entry_id):
        if item.unique_id != moved(item.unique_id):
            try:
                entities.async_update_entity(item.entity_id, new_unique_id=moved(item.unique_id))
            except ValueError as err:  # taken: an entity left by an earlier change of key
                LOGGER.warning("%s keeps its unique id: %s", item.entity_id, err)
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        identifiers = {
            (domain, moved(value) if domain == DOMAIN else value)
            for domain, value in device.identifiers
        }
        if identifiers != device.identifiers:
            try:
                devices.async_update_device(device.id, new_identifiers=identifiers)
            except HomeAssistantError as err:  # taken, likewise
                LOGGER.warning("Device %s keeps its identifiers: %s", device.name, err)
