"""The write contract: a control write ends confirmed, or raises saying what is known.

- **Confirmed**: the unit's reply, or, when every attempt went unanswered, a read-back
  showing that the unit holds the value. Where the protocol allows one: the remote switch
  and current limit ('F' 5), RAM variables incl. the ESS setpoint (0x30), settings stored
  in EEPROM (0x31) and the interface lines ('H').
- **Not applied** (``VEBusWriteNotAppliedError``): unanswered, and the read-back shows the
  unit without the value.
- **Unconfirmed** (``VEBusWriteUnconfirmedError``): nobody can tell. The read-back failed
  too, the port went away after the request went out, or nothing reads the value back: a
  setting written RAM only is in force but 0x31 returns the EEPROM value.

A write that failed before it went out (``request_sent`` false) raises its own error: the
unit holds what it held.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import logging

from .errors import (
    VEBusConnectionError,
    VEBusError,
    VEBusTimeoutError,
    VEBusWriteNotAppliedError,
    VEBusWriteUnconfirmedError,
)
from .link import Link
from .protocol.codec import Request

_LOGGER = logging.getLogger(__name__)

type ReadBack = Callable[[], Awaitable[bool]]


async def confirmed_write[R](
    link: Link,
    request: Request[R],
    read_back: ReadBack | None,
    *,
    retries: int | None = None,
    address: int | None = None,
) -> R | None:
    """Send ``request`` and return its reply, or None when a read-back confirmed it.

    ``read_back()`` says whether the unit holds the value; None: it cannot be read back.
    ``retries`` limits the attempts (an EEPROM write is sent once: a retry is another
    EEPROM write, so after a lost reply it is read back instead). ``address``: another
    unit of the system than the link's own (``Link.exchange``).
    """
    what = request.describe()
    try:
        return await link.exchange(request, retries=retries, address=address)
    except (VEBusConnectionError, VEBusTimeoutError) as err:
        if not err.request_sent:
            raise  # nothing went out: the unit holds what it held
        failure: VEBusError = err
    if isinstance(failure, VEBusConnectionError) or read_back is None:
        why = "cannot be read back" if read_back is None else "the port went away"
        raise _unconfirmed(link, what, f"no reply and {why}", failure)
    link.stats.write_readbacks += 1
    try:
        held = await read_back()
    except VEBusError as err:
        raise _unconfirmed(link, what, f"no reply and the read-back failed: {err}", err) from err
    if not held:
        error = VEBusWriteNotAppliedError(
            f"{what}: no reply, and the device does not hold the value"
        )
        error.request_sent = True
        link.stats.not_applied(error)
        raise error from failure
    link.stats.writes_confirmed_by_readback += 1
    _LOGGER.debug("%s: no reply, but the read-back shows the value in force", what)
    return None


def _unconfirmed(link: Link, what: str, why: str, cause: VEBusError) -> VEBusWriteUnconfirmedError:
    error = VEBusWriteUnconfirmedError(f"{what}: {why}; the value may or may not be in force")
    error.request_sent = True
    error.__cause__ = cause
    link.stats.unconfirmed(error)
    return error
