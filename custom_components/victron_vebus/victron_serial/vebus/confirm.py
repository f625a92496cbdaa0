"""The write contract (foundation/write_contract.py) for VE.Bus writes.

Confirmed by a read-back where the protocol allows one: the remote switch and current
limit ('F' 5), RAM variables incl. the ESS setpoint (0x30), settings stored in EEPROM (0x31)
and the interface lines ('H'). Nothing reads back a setting written RAM only (0x31 returns
the EEPROM value): such a write is in force when answered, unconfirmed when not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import logging

from ..foundation.write_contract import read_back_unanswered
from .errors import ERRORS, VEBusConnectionError, VEBusError, VEBusTimeoutError
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
    await read_back_unanswered(link.stats, ERRORS, what, failure, read_back, bool, device="device")
    _LOGGER.debug("%s: no reply, but the read-back shows the value in force", what)
    return None
