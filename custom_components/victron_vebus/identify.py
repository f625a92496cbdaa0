"""What answers on a port: a VE.Bus unit through an MK2/MK3, or a VE.Direct charger.

The two families share nothing on the wire but the cable: an MK2/MK3 talks VE.Bus at 2400
baud, a Blue Smart charger VE.Direct at 19200 baud. ``async_identify`` tries one, then the
other, and stops at the first that answers or at an error about the port itself (missing,
busy, not a serial port): the other family would meet the same port. The order follows the
cable's USB name where it tells (``cable_family``: "VE Direct cable" and "MK3-USB Interface"
share FTDI's vendor and product ids); without a hint VE.Bus goes first, because it gives up
sooner (about 1.5 s) than a charger probe, which waits for three text blocks' time.
"""

from __future__ import annotations

from collections.abc import Mapping
import contextlib
from dataclasses import dataclass, field
import logging
from typing import Any

from .const import CONF_FAMILY, CONF_INTERFACE, FAMILY_VEBUS, FAMILY_VEDIRECT
from .victron_serial.vebus import (
    Product,
    VEBusClient,
    VEBusConnectionError,
    VEBusError,
    VEBusInvalidPortError,
    VEBusPortBusyError,
    VEBusPortLostError,
    VEBusPortNotFoundError,
    describe_port,
    family_of,
)
from .victron_serial.vedirect import (
    VEDirectConnectionError,
    VEDirectError,
    VEDirectInvalidPortError,
    VEDirectPortBusyError,
    VEDirectPortNotFoundError,
    port_kind,
    probe_port,
)

_LOGGER = logging.getLogger(__name__)

# An error about the port (the config flow's error keys): the other family is not tried.
_PORT_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (VEBusPortNotFoundError, "no_such_port"),
    (VEDirectPortNotFoundError, "no_such_port"),
    (VEBusPortBusyError, "port_busy"),
    (VEDirectPortBusyError, "port_busy"),
    (VEBusInvalidPortError, "invalid_port"),
    (VEDirectInvalidPortError, "invalid_port"),
    (VEBusConnectionError, "cannot_connect"),
    (VEDirectConnectionError, "cannot_connect"),
)
NOTHING_ANSWERED = "no_device"
CHARGER_FALLBACK_NAME = "Blue Smart charger"


@dataclass(frozen=True, slots=True)
class Found:
    """What answered: its family, the name the entry and device take, its serial number."""

    family: str
    name: str
    serial: str | None
    data: dict[str, Any] = field(default_factory=dict)  # entry data beside port and family

    @property
    def entry_data(self) -> dict[str, Any]:
        return {CONF_FAMILY: self.family, **self.data}


def entry_family(data: Mapping[str, Any]) -> str:
    """The family of an entry's data; entries made before chargers were supported are VE.Bus."""
    return str(data.get(CONF_FAMILY, FAMILY_VEBUS))


def cable_family(*descriptions: str | None) -> str | None:
    """The family a Victron cable is made for, by its USB product name or by-id path; None
    for anything else (a plain FTDI, CH340 or CP210x adapter: either may be behind it)."""
    text = " ".join(part for part in descriptions if part)
    kind = port_kind(text)
    if kind == "vedirect":
        return FAMILY_VEDIRECT
    if kind == "mk3" or "mk2" in text.lower():
        return FAMILY_VEBUS
    return None


def _port_error(err: Exception) -> str | None:
    return next((key for kind, key in _PORT_ERRORS if isinstance(err, kind)), None)


async def _probe_vebus(port: str) -> Found | str | None:
    client = VEBusClient(port)
    try:
        device = await client.probe()
        inputs: int | None = None
        with contextlib.suppress(VEBusError):  # an MK2 or an older unit may not tell
            inputs = (await client.ac_input_config()).inputs
    except VEBusPortLostError as err:
        # Opened, then dropped: the VE.Bus link drops a port that floods it with far more
        # than 2400 baud carries, as a VE.Direct charger does behind a network port or a pty.
        _LOGGER.debug("No VE.Bus on %s: %s", describe_port(port), err)
        return None
    except VEBusError as err:
        _LOGGER.debug("No VE.Bus on %s: %s", describe_port(port), err)
        return _port_error(err)
    finally:
        await client.close()
    return Found(
        FAMILY_VEBUS,
        # Its product line, as the device is named: "MultiPlus-II" where the product id says.
        Product(family_of(inputs), None, device.firmware_version).line,
        device.serial_number,
        {CONF_INTERFACE: device.interface_model},
    )


async def _probe_vedirect(port: str) -> Found | str | None:
    try:
        result = await probe_port(port)
    except VEDirectError as err:
        _LOGGER.debug("No VE.Direct on %s: %s", describe_port(port), err)
        return _port_error(err)
    return Found(FAMILY_VEDIRECT, result.model or CHARGER_FALLBACK_NAME, result.serial)


async def async_identify(port: str, hint: str | None = None) -> Found | str:
    """What answers on ``port``, or the config flow's error key saying why nothing does."""
    probes = [_probe_vebus, _probe_vedirect]
    if hint == FAMILY_VEDIRECT:
        probes.reverse()
    try:
        for probe in probes:
            outcome = await probe(port)
            if outcome is not None:
                return outcome
    except Exception:
        _LOGGER.exception("Unexpected error while probing %s", describe_port(port))
        return "unknown"
    return NOTHING_ANSWERED
