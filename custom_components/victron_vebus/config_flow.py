"""Config flow of the Victron integration: VE.Bus units and VE.Direct chargers alike.

Steps: ``user`` (a listed serial port or "enter manually"), ``manual`` (a device path
or a URL such as ``socket://host:port``), ``usb`` + ``usb_confirm`` (USB discovery),
``reconfigure`` (a new port for the same device) and the options flow. Every port is
probed before anything is stored, and the entry says what answered (``identify``): a
VE.Bus unit through an MK2/MK3, or a VE.Direct charger. The entry data holds the family
(``family``; entries made before chargers were supported have none and are VE.Bus).

Unique id: a VE.Bus entry has the USB serial number of the interface (the MK3-USB's
"HQ..." serial) when the port is a USB adapter with a usable serial; otherwise the serial
number the unit reports; otherwise the port itself. A charger entry has the charger's own
serial number (SER#), else the adapter's USB serial, else the port. A reconfigure keeps the
entry's unique id, except for an entry known only by its port, which takes the new one; its
devices and entities are moved to it in the same step (``device_ids``), never made anew.

Reloads: a loaded entry has an update listener that reloads it on any change, so data
changes here only reload entries that nobody listens to (not loaded, setup retry).
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.usb import UsbServiceInfo
import serialx
import voluptuous as vol

from .adapters import usable_serial
from .const import CONF_PORT, DOMAIN, FAMILY_VEBUS, FAMILY_VEDIRECT
from .entry_move import apply_move, reload_here, unique_id_for
from .identify import async_identify, cable_family, entry_family
from .options_flow import VictronVEBusOptionsFlow
from .victron_serial.vebus import describe_port

# The choice in the port list that leads to the manual step.
MANUAL = "manual"

MANUAL_SCHEMA = vol.Schema({vol.Required(CONF_PORT): TextSelector()})


async def _async_list_ports() -> dict[str, serialx.SerialPortInfo]:
    """Serial ports by their stable path (``/dev/serial/by-id/...`` where udev made one).

    serialx lists in a worker thread; its ``device`` already is the by-id link when one
    exists, ``resolved_device`` the kernel name (``/dev/ttyUSB0``).
    """
    ports = await serialx.async_list_serial_ports()
    return {port.device: port for port in sorted(ports, key=lambda port: port.device)}


def _cable_family(port: serialx.SerialPortInfo) -> str | None:
    """The family a listed port's cable is made for, by its USB names or by-id path."""
    return cable_family(port.product, port.interface_description, port.device)


def _port_label(port: serialx.SerialPortInfo) -> str:
    """``/dev/ttyUSB0 - MK3-USB Interface - VictronEnergy.BV (s/n HQ...)``."""
    parts = [port.resolved_device or port.device]
    parts += [text for text in (port.product, port.manufacturer) if text]
    label = " - ".join(parts)
    if port.serial_number:
        label += f" (s/n {port.serial_number})"
    return label


class VictronVEBusConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a VE.Bus unit behind an MK2/MK3 interface, or a VE.Direct charger."""

    VERSION = 1

    def __init__(self) -> None:
        self._ports: dict[str, serialx.SerialPortInfo] = {}
        self._discovered_port: str | None = None
        self._discovered_serial: str | None = None
        self._discovered_family: str | None = None
        self._discovered_name = ""

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> VictronVEBusOptionsFlow:
        """The options flow."""
        return VictronVEBusOptionsFlow()

    # --- user and reconfigure: pick a port -----------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick the serial port of the interface or cable, or enter one by hand."""
        return await self._async_step_pick("user", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the entry to another port: the same device, found elsewhere."""
        return await self._async_step_pick("reconfigure", user_input)

    async def _async_step_pick(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        in_use: str | None = None
        if self.source == SOURCE_RECONFIGURE:
            in_use = self._get_reconfigure_entry().data[CONF_PORT]
        if user_input is None:
            self._ports = await _async_list_ports()
            if not self._ports:
                return await self.async_step_manual()
            selected = self._preselected(in_use)
        else:
            selected = user_input[CONF_PORT]
            if selected == MANUAL:
                return await self.async_step_manual()
            result = await self._async_connect(selected)
            if not isinstance(result, str):
                return result
            errors["base"] = result

        options = [
            SelectOptionDict(value=device, label=_port_label(port))
            for device, port in self._ports.items()
        ]
        if in_use is not None and self._listed(in_use) is None:
            # The port in use is not listed (a URL, an adapter unplugged): shown first.
            options.insert(0, SelectOptionDict(value=in_use, label=describe_port(in_use)))
        options.append(SelectOptionDict(value=MANUAL, label="Enter manually"))
        schema = vol.Schema(
            {
                vol.Required(CONF_PORT): SelectSelector(
                    SelectSelectorConfig(
                        options=options,
                        mode=SelectSelectorMode.LIST,
                        translation_key=CONF_PORT,
                    )
                )
            }
        )
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, {CONF_PORT: selected}),
            errors=errors,
        )

    def _preselected(self, in_use: str | None) -> str:
        """The port in use when reconfiguring; else the first listed Victron cable (an
        MK2/MK3 or a VE.Direct cable, by its USB name); else "Enter manually"."""
        if in_use is not None:
            listed = self._listed(in_use)
            return listed.device if listed is not None else in_use
        return next((device for device, port in self._ports.items() if _cable_family(port)), MANUAL)

    async def async_step_manual(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A port that is not listed: a device path or a URL (socket://, rfc2217://)."""
        errors: dict[str, str] = {}
        suggested: str | None = None
        if user_input is not None:
            port: str = user_input[CONF_PORT]
            suggested = port
            result = await self._async_connect(port.strip())
            if not isinstance(result, str):
                return result
            errors["base"] = result
        elif self.source == SOURCE_RECONFIGURE:
            suggested = self._get_reconfigure_entry().data[CONF_PORT]
        return self.async_show_form(
            step_id="manual",
            data_schema=self.add_suggested_values_to_schema(MANUAL_SCHEMA, {CONF_PORT: suggested}),
            errors=errors,
        )

    # --- USB discovery -------------------------------------------------------------------

    async def async_step_usb(self, discovery_info: UsbServiceInfo) -> ConfigFlowResult:
        """An MK2/MK3-USB or a VE.Direct-USB cable was plugged in."""
        self._ports = await _async_list_ports()
        listed = self._listed(discovery_info.device)
        port = listed.device if listed is not None else discovery_info.device
        usb_serial = usable_serial(discovery_info.serial_number)
        if usb_serial is not None:
            existing = await self.async_set_unique_id(usb_serial)
            self._abort_if_unique_id_configured(
                updates={CONF_PORT: port}, reload_on_update=reload_here(existing)
            )
        self._async_abort_entries_match({CONF_PORT: port})
        self._discovered_port = port
        self._discovered_serial = usb_serial
        self._discovered_family = cable_family(discovery_info.description)
        self._discovered_name = discovery_info.description or "Victron interface"
        self.context["title_placeholders"] = {"name": self._discovered_name}
        return await self.async_step_usb_confirm()

    async def async_step_usb_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before probing the discovered interface."""
        assert self._discovered_port is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            result = await self._async_connect(
                self._discovered_port, self._discovered_serial, self._discovered_family
            )
            if not isinstance(result, str):
                return result
            errors["base"] = result
        self._set_confirm_only()
        return self.async_show_form(
            step_id="usb_confirm",
            description_placeholders={
                "name": self._discovered_name,
                "port": self._short_port(self._discovered_port),
            },
            errors=errors,
        )

    # --- shared ---------------------------------------------------------------------------

    def _listed(self, port: str) -> serialx.SerialPortInfo | None:
        """The listed port that ``port`` names, by its stable or its kernel path."""
        for info in self._ports.values():
            if port in (info.device, info.resolved_device):
                return info
        return None

    def _short_port(self, port: str) -> str:
        """The port as people know it: ``/dev/ttyUSB0`` rather than its by-id link."""
        listed = self._listed(port)
        if listed is not None and listed.resolved_device:
            return listed.resolved_device
        return describe_port(port)

    async def _async_connect(
        self, port: str, usb_serial: str | None = None, hint: str | None = None
    ) -> ConfigFlowResult | str:
        """Probe ``port`` and finish the flow; the error key when nothing answers."""
        listed = self._listed(port)
        if listed is not None:
            usb_serial = usb_serial or usable_serial(listed.serial_number)
            hint = hint or _cable_family(listed)
        entry = self._get_reconfigure_entry() if self.source == SOURCE_RECONFIGURE else None

        if entry is not None and port == entry.data[CONF_PORT]:
            # Unchanged; a loaded entry holds the port, so there is nothing to probe.
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_abort(reason="reconfigure_successful")

        self._async_abort_entries_match({CONF_PORT: port})
        # Known before probing: a configured MK3 is not probed (its entry holds it). A
        # charger entry is known by the charger's serial, which only the probe tells.
        vebus_expected = hint != FAMILY_VEDIRECT and (
            entry is None or entry_family(entry.data) == FAMILY_VEBUS
        )
        if usb_serial is not None and vebus_expected:
            await self._async_claim(usb_serial, {CONF_PORT: port})

        found = await async_identify(port, hint)
        if isinstance(found, str):
            return found

        data = {CONF_PORT: port, **found.entry_data}
        unique_id = unique_id_for(found, usb_serial, port)

        if entry is not None:
            if found.family != entry_family(entry.data):
                return self.async_abort(reason="unique_id_mismatch")
            await self._async_claim(unique_id, data)
            apply_move(self.hass, entry, unique_id, data)
            return self.async_abort(reason="reconfigure_successful")

        await self._async_claim(unique_id, data)
        return self.async_create_entry(
            title=found.name,
            data=data,
            # The dialog after the flow says what answered (strings.json create_entry).
            description=found.family,
            description_placeholders={
                "name": found.name,
                "port": self._short_port(port),
                "serial": found.serial or "-",
            },
        )

    async def _async_claim(self, unique_id: str, updates: dict[str, Any]) -> None:
        """Take ``unique_id``; abort when it belongs to another entry or another unit.

        Adding: an entry that has it already is pointed at this port (a moved adapter).
        Reconfiguring: the device must be the entry's own, unless the entry knew it only
        by its port; then it takes the new identity if no other entry has it.
        """
        existing = await self.async_set_unique_id(unique_id, raise_on_progress=False)
        if self.source != SOURCE_RECONFIGURE:
            self._abort_if_unique_id_configured(
                updates=updates, reload_on_update=reload_here(existing)
            )
            return
        entry = self._get_reconfigure_entry()
        if entry.unique_id != entry.data[CONF_PORT]:
            self._abort_if_unique_id_mismatch()
        else:  # a new port, so a new identity: it must not be another entry's
            self._abort_if_unique_id_configured()
