"""One client of the VE.Direct simulator: every second's traffic, and its own HEX answers.

HEX requests (lines that start with ':') are answered between two items of the stream
(never inside a block, as MPPT firmware >= 1.53 does), after ``turnaround`` seconds (plus
the ``slow`` fault); every item goes out as the faults in force put it on the wire.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import random
from typing import Protocol

from vebus_sim.framework.session import Host, Session
from vebus_sim.framework.wire import Wire
from victron_serial.vedirect.protocol import FRAMING_ERROR, HexFrame, Response

from .faults import VEDirectFaults

_LOGGER = logging.getLogger(__name__)

MAX_QUEUED = 2000  # items; a client that reads nothing loses the oldest
MAX_REQUEST = 256  # bytes of a request line; longer is noise
FRAMING_ERROR_REPLY = HexFrame(Response.ERROR, FRAMING_ERROR.to_bytes(2, "little")).encode()


class ProductHost(Host, Protocol):
    """What a session needs of the VE.Direct simulator (``server.VEDirectSimulator``)."""

    faults: VEDirectFaults
    rng: random.Random
    turnaround: float

    def answer(self, frame: HexFrame) -> list[bytes]: ...

    def faulted(self, item: bytes) -> list[bytes]: ...


class VEDirectSession(Session):
    """A client of the product: the stream, with its own answers in between."""

    def __init__(self, sim: ProductHost, wire: Wire, name: str) -> None:
        super().__init__(sim, wire, name)
        self._sim = sim
        self._traffic: collections.deque[bytes] = collections.deque(maxlen=MAX_QUEUED)
        self._replies: collections.deque[bytes] = collections.deque()
        self._wake = asyncio.Event()
        self._line = bytearray()
        self.spawn(self._write(), "tx")

    def send(self, items: list[bytes]) -> None:
        """Items of the stream, for this client after what it has not been sent yet."""
        self._traffic.extend(items)
        self._wake.set()

    def receive(self, data: bytes) -> None:
        """Each line that starts with ':' is a request."""
        for byte in data:
            if byte == ord(":"):
                self._line = bytearray(b":")
            elif self._line:
                self._line.append(byte)
                if byte == ord("\n"):
                    self._request(bytes(self._line))
                    self._line.clear()
                elif len(self._line) > MAX_REQUEST:
                    self._line.clear()

    def _request(self, line: bytes) -> None:
        sim, faults = self._sim, self._sim.faults
        if faults.silent or faults.no_hex or sim.rng.random() < faults.rx_drop:
            return
        frame = HexFrame.decode(line)
        if frame is None or sim.rng.random() < faults.framing:
            replies = [FRAMING_ERROR_REPLY]
        else:
            replies = sim.answer(frame)
        _LOGGER.debug("%s rx %r -> %r", self.name, line, replies)
        replies = [r for r in replies if sim.rng.random() >= faults.reply_drop]
        if replies:
            self.spawn(self._reply_later(replies), "reply")

    async def _reply_later(self, replies: list[bytes]) -> None:
        sim = self._sim
        await asyncio.sleep((sim.turnaround if sim.paced else 0.0) + sim.faults.slow)
        self._replies.extend(replies)
        self._wake.set()

    async def _write(self) -> None:
        while True:
            if self._replies:
                item = self._replies.popleft()
            elif self._traffic:
                item = self._traffic.popleft()
            else:
                self._wake.clear()
                await self._wake.wait()
                continue
            if not self._sim.faults.silent:
                await self._transmit(self._sim.faulted(item))

    async def _transmit(self, parts: list[bytes]) -> None:
        for index, data in enumerate(parts):
            if index:
                await asyncio.sleep(self._sim.faults.split_pause)
            await self.transmit(data)
