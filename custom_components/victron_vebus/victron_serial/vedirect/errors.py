"""Typed errors of the VE.Direct library: one naming rule, ``VEDirect…Error``."""

from __future__ import annotations

from ..foundation.errors import ErrorFamily, InvalidValue, OutOfRange


class VEDirectError(Exception):
    """Base of every error the library raises.

    ``request_sent`` says whether the request that failed went out on the wire: a write that
    failed before it was sent has certainly not reached the charger.
    """

    request_sent = False


class VEDirectConnectionError(VEDirectError):
    """The port cannot be opened or was lost."""


class VEDirectPortNotFoundError(VEDirectConnectionError):
    """The port does not exist (wrong path, cable not plugged in)."""


class VEDirectPortBusyError(VEDirectConnectionError):
    """Another program holds the port open."""


class VEDirectPortLostError(VEDirectConnectionError):
    """The port went away while open (cable unplugged, server closed)."""


class VEDirectInvalidPortError(VEDirectConnectionError):
    """The path or URL cannot be a serial port (a directory, a plain file, a bad URL)."""


class VEDirectClosedError(VEDirectConnectionError):
    """The owner closed the connection for good (Home Assistant stops, the entry unloads):
    nothing opens the port again, nothing was sent."""


class VEDirectTimeoutError(VEDirectError):
    """No reply (or no text block) in time: nothing VE.Direct on the port, or it is dead."""


class VEDirectUnsupportedError(VEDirectError):
    """The charger does not have this register, or refuses to write it (flags 0x01, 0x02),
    or a rule of the charger forbids the write (a voltage while the battery type is a preset).
    """


class VEDirectPresetBatteryError(VEDirectUnsupportedError):
    """A charge voltage written while the battery type is a preset: the preset fixes the
    voltages; the charger takes them only with the user-defined battery type."""

    def __init__(self, item: str) -> None:
        super().__init__(
            f"{item}: the charger's battery type is a preset, which fixes the charge voltages; "
            "choose the user-defined battery type (in VictronConnect) to set them"
        )
        self.item = item


class VEDirectUnknownRegisterError(VEDirectUnsupportedError):
    """The charger says it has no such register (reply flag 0x01)."""


class VEDirectParameterError(VEDirectError):
    """The charger refused the value itself (reply flag 0x04: out of range or inconsistent)."""


class VEDirectProtocolError(VEDirectError):
    """The charger answered something the protocol does not allow here (a framing error
    reply, a value of the wrong size)."""


class VEDirectOutOfRangeError(VEDirectError, OutOfRange):
    """A value outside what the charger (or the quantity) allows; nothing was sent."""


class VEDirectInvalidValueError(VEDirectError, InvalidValue):
    """Not what the register takes, whatever its bounds: a boolean for a number, a fraction
    for a whole-numbered register (a mode); nothing was sent, nothing rounded into shape."""


class VEDirectWriteNotAppliedError(VEDirectError):
    """A write went unanswered and reading the value back shows the charger without it."""


class VEDirectWriteUnconfirmedError(VEDirectError):
    """A write went out, but neither the charger's reply nor a read-back confirmed it.

    The value may or may not be in force. Callers must not count it as done.
    """


class VEDirectRateLimitedError(VEDirectError):
    """A setting written to non-volatile memory too soon after its last write; nothing sent.

    ``retry_at`` is the wall-clock time (seconds since the epoch) it may be written again.
    """

    def __init__(self, item: str, retry_at: float) -> None:
        super().__init__(
            f"{item}: written to the charger's non-volatile memory too recently; "
            "it may be written again later"
        )
        self.item = item
        self.retry_at = retry_at


ERRORS = ErrorFamily(
    base=VEDirectError,
    connection=VEDirectConnectionError,
    not_found=VEDirectPortNotFoundError,
    busy=VEDirectPortBusyError,
    invalid=VEDirectInvalidPortError,
    lost=VEDirectPortLostError,
    not_applied=VEDirectWriteNotAppliedError,
    unconfirmed=VEDirectWriteUnconfirmedError,
    rate_limited=VEDirectRateLimitedError,
)
