"""One client of the VE.Bus simulator: receives requests, answers them, sends heartbeats.

Timing: with the simulator paced a request counts as received when its last byte would
have arrived at 2400 baud, the reply starts ``turnaround`` seconds later (plus the
``slow`` fault), and its bytes leave at 2400 baud. Requests and replies are logged in hex
at debug level on this module's logger.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Protocol

from vebus_sim.framework.faults import corrupt, noise_burst
from vebus_sim.framework.session import Host, Session
from vebus_sim.framework.wire import Wire
from victron_serial.vebus.protocol import Frame, FrameDecoder, encode_frame

from .device import SimDevice
from .faults import Faults
from .mk3 import Mk3Handler

_LOGGER = logging.getLogger(__name__)

# A request whose bytes stop for this long is given up, like a real interface does: a
# length byte that noise made up must not hold the next requests back for long.
PARTIAL_FRAME_TIMEOUT = 0.025
HEARTBEAT_POLL = 0.05  # s between looks at the heartbeat setting and device reboots

# VE.Bus frames an MK3 forwards that answer nothing a client asks: raw frames seen on
# real buses (vectors.md #65), 0x20 frames that are not 14 bytes long, 0x41 frames
# shorter than an F5 reply and a panel frame. Clients must skip them.
UNRELATED_FRAMES: tuple[bytes, ...] = (
    encode_frame(0x3F, bytes.fromhex("00110000")),
    encode_frame(0x3F, bytes.fromhex("C0720000")),
    encode_frame(0x38, bytes.fromhex("046C0000")),
    encode_frame(0x38, bytes.fromhex("05000000")),
    encode_frame(0x21, bytes.fromhex("0000000000")),
    encode_frame(0x21, bytes.fromhex("FFFFFFFF83")),
    encode_frame(0x21, bytes.fromhex("000000000100")),
    encode_frame(0x20, bytes.fromhex("B6896DB70C0000000000")),
    encode_frame(0x20, bytes.fromhex("0101CA090822000000000000000000")),
    encode_frame(0x41, bytes.fromhex("1005000094")),
    encode_frame(0x40, bytes.fromhex("0B0000")),
)


class Mk3Host(Host, Protocol):
    """What a session needs of the VE.Bus simulator (``server.Simulator``)."""

    faults: Faults
    rng: random.Random
    turnaround: float
    heartbeat: float
    requests: list[bytes]
    handler: Mk3Handler
    device: SimDevice


class VEBusSession(Session):
    """A client of the MK3: each complete frame is a request, answered in turn."""

    def __init__(self, sim: Mk3Host, wire: Wire, name: str) -> None:
        super().__init__(sim, wire, name)
        self._sim = sim
        self._decoder = FrameDecoder()
        self._queue: asyncio.Queue[tuple[Frame, float]] = asyncio.Queue()
        self._rx_clock = 0.0
        self._rx_last = 0.0
        self._busy = False
        self._last_activity = self._loop.time()
        self.spawn(self._work(), "worker")
        self.spawn(self._heartbeat(), "heartbeat")

    @property
    def pending(self) -> int:
        """Requests received and not answered yet."""
        return self._queue.qsize() + self._busy

    def receive(self, data: bytes) -> None:
        """Each complete frame is queued with the time its last byte arrived."""
        sim = self._sim
        now = self._loop.time()
        self._last_activity = now
        data = self._rx_faults(data)
        if self._decoder.pending and now - self._rx_last > PARTIAL_FRAME_TIMEOUT:
            while self._decoder.pending:
                self._accept(self._decoder.discard_partial())
        self._rx_last = now
        for byte in data:
            self._rx_clock = max(self._rx_clock, now) + sim.byte_time if sim.paced else now
            self._accept(self._decoder.feed(bytes((byte,))))

    def _accept(self, frames: list[Frame]) -> None:
        for frame in frames:
            raw = encode_frame(frame.frame_type, frame.payload, frame.leds)
            self._sim.requests.append(raw)
            _LOGGER.debug("%s rx %s", self.name, raw.hex(" "))
            self._queue.put_nowait((frame, self._rx_clock))

    def _rx_faults(self, data: bytes) -> bytes:
        """The cable's faults on the way in: flipped bits and lost bytes."""
        faults = self._sim.faults
        received = corrupt(data, self._sim.rng, drop=faults.rx_drop, bit_flip=faults.rx_bit_flip)
        if received != data:
            _LOGGER.debug("%s rx %s (faulted from %s)", self.name, received.hex(" "), data.hex(" "))
        return received

    async def _work(self) -> None:
        while True:
            frame, arrived = await self._queue.get()
            self._busy = True
            try:
                await self._serve(frame, arrived)
            finally:
                self._busy = False
                self._last_activity = self._loop.time()

    async def _serve(self, frame: Frame, arrived: float) -> None:
        sim = self._sim
        if self._silent():
            return
        due = arrived + (sim.turnaround if sim.paced else 0.0) + sim.faults.slow
        delay = due - self._loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if self._silent():  # the faults may have changed meanwhile
            return
        for reply in sim.handler.handle(frame):
            await self._send(reply, is_reply=True)

    def _silent(self) -> bool:
        return self._sim.faults.silent

    async def _heartbeat(self) -> None:
        """'V' after ``heartbeat`` idle seconds, and at once when the device rebooted."""
        sim = self._sim
        boots = sim.device.boots
        while True:
            interval = sim.heartbeat
            if interval <= 0:
                boots = sim.device.boots
                await asyncio.sleep(HEARTBEAT_POLL)
                continue
            wait = self._last_activity + interval - self._loop.time()
            if wait > 0 and boots == sim.device.boots:
                await asyncio.sleep(min(wait, HEARTBEAT_POLL))
                continue
            boots = sim.device.boots
            if not self._busy and self._queue.empty() and not sim.faults.silent:
                frame = sim.handler.heartbeat()
                if frame is not None:
                    await self._send(frame, is_reply=False)
            self._last_activity = self._loop.time()

    async def _send(self, frame: bytes, *, is_reply: bool) -> None:
        """Put one frame on the wire with the faults in force."""
        sim = self._sim
        faults = sim.faults
        rng = sim.rng
        out = b""
        if is_reply and faults.unrelated and rng.random() < faults.unrelated:
            out += rng.choice(UNRELATED_FRAMES)
        out += noise_burst(rng, faults.noise) + frame
        out = corrupt(out, rng, drop=faults.drop, bit_flip=faults.bit_flip)
        if out == frame:
            _LOGGER.debug("%s tx %s", self.name, frame.hex(" "))
        else:
            _LOGGER.debug("%s tx %s (faulted from %s)", self.name, out.hex(" "), frame.hex(" "))
        await self.transmit(out)
        self._last_activity = self._loop.time()
