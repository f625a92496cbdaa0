"""A VE.Direct product, reachable over a pseudo-terminal or TCP.

Every ``block_interval`` seconds (1 by default, as real products) the product's stream
makes one device second's bytes (``Stream.second``: text blocks and async frames, item by
item); then the product lives that second (``HexDevice.step``). Every client gets them.
HEX requests are answered by the product (``HexDevice.handle``), each client its own
answers (``session``).

Timing: with ``paced=True`` bytes leave at 19200 baud (10 bits a byte), never faster;
``paced=False`` writes at once, for fast tests. Faults on demand (``VEDirectFaults``, whose
docstring holds the spec). ``unplug()``/``replug()`` close and reopen the endpoints
(``framework.server``).

A product family is a ``HexDevice`` (its registers, what it takes, its physics) and a
``Stream`` (what it sends unasked); ``charger_simulator`` serves the Blue Smart charger.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Protocol

from vebus_sim.framework.faults import corrupt, noise_burst
from vebus_sim.framework.server import SerialServer
from vebus_sim.framework.wire import Wire
from victron_serial.vedirect.protocol import HexFrame

from .faults import VEDirectFaults
from .hex_device import HexDevice
from .session import VEDirectSession

BAUD = 19200
BYTE_TIME = 10 / BAUD
BLOCK_INTERVAL = 1.0
TURNAROUND = 0.01


class Stream(Protocol):
    """What a product sends unasked."""

    def second(self) -> list[bytes]:
        """One device second's bytes: text blocks and async frames, each an item."""
        ...


class VEDirectSimulator(SerialServer[VEDirectSession]):
    """A simulated VE.Direct product (``device`` and its ``stream``), served over a pty
    and/or TCP."""

    NAME = "vedirect-sim"
    PORT_NAME = "ttyVEDIRECT"
    BAUD = BAUD

    def __init__(
        self,
        device: HexDevice,
        stream: Stream,
        *,
        paced: bool = True,
        block_interval: float = BLOCK_INTERVAL,
        turnaround: float = TURNAROUND,
        seed: int | None = None,
        faults: VEDirectFaults | None = None,
    ) -> None:
        if block_interval <= 0:
            raise ValueError("block_interval must be positive")
        super().__init__(paced=paced, turnaround=turnaround, seed=seed)
        self.device = device
        self.stream = stream
        self.faults = faults if faults is not None else VEDirectFaults()
        self.block_interval = block_interval
        self.seconds = 0  # device seconds sent so far

    def session(self, wire: Wire, name: str) -> VEDirectSession:
        return VEDirectSession(self, wire, name)

    def answer(self, frame: HexFrame) -> list[bytes]:
        return self.device.handle(frame)

    # --- the stream --------------------------------------------------------------------------

    def background(self) -> list[Coroutine[Any, Any, None]]:
        return [self._seconds()]

    async def _seconds(self) -> None:
        while True:
            self.send_second()
            await asyncio.sleep(self.block_interval)

    def send_second(self) -> list[bytes]:
        """One device second now: its bytes to every client, then the product lives it."""
        items = self.stream.second()
        self.seconds += 1
        for session in list(self.sessions):
            session.send(items)
        self.device.step()
        return items

    def faulted(self, item: bytes) -> list[bytes]:
        """``item`` as the faults in force put it on the wire: in one part, or two."""
        faults, rng = self.faults, self.rng
        data = noise_burst(rng, faults.noise)
        if faults.interrupt and item.startswith(b"\r\n") and rng.random() < faults.interrupt:
            middle = item.index(b"\t") + 2  # inside the first field's value
            item = item[:middle] + self.device.interrupting_frame() + item[middle:]
        data = corrupt(data + item, rng, drop=faults.drop, bit_flip=faults.bit_flip)
        if faults.split and len(data) > 1 and rng.random() < faults.split:
            cut = rng.randrange(1, len(data))
            return [data[:cut], data[cut:]]
        return [data]
