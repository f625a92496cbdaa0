"""One client of a simulator: its tasks, its counters and its paced way out.

A protocol's session (``vebus.session``, ``vedirect.session``) reads the client's bytes in
``receive`` and writes with ``transmit``: with the simulator ``paced`` each byte leaves when
it would have arrived at the line's baud rate (10 bits a byte, 8N1), never earlier, and a
write waits for the one before it; unpaced, at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Coroutine
import logging
from typing import Any, Protocol

from .wire import Wire

_LOGGER = logging.getLogger(__name__)


class Host(Protocol):
    """What a session needs of its simulator."""

    paced: bool
    bytes_sent: int
    bytes_received: int

    @property
    def NAME(self) -> str: ...  # the class constant: names the tasks

    @property
    def byte_time(self) -> float: ...

    @property
    def sessions(self) -> set[Any]: ...


class Session(ABC):
    """A client's session; a simulator makes one for each client (``SerialServer.session``)."""

    def __init__(self, host: Host, wire: Wire, name: str) -> None:
        self._host = host
        self.wire = wire
        self.name = name
        self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task[None]] = set()
        self._tx_clock = 0.0
        self._tx_lock = asyncio.Lock()
        host.sessions.add(self)
        _LOGGER.debug("%s: client connected", name)

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run ``work`` until it ends or the session closes."""
        task = self._loop.create_task(work, name=f"{self._host.NAME} {self.name} {what}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._host.sessions.discard(self)  # gone only once its tasks are
        _LOGGER.debug("%s: client gone", self.name)

    def feed(self, data: bytes) -> None:
        """Bytes from the client."""
        self._host.bytes_received += len(data)
        self.receive(data)

    @abstractmethod
    def receive(self, data: bytes) -> None:
        """What the protocol makes of the client's bytes."""

    async def transmit(self, data: bytes) -> None:
        """Write ``data`` to the client, paced when the simulator is."""
        host = self._host
        async with self._tx_lock:
            if not data or not self.wire.connected():
                return
            if not host.paced:
                self.wire.write(data)
                host.bytes_sent += len(data)
            else:
                byte_time = host.byte_time
                start = max(self._loop.time(), self._tx_clock)
                sent = 0
                while sent < len(data):
                    elapsed = self._loop.time() - start
                    due = min(len(data), int(elapsed / byte_time + 1e-9))
                    if due > sent:
                        if not self.wire.connected():
                            return
                        self.wire.write(data[sent:due])
                        host.bytes_sent += due - sent
                        sent = due
                    if sent < len(data):
                        next_byte = start + (sent + 1) * byte_time
                        await asyncio.sleep(next_byte - self._loop.time())
                self._tx_clock = start + len(data) * byte_time
            await self.wire.drain()
