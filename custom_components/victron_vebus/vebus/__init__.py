"""Async client for Victron VE.Bus units through an MK2/MK3 interface.

Imports nothing from Home Assistant, so it can be published on its own.
"""

from .client import ClientStats, VEBusClient
from .errors import (
    InvalidPortError,
    OutOfRangeError,
    PortBusyError,
    PortLostError,
    PortNotFoundError,
    VEBusAccessDenied,
    VEBusConnectionError,
    VEBusError,
    VEBusProtocolError,
    VEBusTimeout,
    VEBusUnsupported,
    VEBusWriteUnconfirmed,
)
from .models import Mode

__all__ = [
    "ClientStats",
    "InvalidPortError",
    "Mode",
    "OutOfRangeError",
    "PortBusyError",
    "PortLostError",
    "PortNotFoundError",
    "VEBusAccessDenied",
    "VEBusClient",
    "VEBusConnectionError",
    "VEBusError",
    "VEBusProtocolError",
    "VEBusTimeout",
    "VEBusUnsupported",
    "VEBusWriteUnconfirmed",
]
