"""Home Assistant's USB serial-port listing, with ports of our choosing: a simulator's pty
shown as a USB adapter with a serial number, as the operating system would list it.

Replaced at the edge, where Home Assistant's usb integration asks the system (pyserial's
``comports`` up to 2026.x, serialx's ``list_serial_ports`` from 2026.10), so the usb
helpers the integration calls run as they are. Used by the repair tests
(tests/components/victron_vebus/test_repairs.py) and by scripts/screenshots, which starts
Home Assistant with VEBUS_USB_PORTS set (scripts/hass.py installs it).
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import json
import os
from typing import Any
from unittest.mock import patch

from homeassistant.components.usb import utils as usb_utils

# (path, USB serial number, USB product name)
type Port = tuple[str, str, str]
ENVIRONMENT = "VEBUS_USB_PORTS"  # a JSON list of [path, serial, product]


def _edge() -> str:
    return "list_serial_ports" if hasattr(usb_utils, "list_serial_ports") else "comports"


def listed_port(device: str, serial: str, product: str) -> Any:
    """One port as the operating system lists it, in the form this Home Assistant reads."""
    if _edge() == "list_serial_ports":
        from serialx import SerialPortInfo

        return SerialPortInfo(
            device=device,
            resolved_device=os.path.realpath(device),
            vid=0x0403,
            pid=0x6015,
            serial_number=serial,
            manufacturer="FTDI" if "FT232" in product else "VictronEnergy BV",
            product=product,
            bcd_device=0x0600,
            interface_description=product,
            interface_num=0,
        )
    from serial.tools.list_ports_common import ListPortInfo

    port = ListPortInfo(device, skip_link_detection=True)
    port.vid, port.pid, port.serial_number = 0x0403, 0x6015, serial
    port.manufacturer = "FTDI" if "FT232" in product else "VictronEnergy BV"
    port.product = port.description = product
    return port


def _patch(ports: list[Port]) -> Any:
    def listed(*_args: Any, **_kwargs: Any) -> list[Any]:
        return [listed_port(*port) for port in ports]

    return patch.object(usb_utils, _edge(), listed)


@contextlib.contextmanager
def listing(ports: list[Port]) -> Iterator[list[Port]]:
    """The system lists ``ports`` while this stands; the list may be changed meanwhile, as
    plugging in changes what the system lists."""
    with _patch(ports):
        yield ports


def install_from_environment() -> None:
    """For the whole process: the ports ``VEBUS_USB_PORTS`` names, when it is set."""
    text = os.environ.get(ENVIRONMENT)
    if not text:
        return
    ports = [(str(path), str(serial), str(product)) for path, serial, product in json.loads(text)]
    _patch(ports).start()  # for good: the process ends with it
