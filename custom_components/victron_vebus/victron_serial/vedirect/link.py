"""The wire to one charger: ``await link.exchange(request)`` and the text blocks.

One HEX request is in flight at a time (an asyncio lock queues callers). Its reply is
matched by the request itself, by command and register id, never by position: the charger
sends text blocks and async ``:A`` frames all the time, and those are kept (the last block,
the last value of each register) and handed to listeners, never taken for an answer.

Timing: a Blue Smart charger's reply latency is not documented, and MPPT firmware holds a
reply back until the text block being sent is out, which can take most of a second. So a
request waits ``timeout`` seconds (2 by default, never less than 1, vedirect.md §4) before it
is sent again, up to ``retries`` times (every read is idempotent; writes are sent once, see
``client``). A ``:4AAAAFD`` reply (the charger could not read the frame) is sent again too.
After a request is given up, the link waits a little before the next one, so a late reply
is not taken for the answer to a later request for the same register.

The port lost fails the request at once and the waiting for a block; the next request (or
``ensure_connected``) opens the port again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import logging
import time
from typing import Any

from ..foundation.link_stats import LinkCounters
from ..foundation.ports import describe_port
from .errors import (
    VEDirectClosedError,
    VEDirectConnectionError,
    VEDirectError,
    VEDirectPortLostError,
    VEDirectTimeoutError,
)
from .protocol.hex import FramingErrorReply, HexFrame, RegisterFrame, Request, Response
from .protocol.reader import GAP, Item, ReaderStats, StreamReader
from .protocol.text import TextBlock
from .transport import Transport

_LOGGER = logging.getLogger(__name__)

TIMEOUT = 2.0
MIN_TIMEOUT = 1.0
RETRIES = 2
SETTLE = 0.5  # of a timeout: the wait after a request was given up

type Listener = Callable[[Item], None]


@dataclass(slots=True)
class LinkStats(LinkCounters):
    """Counters shown in diagnostics."""

    framing_error_replies: int = 0
    unmatched_replies: int = 0  # replies when nothing asked (late ones, another host's)
    async_frames: int = 0
    text_blocks: int = 0


class Link:
    """One VE.Direct port on ``url``."""

    def __init__(
        self, url: str, *, timeout: float = TIMEOUT, retries: int = RETRIES, gap: float = GAP
    ) -> None:
        if timeout < MIN_TIMEOUT:
            raise ValueError(f"timeout {timeout:g} s: VE.Direct needs at least {MIN_TIMEOUT:g} s")
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.stats = LinkStats()
        self.reader = StreamReader(gap=gap)
        self.last_block: TextBlock | None = None
        self.last_block_at: float | None = None  # monotonic
        self.registers: dict[int, RegisterFrame] = {}  # the last async value of each
        self.session = 0  # bumped on every (re)connect
        self._listeners: list[Listener] = []
        self._transport: Transport | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._pending: tuple[Request[Any], asyncio.Future[Any]] | None = None
        self._block_waiters: list[asyncio.Future[TextBlock]] = []
        self._lost: VEDirectConnectionError | None = None
        self._closed_for_good = False

    # --- connection ----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._transport is not None and self._lost is None

    @property
    def reader_stats(self) -> ReaderStats:
        return self.reader.stats

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every block and frame read; returns its remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def connect(self) -> None:
        """Open the port (again). Raises a VEDirectConnectionError subclass on failure."""
        await self._drop_connection()
        if self._closed_for_good:
            raise VEDirectClosedError(f"{describe_port(self.url)}: closed; nothing was sent")
        transport = Transport(self.url)
        await transport.open()
        self._transport = transport
        self._lost = None
        self.reader.reset()
        self.session += 1
        self.stats.connects += 1
        self._reader_task = asyncio.get_running_loop().create_task(
            self._read_loop(transport), name=f"vedirect reader {describe_port(self.url)}"
        )

    async def ensure_connected(self) -> None:
        """Reconnect if the port was lost; a no-op while connected."""
        async with self._lock:
            await self._ready()

    async def close(self, *, final: bool = False) -> None:
        """Close the port; the link can connect again later, unless ``final``: then
        every later request raises VEDirectClosedError and nothing opens the port."""
        self._closed_for_good = self._closed_for_good or final
        await self._drop_connection()

    async def _ready(self) -> None:
        if self.connected and self._transport is not None and not self._transport.is_open:
            self._mark_lost(VEDirectPortLostError(f"{describe_port(self.url)}: closed"))
        if not self.connected:
            await self.connect()

    async def _drop_connection(self) -> None:
        task, self._reader_task = self._reader_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.close()
        self._fail_waiters(VEDirectPortLostError(f"{describe_port(self.url)}: closed"))

    async def _read_loop(self, transport: Transport) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                data = await transport.read()
                self.stats.bytes_received += len(data)
                for item in self.reader.feed(data, loop.time()):
                    self._dispatch(item)
        except VEDirectConnectionError as exc:
            self._mark_lost(exc)

    def _mark_lost(self, exc: VEDirectConnectionError) -> None:
        """The port is gone (seen by the reader or by a write): counted once."""
        if self._lost is not None:
            return
        _LOGGER.debug("Lost %s: %s", describe_port(self.url), exc)
        self.stats.lost(exc)
        self._lost = exc
        self._fail_waiters(exc)

    def _fail_waiters(self, exc: VEDirectError) -> None:
        if self._pending is not None and not self._pending[1].done():
            self._pending[1].set_exception(exc)
        waiters, self._block_waiters = self._block_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(exc)

    # --- what arrives ------------------------------------------------------------------------

    def _dispatch(self, item: Item) -> None:
        if isinstance(item, TextBlock):
            self._block(item)
        else:
            self._frame(item)
        for listener in list(self._listeners):
            listener(item)

    def _block(self, block: TextBlock) -> None:
        self.stats.text_blocks += 1
        self.last_block = block
        self.last_block_at = time.monotonic()
        waiters, self._block_waiters = self._block_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(block)

    def _frame(self, frame: HexFrame) -> None:
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("<< %s", frame.encode().decode("ascii").strip())
        if frame.command == Response.ASYNC:
            reply = RegisterFrame.decode(frame)
            if reply is not None:
                self.stats.async_frames += 1
                self.registers[reply.register] = reply
            return
        if self._pending is not None and not self._pending[1].done():
            request, future = self._pending
            try:
                result = request.match(frame)
            except VEDirectError as exc:
                future.set_exception(exc)
                return
            if result is not None:
                future.set_result(result)
                return
        self.stats.unmatched_replies += 1

    async def next_block(self, timeout: float) -> TextBlock:
        """The next text block to arrive; VEDirectTimeoutError after ``timeout`` seconds."""
        if not self.connected:  # (not under the lock: a request in flight must not delay it)
            await self.ensure_connected()
        waiter: asyncio.Future[TextBlock] = asyncio.get_running_loop().create_future()
        self._block_waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except TimeoutError:
            raise VEDirectTimeoutError(
                f"no text block from {describe_port(self.url)} in {timeout:g} s"
            ) from None
        finally:
            if waiter in self._block_waiters:
                self._block_waiters.remove(waiter)

    # --- exchanges ----------------------------------------------------------------------------

    async def exchange[R](self, request: Request[R], *, retries: int | None = None) -> R:
        """Send ``request`` and return its decoded reply, sent again after each timeout.

        Raises VEDirectTimeoutError after the last attempt and a VEDirectConnectionError
        when the port is gone; either has ``request_sent`` set when the request went out.
        """
        async with self._lock:
            await self._ready()
            return await self._attempts(request, self.retries if retries is None else retries)

    async def _write(self, data: bytes) -> None:
        if self._transport is None or self._lost is not None:
            raise self._lost or VEDirectPortLostError(f"{describe_port(self.url)}: not open")
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug(">> %s", data.decode("ascii").strip())
        self.stats.bytes_sent += len(data)
        try:
            await self._transport.write(data)
        except VEDirectPortLostError as exc:
            self._mark_lost(exc)
            raise

    async def _attempts[R](self, request: Request[R], retries: int) -> R:
        data = request.encode()
        loop = asyncio.get_running_loop()
        sent = False
        for attempt in range(retries + 1):
            self.stats.attempt(attempt)
            future: asyncio.Future[R] = loop.create_future()
            self._pending = (request, future)
            try:
                try:
                    await self._write(data)
                except VEDirectError as err:
                    err.request_sent = sent
                    raise
                sent = True
                await asyncio.wait((future,), timeout=self.timeout)
                if future.done():
                    try:
                        return future.result()
                    except FramingErrorReply as err:
                        self.stats.framing_error_replies += 1
                        if attempt == retries:
                            err.request_sent = True
                            raise
                        continue
                    except VEDirectError as err:
                        err.request_sent = True
                        raise
            finally:
                self._pending = None
                future.cancel()
            self.stats.timeouts += 1
        await self._settle()
        error = VEDirectTimeoutError(
            f"no reply to {request.describe()} ({data.decode('ascii').strip()}) "
            f"from {describe_port(self.url)}"
        )
        error.request_sent = True
        self.stats.error(error)
        raise error

    async def _settle(self) -> None:
        """After a request was given up: let a late reply arrive (and be ignored) now."""
        self.stats.settles += 1
        await asyncio.sleep(self.timeout * SETTLE)
