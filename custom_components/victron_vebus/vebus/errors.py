"""Typed errors of the VE.Bus library: one naming rule, ``VEBus…Error`` (design.md §2)."""

from __future__ import annotations


class VEBusError(Exception):
    """Base of every error the library raises.

    ``request_sent`` says whether the request that failed went out on the wire: a write that
    failed before it was sent has certainly not reached the unit.
    """

    request_sent = False


class VEBusConnectionError(VEBusError):
    """The port cannot be opened or was lost."""


class VEBusPortNotFoundError(VEBusConnectionError):
    """The port does not exist (wrong path, adapter not plugged in)."""


class VEBusPortBusyError(VEBusConnectionError):
    """Another program holds the port open."""


class VEBusPortLostError(VEBusConnectionError):
    """The port went away while open (adapter unplugged, server closed)."""


class VEBusInvalidPortError(VEBusConnectionError):
    """The path or URL cannot be a serial port (a directory, a plain file, a bad URL)."""


class VEBusTimeoutError(VEBusError):
    """No reply in time: the unit is asleep, off, or the port has no VE.Bus interface."""


class VEBusAsleepError(VEBusError):
    """The unit was sent to sleep and has not woken: nothing was sent (wake it first)."""


class VEBusUnsupportedError(VEBusError):
    """The unit says it does not support this variable, setting or command."""


class VEBusAccessDeniedError(VEBusError):
    """The unit refused a write that needs a higher access level (reply 0x9B)."""

    def __init__(self, item: str, level: int) -> None:
        super().__init__(f"{item}: the device requires access level {level} for this write")
        self.item = item
        self.level = level


class VEBusProtocolError(VEBusError):
    """The unit answered something the protocol does not allow here."""


class VEBusOutOfRangeError(VEBusError, ValueError):
    """A value outside what the unit (or the quantity) allows; nothing was sent.

    ``unit`` is the engineering unit of the bounds ("V", "A", "W"), when there is one;
    ``bound`` says whose bounds they are: "unit" (the unit's own setting or variable
    info), "ess_maximum" (the ESS maximum power the owner set) or "wire" (what the frame
    can carry).
    """

    def __init__(
        self,
        item: str,
        value: float,
        minimum: float,
        maximum: float,
        unit: str | None = None,
        *,
        bound: str = "unit",
    ) -> None:
        suffix = f" {unit}" if unit else ""
        super().__init__(f"{item}: {value:g}{suffix} is outside {minimum:g} to {maximum:g}{suffix}")
        self.item = item
        self.value = value
        self.minimum = minimum
        self.maximum = maximum
        self.unit = unit
        self.bound = bound

    @property
    def side(self) -> str | None:
        """ "above" or "below" the bounds; None for a value that is not a number."""
        if self.value > self.maximum:
            return "above"
        if self.value < self.minimum:
            return "below"
        return None


class VEBusWriteNotAppliedError(VEBusError):
    """A write went unanswered and reading the value back shows the unit without it."""


class VEBusWriteUnconfirmedError(VEBusError):
    """A write went out, but neither the unit's reply nor a read-back confirmed it.

    The value may or may not be in force: the reply was lost, the read-back failed, the port
    went away after the request was sent, or the value cannot be read back at all (settings
    written RAM only). Callers must not count it as done.
    """


class VEBusRateLimitedError(VEBusError):
    """A setting saved to EEPROM too soon after its last save; nothing was sent.

    ``retry_at`` is the wall-clock time (seconds since the epoch) it may be saved again.
    """

    def __init__(self, item: str, retry_at: float) -> None:
        super().__init__(f"{item}: saved to EEPROM too recently; it may be saved again later")
        self.item = item
        self.retry_at = retry_at
