"""VEDirectClient: the domain API of one charger on a VE.Direct port.

Each method builds a request, exchanges it over the ``Link`` and decodes the reply with the
register's own layout (``registers``). Text blocks arrive by themselves: ``next_block`` waits
for one, ``link.last_block`` is the latest.

The write contract: a Set goes out once (every write of a setting goes to the charger's
non-volatile memory, so a retry is another write) and is then read back, because chargers
clamp: the value read back is the one in force. When the Set's reply never comes, the
read-back decides: the new value (confirmed), the old one (``VEDirectWriteNotAppliedError``),
another one (the charger clamped it: in force), or no answer at all
(``VEDirectWriteUnconfirmedError``: it may or may not be in force).
"""

from __future__ import annotations

import logging

from ..foundation.port_client import PortClient
from ..foundation.write_contract import read_back_unanswered
from .errors import (
    ERRORS,
    VEDirectConnectionError,
    VEDirectError,
    VEDirectProtocolError,
    VEDirectTimeoutError,
    VEDirectUnsupportedError,
)
from .link import RETRIES, TIMEOUT, Link, LinkStats
from .protocol.hex import (
    FramingErrorReply,
    GetAppVersion,
    GetProductId,
    GetRegister,
    Ping,
    SetRegister,
)
from .protocol.reader import ReaderStats
from .protocol.text import TextBlock
from .registers import Register

_LOGGER = logging.getLogger(__name__)

type Value = float | int | str | bytes | None


class VEDirectClient(PortClient[Link]):
    """Async client for one VE.Direct charger on ``url`` (a device path or a URL)."""

    def __init__(self, url: str, *, timeout: float = TIMEOUT, retries: int = RETRIES) -> None:
        self.link = Link(url, timeout=timeout, retries=retries)

    # --- the link -------------------------------------------------------------------------

    @property
    def session(self) -> int:
        """Bumped on every (re)connect."""
        return self.link.session

    @property
    def stats(self) -> LinkStats:
        return self.link.stats

    @property
    def reader_stats(self) -> ReaderStats:
        return self.link.reader_stats

    @property
    def last_block(self) -> TextBlock | None:
        return self.link.last_block

    async def next_block(self, timeout: float) -> TextBlock:
        """The next text block (one a second); VEDirectTimeoutError after ``timeout``."""
        return await self.link.next_block(timeout)

    def async_value(self, register: Register) -> Value:
        """The register's value in the charger's last async frame; None if none came."""
        frame = self.link.registers.get(register.id)
        if frame is None or frame.flags:
            return None
        try:
            return register.value(frame.value)
        except VEDirectProtocolError:
            return None

    # --- reads --------------------------------------------------------------------------------

    async def ping(self) -> int:
        """The firmware version word (top 2 bits: 01 application); proves HEX is answered."""
        return await self.link.exchange(Ping())

    async def app_version(self) -> int:
        return await self.link.exchange(GetAppVersion())

    async def product_id(self) -> int:
        return await self.link.exchange(GetProductId())

    async def get_raw(self, register: Register) -> int | str | bytes:
        reply = await self.link.exchange(GetRegister(register.id, register.name))
        return register.decode(reply.value)

    async def get(self, register: Register) -> Value:
        """The value in engineering units (None: the charger has none)."""
        raw = await self.get_raw(register)
        return register.scaled(raw) if isinstance(raw, int) else raw

    async def get_number(self, register: Register) -> int:
        raw = await self.get_raw(register)
        if not isinstance(raw, int):
            raise VEDirectProtocolError(f"{register.name}: not a number")
        return raw

    # --- writes ---------------------------------------------------------------------------

    async def write_raw(self, register: Register, raw: int, *, previous: int | None) -> int:
        """Set ``register`` to ``raw`` once and read it back; returns the raw value in force.

        ``previous`` is the raw value held before (None: not known), so a write whose reply
        was lost can be told applied or not.
        """
        if not register.writable:
            raise VEDirectUnsupportedError(f"{register.name} cannot be written")
        request = SetRegister(register.id, register.encode(raw), register.name)
        try:
            echo = await self.link.exchange(request, retries=0)
        except (VEDirectTimeoutError, FramingErrorReply, VEDirectConnectionError) as err:
            if not err.request_sent:
                raise  # nothing went out: the charger holds what it held
            return await read_back_unanswered(
                self.stats,
                ERRORS,
                f"set {register.name}",
                err,
                lambda: self.get_number(register),
                lambda held: held == raw or held != previous,
                device="charger",
            )
        try:
            return await self.get_number(register)
        except VEDirectError as err:
            # The reply echoed what it took; the read-back is only lost.
            _LOGGER.debug("%s: read-back failed (%s); the echo stands", register.name, err)
            return int(register.decode(echo.value))
