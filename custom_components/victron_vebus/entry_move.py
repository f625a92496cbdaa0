"""An entry moved to another port: the config flow's reconfigure and the port repair alike.

The entry keeps its device and entities: an entry known only by its port takes the device's
identity, and its registry ids are moved with it (``device_ids.async_rekey``); one known by
its device keeps its unique id, and the device that answers must be that one.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .adapters import async_adapter_at
from .const import CONF_PORT, CONF_USB_SERIAL, DOMAIN, FAMILY_VEDIRECT
from .device_ids import async_rekey
from .identify import Found, async_identify, entry_family


def unique_id_for(found: Found, usb_serial: str | None, port: str) -> str:
    """A VE.Bus entry is known by its interface's USB serial number, else the unit's serial,
    else its port; a charger by its own serial number, else the adapter's, else the port."""
    if found.family == FAMILY_VEDIRECT:
        return found.serial or usb_serial or port
    return usb_serial or found.serial or port


def reload_here(entry: ConfigEntry | None) -> bool:
    """Whether a change of ``entry``'s data must be followed by a reload by whoever made it.

    A loaded entry has an update listener that reloads it on every change; reloading
    as well would set it up twice. Entries without one (not loaded, setup retry) are not.
    """
    return entry is not None and not entry.update_listeners


@callback
def apply_move(
    hass: HomeAssistant, entry: ConfigEntry, unique_id: str, data: dict[str, Any]
) -> None:
    """Point ``entry`` at ``data``'s port under ``unique_id``, its devices and entities with
    it (entity ids and history stay), and set it up there."""
    async_rekey(hass, entry, unique_id)
    hass.config_entries.async_update_entry(entry, unique_id=unique_id, data={**entry.data, **data})
    if reload_here(entry):
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_move_entry(hass: HomeAssistant, entry: ConfigEntry, port: str) -> str | None:
    """Move ``entry`` to ``port`` when its own device answers there; else the reason (an
    error key of the repair's fix flow)."""
    family = entry_family(entry.data)
    found = await async_identify(port, family)
    if isinstance(found, str):
        return found
    adapter = await async_adapter_at(hass, port)
    usb_serial = adapter.serial_number if adapter is not None else None
    known_by_port = entry.unique_id in (None, entry.data[CONF_PORT])
    if found.family != family or (
        not known_by_port and entry.unique_id not in (usb_serial, found.serial)
    ):
        return "other_device"
    unique_id = entry.unique_id if not known_by_port else unique_id_for(found, usb_serial, port)
    assert unique_id is not None
    other = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
    if other is not None and other.entry_id != entry.entry_id:
        return "already_configured"
    data: dict[str, Any] = {CONF_PORT: port, **found.entry_data}
    if usb_serial is not None:
        data[CONF_USB_SERIAL] = usb_serial
    apply_move(hass, entry, unique_id, data)
    return None
