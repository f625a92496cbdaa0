"""Where a USB adapter is now, by its serial number, through Home Assistant's usb helpers.

An entry keeps the port it was set up on. When that port is gone, or holds another device,
the adapter (the MK3-USB, the VE.Direct-USB cable) may simply be somewhere else: plugged
into another socket, renamed by the kernel (/dev/ttyUSB0 became /dev/ttyUSB1), or listed
under another /dev/serial/by-id/ name. Home Assistant's usb integration lists the serial
ports with their USB serial numbers; these helpers find the entry's adapter among them.

Home Assistant 2026.10 and later list through ``usb.async_scan_serial_ports`` (which adds
the ports other integrations contribute); earlier releases through the usb integration's
``scan_serial_ports`` in a worker thread, 2025.x with kernel paths (``get_serial_by_id``
gives the stable name).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
import contextlib
from dataclasses import dataclass
import os
from typing import Any

from homeassistant.components import usb
from homeassistant.components.usb import utils as usb_utils
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
import serialx

from .const import CONF_PORT, CONF_USB_SERIAL, LOGGER


@dataclass(frozen=True, slots=True)
class Adapter:
    """One listed USB serial port."""

    port: str  # the /dev/serial/by-id/ name where udev made one
    serial_number: str | None
    description: str | None

    @property
    def label(self) -> str:
        """``/dev/ttyUSB1 - MK3-USB Interface (s/n HQ…)``, as the port list shows it."""
        parts = [os.path.realpath(self.port) if self.port.startswith("/") else self.port]
        if self.description:
            parts.append(self.description)
        label = " - ".join(parts)
        return f"{label} (s/n {self.serial_number})" if self.serial_number else label


def _is_non_unique_serial(serial_number: str) -> bool:
    """serialx's list of placeholder serial numbers (serialx 1.15+; older: none known)."""
    check: Callable[[str], bool] | None = getattr(serialx, "is_non_unique_serial", None)
    return check is not None and check(serial_number)


def usable_serial(serial_number: str | None) -> str | None:
    """The USB serial number when it tells this adapter apart from identical ones."""
    if serial_number is None or not serial_number.strip():
        return None
    if _is_non_unique_serial(serial_number):
        return None
    return serial_number.strip()


def is_device_path(port: str) -> bool:
    """A local device path (a URL such as socket:// has no USB adapter here)."""
    return "://" not in port


def same_port(one: str, other: str) -> bool:
    """The same device, whatever link names it (a by-id name, the kernel name)."""
    return one == other or os.path.realpath(one) == os.path.realpath(other)


def adapter_serial(entry: ConfigEntry) -> str | None:
    """The USB serial number of the entry's adapter: learnt when it answered, else the
    entry's unique id (a VE.Bus entry made on a USB adapter is known by it)."""
    return entry.data.get(CONF_USB_SERIAL) or entry.unique_id


async def async_list_adapters(hass: HomeAssistant) -> list[Adapter]:
    """Every USB serial port Home Assistant lists, by its stable name."""
    scan: Callable[[HomeAssistant], Awaitable[Sequence[Any]]] | None = getattr(
        usb, "async_scan_serial_ports", None
    )
    devices: Sequence[Any] | None = None
    if scan is not None:
        with contextlib.suppress(KeyError):  # the usb integration is not set up
            devices = await scan(hass)
    listed: Sequence[Any] = (
        devices
        if devices is not None
        else await hass.async_add_executor_job(usb_utils.scan_serial_ports)
    )

    def stable(found: Sequence[Any]) -> list[Adapter]:
        return [
            Adapter(
                usb.get_serial_by_id(device.device),
                usable_serial(device.serial_number),
                device.description,
            )
            for device in found
        ]

    return await hass.async_add_executor_job(stable, listed)


async def async_adapter_at(hass: HomeAssistant, port: str) -> Adapter | None:
    """The listed adapter that ``port`` names, if any."""
    if not is_device_path(port):
        return None
    adapters = await async_list_adapters(hass)
    return next((adapter for adapter in adapters if same_port(adapter.port, port)), None)


async def async_moved_to(hass: HomeAssistant, entry: ConfigEntry) -> list[Adapter]:
    """Where the entry's adapter is listed now, when that is not the entry's port."""
    port: str = entry.data[CONF_PORT]
    serial = adapter_serial(entry)
    if not is_device_path(port) or not serial:
        return []
    found = [a for a in await async_list_adapters(hass) if a.serial_number == serial]
    if any(same_port(adapter.port, port) for adapter in found):
        return []  # still where the entry has it
    return found


async def async_learn_adapter(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Keep the USB serial number of the adapter the entry's port is on, once it answered
    there, so the adapter can be found again after it moved. Call before the entry's update
    listener is added (a data change would reload it)."""
    port: str = entry.data[CONF_PORT]
    if CONF_USB_SERIAL in entry.data or not is_device_path(port):
        return
    adapter = await async_adapter_at(hass, port)
    if adapter is None or adapter.serial_number is None:
        return
    LOGGER.debug("%s: the adapter's USB serial number is %s", entry.title, adapter.serial_number)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_USB_SERIAL: adapter.serial_number}
    )
