"""The wire to one MK2/MK3 interface: ``await link.exchange(request)`` (design.md §2).

One request is in flight at a time (an asyncio lock queues concurrent callers). A reply is
matched by the request's own matcher, never by position: unsolicited 'V' heartbeats and
unrelated VE.Bus frames may arrive at any moment and are absorbed. Winmon requests get the
letters X, Y, Z in turn, so a late reply is never taken for the answer to the next request.

Faults: a frame lost or broken on the wire costs a timeout and a retry with the same frame
(every request is idempotent). After any timeout the link waits until the line has been
quiet for a while before it returns, so a late reply to an attempt given up on is never
taken for the answer to the next request. The port lost mid-request fails the request at
once; the next request reconnects.

A 'V' frame with 'B' after an address was selected means the interface reset (the unit
restarted: it powers the interface). The link selects the address again and bumps
``session``, so callers know RAM-only values were forgotten.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
import time
from typing import Any

from ..foundation.link_stats import LinkCounters
from ..foundation.ports import describe_port
from .errors import (
    VEBusClosedError,
    VEBusConnectionError,
    VEBusError,
    VEBusPortLostError,
    VEBusTimeoutError,
)
from .flood import FloodGuard
from .protocol.codec import Command, Request
from .protocol.framing import DecoderStats, Frame, FrameDecoder
from .protocol.ids import MK3_VERSION_THRESHOLD
from .protocol.mk2 import AddressRequest, ResetRequest, VersionReply, VersionRequest
from .protocol.winmon import ROTATING_LETTERS, WinmonCommand
from .transport import Transport

_LOGGER = logging.getLogger(__name__)

TIMEOUT = 0.5
SLOW_TIMEOUT = 1.0  # 'F' 5 needs more than 750 ms on real units
RETRIES = 2
# After a timeout: return once no reply came for SETTLE_QUIET request timeouts, or after
# SETTLE_LIMIT timeouts at the most.
SETTLE_QUIET = 1.5
SETTLE_LIMIT = 4.0
TRICKLE = 4  # bytes: a read this small means the line delivers at its own pace
# Requests that talk to the interface itself, not to the unit at the selected address.
_NO_ADDRESS = (VersionRequest, AddressRequest, ResetRequest)


@dataclass(slots=True)
class LinkStats(LinkCounters):
    """Counters shown in diagnostics."""

    heartbeats: int = 0
    ignored_frames: int = 0
    floods: int = 0  # connections reset for sending far more than the line carries
    interface_resets: int = 0


type _Match = Callable[[Frame], Any]


class _NoReply(Exception):
    """An attempt's time ran out (internal: the link retries or raises the timeout)."""


_NO_REPLY: Any = object()


class Link:
    """One MK2/MK3 interface on ``url`` and the VE.Bus unit at ``address``."""

    def __init__(
        self,
        url: str,
        *,
        address: int = 0,
        timeout: float = TIMEOUT,
        slow_timeout: float = SLOW_TIMEOUT,
        retries: int = RETRIES,
    ) -> None:
        self.url = url
        self.address = address
        self.timeout = timeout
        self.slow_timeout = slow_timeout
        self.retries = retries
        self.stats = LinkStats()
        self.decoder = FrameDecoder()
        self.interface_version: int | None = None
        self.last_frame_at: float | None = None
        self.session = 0  # bumped on every (re)connect and interface reset
        self.found_without_address: bool | None = None  # the first 'V' frame seen said 'B'
        self._last_reply_at = -1e9  # the last frame that was not a 'V' frame
        self._transport: Transport | None = None
        self._lock = asyncio.Lock()
        self._pending: tuple[_Match, asyncio.Future[Any]] | None = None
        self._letter = 0
        self._selected: int | None = None  # the address the interface has selected
        self._lost: VEBusConnectionError | None = None
        self._closed_for_good = False
        self.flood = FloodGuard()

    # --- connection -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._transport is not None and self._lost is None

    @property
    def framing_stats(self) -> DecoderStats:
        return self.decoder.stats

    @property
    def is_mk3(self) -> bool:
        return self.interface_version is None or self.interface_version >= MK3_VERSION_THRESHOLD

    async def connect(self) -> None:
        """Open the port (again). Raises a VEBusConnectionError subclass on failure."""
        await self._drop_connection()
        if self._closed_for_good:
            raise VEBusClosedError(f"{describe_port(self.url)}: closed; nothing was sent")
        wait = self.flood.wait_left()
        if wait:
            raise VEBusConnectionError(
                f"{describe_port(self.url)}: flooded with more than a 2400 baud line carries; "
                f"connecting again in {wait:.0f} s"
            )
        transport = Transport(
            self.url, self._received, lambda exc: self._transport_lost(transport, exc)
        )
        self._transport, self._lost = transport, None
        self._selected = None
        self.decoder.reset()
        try:
            await transport.open()
        except BaseException:
            self._transport = None
            raise
        self.session += 1
        self.stats.connects += 1

    async def ensure_connected(self) -> None:
        """Reconnect if the port was lost; a no-op while connected."""
        async with self._lock:
            if not self.connected:
                await self.connect()

    async def close(self, *, final: bool = False) -> None:
        """Close the port; the link can connect again later, unless ``final``: then
        every later request raises VEBusClosedError and nothing opens the port."""
        self._closed_for_good = self._closed_for_good or final
        await self._drop_connection()

    async def _drop_connection(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.close()
        self._fail_pending(VEBusPortLostError(f"{describe_port(self.url)}: closed"))

    def _received(self, data: bytes) -> None:
        """Bytes from the port (the transport's callback, in the event loop)."""
        transport = self._transport
        self.stats.bytes_received += len(data)
        if self.flood.received(len(data)):
            self.stats.floods += 1
            self._mark_lost(
                VEBusPortLostError(
                    f"{describe_port(self.url)}: far more bytes than a 2400 baud line "
                    "carries; the connection is reset"
                )
            )
            if transport is not None:
                transport.abandon()
            return
        for frame in self.decoder.feed(data):
            self._dispatch(frame)
        # At 2400 baud bytes trickle in one at a time, and taking each as it comes costs
        # a wake-up per byte. The length byte says how many are still to come: leave them
        # in the port's buffer until then, and take them at once.
        missing = self.decoder.missing()
        if missing and len(data) <= TRICKLE and transport is not None:
            transport.hold_back(missing)

    def _transport_lost(self, transport: Transport, exc: VEBusConnectionError) -> None:
        if transport is self._transport:
            self._mark_lost(exc)

    def _mark_lost(self, exc: VEBusConnectionError) -> None:
        """The port is gone: the next request reconnects. Counted once per connection.

        Either side may see it first: the reader (EOF, EIO) or a write (EIO, or the port
        already closed). On Python 3.14 an unplugged port is often seen by the write first,
        and nothing lets the reader task run before the next request.
        """
        if self._lost is not None:
            return
        _LOGGER.debug("Lost %s: %s", describe_port(self.url), exc)
        self.stats.lost(exc)
        self._lost = exc
        self._fail_pending(exc)

    def _fail_pending(self, exc: VEBusError) -> None:
        if self._pending is not None and not self._pending[1].done():
            self._pending[1].set_exception(exc)

    def _dispatch(self, frame: Frame) -> None:
        self.last_frame_at = time.monotonic()
        if frame.command != ord("V"):
            self._last_reply_at = self.last_frame_at
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("<< %02x %s", frame.frame_type, frame.payload.hex(" "))
        if self.found_without_address is None and frame.command == ord("V"):
            first = VersionReply.decode(frame)
            if first is not None:
                self.found_without_address = first.no_address
        if self._pending is not None and not self._pending[1].done():
            match, future = self._pending
            try:
                result = match(frame)
            except VEBusError as exc:
                future.set_exception(exc)
                return
            if result is not None:
                future.set_result(result)
                return
        version = VersionReply.decode(frame)
        if version is None:
            self.stats.ignored_frames += 1
            return
        self.stats.heartbeats += 1
        self.interface_version = version.version
        if version.no_address and self._selected is not None:
            # The interface was reset (the unit restarted): it forgot our address and the
            # unit forgot every RAM-only value.
            self._selected = None
            self.stats.interface_resets += 1
            self.session += 1

    # --- exchanges -------------------------------------------------------------------------------

    async def exchange[R](
        self,
        request: Request[R],
        *,
        retries: int | None = None,
        prefix: Command | None = None,
        address: int | None = None,
    ) -> R:
        """Send ``request`` and return its decoded reply; retried after each timeout.

        ``prefix`` (a command with no reply, such as the snapshot set-up) goes out in the
        same write as every attempt. ``address`` sends it to another unit of the system
        than ``self.address`` (a phase master): selected under the same lock, so no other
        request goes there by mistake; the next request selects its own address again.
        Raises VEBusTimeoutError after the last attempt and a VEBusConnectionError when
        the port is gone; either has ``request_sent`` set when the request went out (the
        unit may have acted on it).
        """
        async with self._lock:
            await self._ready(
                needs_address=not isinstance(request, _NO_ADDRESS),
                address=self.address if address is None else address,
            )
            if isinstance(request, WinmonCommand):
                request = request.with_letter(self._next_letter())
            reply = await self._attempts(
                request, self.retries if retries is None else retries, prefix
            )
            if isinstance(request, ResetRequest):
                self._selected = None
            return reply

    async def send(self, command: Command, *, needs_address: bool = True) -> None:
        """Write a command no frame answers."""
        async with self._lock:
            await self._ready(needs_address=needs_address)
            await self._write(command.encode())

    async def select_address(self, address: int) -> None:
        async with self._lock:
            self.address = address
            self._selected = None
            await self._ready(needs_address=True)

    async def _ready(self, *, needs_address: bool, address: int | None = None) -> None:
        """Reconnect after a loss and select ``address`` (default: the link's own) unless
        the interface has it selected already; the caller holds the lock."""
        if self.connected and self._transport is not None and not self._transport.is_open:
            # Closed under us (the port went away) before the reader task could say so.
            self._mark_lost(VEBusPortLostError(f"{describe_port(self.url)}: closed"))
        if not self.connected:
            await self.connect()
        address = self.address if address is None else address
        if needs_address and self._selected != address:
            self._selected = None  # unknown until the interface confirms the new one
            await self._attempts(AddressRequest.select(address), self.retries, None)
            self._selected = address

    def _next_letter(self) -> int:
        letter = ROTATING_LETTERS[self._letter]
        self._letter = (self._letter + 1) % len(ROTATING_LETTERS)
        return letter

    async def _write(self, data: bytes) -> None:
        if self._transport is None or self._lost is not None:
            raise self._lost or VEBusPortLostError(f"{describe_port(self.url)}: not open")
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug(">> %s", data.hex(" "))
        self.stats.bytes_sent += len(data)
        self.flood.request_sent()
        try:
            self._transport.write(data)
        except VEBusPortLostError as exc:
            self._mark_lost(exc)
            raise

    async def _attempts[R](self, request: Request[R], retries: int, prefix: Command | None) -> R:
        wait = self.slow_timeout if request.slow else self.timeout
        data = (prefix.encode() if prefix is not None else b"") + request.encode()
        loop = asyncio.get_running_loop()
        sent = False
        for attempt in range(retries + 1):
            self.stats.attempt(attempt)
            future: asyncio.Future[R] = loop.create_future()
            self._pending = (request.matcher(), future)
            try:
                try:
                    await self._write(data)
                except VEBusError as err:
                    err.request_sent = sent
                    raise
                sent = True
                timer = loop.call_later(wait, self._attempt_over, future)
                try:
                    reply = await future
                except _NoReply:
                    reply = _NO_REPLY
                except VEBusError as err:
                    err.request_sent = True
                    raise
                finally:
                    timer.cancel()
                if reply is not _NO_REPLY:
                    self.flood.calm()
                    if attempt:
                        await self._settle(wait)
                    return reply
            finally:
                self._pending = None
                future.cancel()  # nothing when done; never left for a late frame
            self.stats.timeouts += 1
        await self._settle(wait)
        error = VEBusTimeoutError(
            f"no reply to {request.describe()} ({data.hex(' ')}) from {describe_port(self.url)}"
        )
        error.request_sent = True
        self.stats.error(error)
        raise error

    def _attempt_over(self, future: asyncio.Future[Any]) -> None:
        """The attempt's time is up, unless the reply waits behind a length byte that
        noise made up: give that up first."""
        for frame in self.decoder.discard_partial():
            self._dispatch(frame)
        if not future.done():
            future.set_exception(_NoReply())

    async def _settle(self, wait: float) -> None:
        """After a timeout: wait until no reply came for a while (the caller holds the lock).

        A reply later than the timeout still arrives after the next request went out, and
        a winmon letter comes round again every three requests: letting it arrive (and be
        ignored) now keeps it from being taken for the next answer.
        """
        self.stats.settles += 1
        deadline = time.monotonic() + wait * SETTLE_LIMIT
        while self.connected:
            until = min(self._last_reply_at + wait * SETTLE_QUIET, deadline)
            now = time.monotonic()
            if now >= until:
                return
            await asyncio.sleep(until - now)
