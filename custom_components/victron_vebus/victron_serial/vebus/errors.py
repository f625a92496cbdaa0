"""Typed errors of the VE.Bus library: one naming rule, ``VEBus…Error`` (design.md §2)."""

from __future__ import annotations

from collections.abc import Sequence

from ..foundation.errors import ErrorFamily, InvalidValue, OutOfRange


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


class VEBusClosedError(VEBusConnectionError):
    """The owner closed the connection for good (Home Assistant stops, the entry unloads):
    nothing opens the port again, nothing was sent."""


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


class VEBusOutOfRangeError(VEBusError, OutOfRange):
    """A value outside what the unit (or the quantity) allows; nothing was sent.

    ``unit`` is the engineering unit of the bounds ("V", "A", "W"), when there is one;
    ``bound`` says whose bounds they are: "unit" (the unit's own setting or variable
    info), "ess_maximum" (the ESS maximum power the owner set), "wire" (what the frame
    can carry), "ess_control" (the ESS control's maximum powers), "soc_option" (its
    state of charge limits) or "soc_now" (the state of charge a target must lie beyond).
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
        side: str | None = None,
    ) -> None:
        OutOfRange.__init__(self, item, value, minimum, maximum, unit)
        self.bound = bound
        self._side = side

    @property
    def side(self) -> str | None:
        """ "above" or "below" the bounds; None for a value that is not a number.

        Given to the constructor where a value on a bound is outside too (a target of
        charge equal to the state of charge now)."""
        if self._side is not None:
            return self._side
        if self.value > self.maximum:
            return "above"
        if self.value < self.minimum:
            return "below"
        return None


class VEBusInvalidValueError(VEBusError, InvalidValue):
    """A value that is not what its quantity takes, whatever its bounds: a boolean for a
    number, a fraction for a whole-numbered setting, anything but 0 or 1 for a bit; nothing
    was sent. ``expected`` says what it takes ("a number", "a whole number", "0 or 1")."""


class VEBusChargeVoltageOrderError(VEBusError, ValueError):
    """Float voltage above absorption voltage (or absorption below float); nothing was sent.

    ``item`` is the setting written with its ``value``; ``other`` the setting it must not
    pass, at ``other_value`` (the value in force). Units in V.
    """

    def __init__(self, item: str, value: float, other: str, other_value: float) -> None:
        relation = "above" if item == "float_voltage" else "below"
        super().__init__(
            f"{item}: {value:g} V is {relation} {other} {other_value:g} V; the float voltage "
            "must not exceed the absorption voltage"
        )
        self.item = item
        self.value = value
        self.other = other
        self.other_value = other_value


class VEBusModeError(VEBusError):
    """A control that does nothing in the mode in force (the ESS setpoint outside mode on);
    nothing was sent. ``mode`` is the mode in force ("charger_only", ...)."""

    def __init__(self, item: str, mode: str) -> None:
        super().__init__(
            f"{item} does nothing while the unit is in mode {mode}; it acts only in mode on"
        )
        self.item = item
        self.mode = mode


class VEBusWriteNotAppliedError(VEBusError):
    """A write went unanswered and reading the value back shows the unit without it."""


class VEBusWriteUnconfirmedError(VEBusError):
    """A write went out, but neither the unit's reply nor a read-back confirmed it.

    The value may or may not be in force: the reply was lost, the read-back failed, the port
    went away after the request was sent, or the value cannot be read back at all (settings
    written RAM only). Callers must not count it as done.
    """


class VEBusUnitWriteError(VEBusError):
    """The unit addressed took a setting and another unit of its system did not (refused it,
    or no reply came): a system runs one configuration, so this is a failure of the write.
    ``address`` is that unit's, ``error`` what it answered."""

    request_sent = True  # the unit addressed was written

    def __init__(self, item: str, address: int, error: VEBusError) -> None:
        super().__init__(
            f"{item}: the unit at address {address} of the system did not take it: {error}"
        )
        self.item = item
        self.address = address
        self.error = error


class VEBusBackupError(VEBusError):
    """A settings backup that cannot be used: not one, damaged, or of a newer schema."""


class VEBusBackupMismatchError(VEBusBackupError):
    """A backup of another product or firmware: restoring it needs ``force``.

    ``differences`` names each one ("firmware: file 2629304, unit 2629508").
    """

    def __init__(self, differences: Sequence[str]) -> None:
        super().__init__(
            "the backup is of another unit ("
            + "; ".join(differences)
            + "); nothing was written, force the restore to write it anyway"
        )
        self.differences = tuple(differences)


class VEBusRestoreOutOfRangeError(VEBusError, ValueError):
    """Settings of a backup outside what the unit allows; nothing was written.

    ``problems`` names each setting with its value and the unit's bounds.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(
            "the unit does not allow these values, nothing was written: " + "; ".join(problems)
        )
        self.problems = tuple(problems)


class VEBusRateLimitedError(VEBusError):
    """A setting saved to EEPROM too soon after its last save; nothing was sent.

    ``retry_at`` is the wall-clock time (seconds since the epoch) it may be saved again.
    """

    def __init__(self, item: str, retry_at: float) -> None:
        super().__init__(f"{item}: saved to EEPROM too recently; it may be saved again later")
        self.item = item
        self.retry_at = retry_at


ERRORS = ErrorFamily(
    base=VEBusError,
    connection=VEBusConnectionError,
    not_found=VEBusPortNotFoundError,
    busy=VEBusPortBusyError,
    invalid=VEBusInvalidPortError,
    lost=VEBusPortLostError,
    not_applied=VEBusWriteNotAppliedError,
    unconfirmed=VEBusWriteUnconfirmedError,
    rate_limited=VEBusRateLimitedError,
)
