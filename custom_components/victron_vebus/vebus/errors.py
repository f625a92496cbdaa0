"""Typed errors of the VE.Bus client (design.md §2)."""

from __future__ import annotations


class VEBusError(Exception):
    """Base of every error the client raises."""


class VEBusConnectionError(VEBusError):
    """The port cannot be opened or was lost."""


class PortNotFoundError(VEBusConnectionError):
    """The port does not exist (wrong path, adapter not plugged in)."""


class PortBusyError(VEBusConnectionError):
    """Another program holds the port open."""


class PortLostError(VEBusConnectionError):
    """The port went away while open (adapter unplugged, server closed)."""


class InvalidPortError(VEBusConnectionError):
    """The path or URL cannot be a serial port (a directory, a plain file, a bad URL)."""


class VEBusTimeout(VEBusError):
    """No reply in time: the device is asleep, off or not a VE.Bus interface."""


class VEBusWriteUnconfirmed(VEBusError):
    """A write went out, but neither the device's reply nor a read-back confirmed it.

    The value may or may not be in force: the reply was lost, the read-back failed,
    the port went away after the request was sent, or the value cannot be read back
    at all (settings written RAM only). Callers must not count it as done.
    """


class VEBusUnsupported(VEBusError):
    """The device says it does not support this variable, setting or command."""


class VEBusAccessDenied(VEBusError):
    """The device refused a write that needs a higher access level (reply 0x9B)."""

    def __init__(self, item: str, level: int) -> None:
        super().__init__(f"{item}: the device requires access level {level} for this write")
        self.item = item
        self.level = level


class VEBusProtocolError(VEBusError):
    """The device answered something the protocol does not allow here."""


class OutOfRangeError(VEBusError, ValueError):
    """A value outside the device's own bounds; nothing was sent."""

    def __init__(self, item: str, value: float, minimum: float, maximum: float) -> None:
        super().__init__(f"{item}: {value:g} is outside {minimum:g}..{maximum:g}")
        self.item = item
        self.value = value
        self.minimum = minimum
        self.maximum = maximum
