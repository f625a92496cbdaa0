"""A Blue Smart charger on VE.Direct, reachable over a pseudo-terminal or TCP.

Every ``block_interval`` seconds (1 by default, as real chargers) ``Traffic`` makes one
device second's bytes: the text block, then the async frames; then the charger lives that
second (``SimCharger.step``: uptime, and the physics when live). Every client gets them. HEX
requests are answered between two items (never inside a block, as MPPT firmware ≥ 1.53
does), each client its own answers, after ``turnaround`` seconds.

Timing: with ``paced=True`` bytes leave at 19200 baud (10 bits a byte), never faster;
``paced=False`` writes at once, for fast tests. Faults on demand (``ChargerFaults``, whose
docstring holds the spec). ``unplug()``/``replug()`` close and reopen the endpoints.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import random
import socket

from vebus_sim.port_link import PortLink
from victron_serial.vedirect import Reg
from victron_serial.vedirect.protocol import FRAMING_ERROR, HexFrame, Response

from .charger import SimCharger
from .endpoints import READ_SIZE, PtyEndpoint, TcpWire, Wire
from .faults import ChargerFaults
from .models import ChargerModel
from .traffic import Traffic

_LOGGER = logging.getLogger(__name__)

BAUD = 19200
BYTE_TIME = 10 / BAUD
BLOCK_INTERVAL = 1.0
TURNAROUND = 0.01
MAX_QUEUED = 2000  # items; a client that reads nothing loses the oldest
MAX_REQUEST = 256  # bytes of a request line; longer is noise
FRAMING_ERROR_REPLY = HexFrame(Response.ERROR, FRAMING_ERROR.to_bytes(2, "little")).encode()


class _Session:
    """One client: gets every second's traffic, and the answers to its own requests."""

    def __init__(self, sim: ChargerSimulator, wire: Wire, name: str) -> None:
        self._sim = sim
        self.wire = wire
        self.name = name
        self._loop = asyncio.get_running_loop()
        self._traffic: collections.deque[bytes] = collections.deque(maxlen=MAX_QUEUED)
        self._replies: collections.deque[bytes] = collections.deque()
        self._wake = asyncio.Event()
        self._line = bytearray()
        self._tx_clock = 0.0
        self._tasks = {self._loop.create_task(self._write(), name=f"vedirect-sim {name} tx")}
        sim.sessions.add(self)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._sim.sessions.discard(self)

    def send(self, items: list[bytes]) -> None:
        self._traffic.extend(items)
        self._wake.set()

    def feed(self, data: bytes) -> None:
        """Bytes from the client: each line that starts with ':' is a request."""
        self._sim.bytes_received += len(data)
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
            replies = sim.charger.handle(frame)
        _LOGGER.debug("%s rx %r -> %r", self.name, line, replies)
        replies = [r for r in replies if sim.rng.random() >= faults.reply_drop]
        if replies:
            task = self._loop.create_task(self._reply_later(replies))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

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
        sim = self._sim
        for index, data in enumerate(parts):
            if index:
                await asyncio.sleep(sim.faults.split_pause)
            if not data or not self.wire.connected():
                continue
            if sim.paced:
                await self._paced(data)
            else:
                self.wire.write(data)
            sim.bytes_sent += len(data)
            await self.wire.drain()

    async def _paced(self, data: bytes) -> None:
        """Each byte leaves when it would have at 19200 baud."""
        start = max(self._loop.time(), self._tx_clock)
        sent = 0
        while sent < len(data):
            due = min(len(data), int((self._loop.time() - start) / BYTE_TIME + 1e-9))
            if due > sent:
                self.wire.write(data[sent:due])
                sent = due
            if sent < len(data):
                await asyncio.sleep(start + (sent + 1) * BYTE_TIME - self._loop.time())
        self._tx_clock = start + len(data) * BYTE_TIME


class ChargerSimulator:
    """A simulated Blue Smart charger, served over a pty and/or TCP."""

    def __init__(
        self,
        model: str | ChargerModel = "ip22-24-12",
        *,
        paced: bool = True,
        block_interval: float = BLOCK_INTERVAL,
        turnaround: float = TURNAROUND,
        live: bool = True,
        seed: int | None = None,
        faults: ChargerFaults | None = None,
    ) -> None:
        if block_interval <= 0:
            raise ValueError("block_interval must be positive")
        self.charger = SimCharger(model, live=live)
        self.traffic = Traffic(self.charger)
        self.faults = faults if faults is not None else ChargerFaults()
        self.paced = paced
        self.block_interval = block_interval
        self.turnaround = turnaround
        self.rng = random.Random(seed)
        self.seconds = 0  # device seconds sent so far
        self.bytes_sent = 0
        self.bytes_received = 0
        self.sessions: set[_Session] = set()
        self._plugged = True
        self._tcp: tuple[str, int] | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._pty_link: PortLink | None = None  # set while a pty endpoint is wanted
        self._pty: PtyEndpoint | None = None
        self._ticker: asyncio.Task[None] | None = None

    # --- endpoints -------------------------------------------------------------------------

    @property
    def tcp_url(self) -> str | None:
        if self._tcp is None:
            return None
        host, port = self._tcp
        return f"socket://[{host}]:{port}" if ":" in host else f"socket://{host}:{port}"

    @property
    def pty_path(self) -> str | None:
        return self._pty.path if self._pty is not None else None

    @property
    def clients(self) -> int:
        return len(self.sessions)

    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 = any free port); returns ``socket://host:port``."""
        if self._tcp is not None:
            raise RuntimeError("TCP endpoint already started")
        self._server = await asyncio.start_server(self._on_tcp_client, host, port)
        self._tcp = (host, int(self._server.sockets[0].getsockname()[1]))
        self._start_ticker()
        url = self.tcp_url
        assert url is not None
        return url

    async def start_pty(self, link: str | None = None) -> str:
        """Open a pty; returns the path to open: ``link``, or one in a folder of its own,
        made a symlink to the slave while the simulator is plugged in (port_link.py)."""
        if self._pty_link is not None:
            raise RuntimeError("pty endpoint already started")
        self._pty_link = PortLink(link, "ttyVEDIRECT")
        if self._plugged:
            self._pty = PtyEndpoint(self._session, self._pty_link)
        self._start_ticker()
        return self._pty_link.path

    def _session(self, wire: Wire, name: str) -> _Session:
        return _Session(self, wire, name)

    async def _on_tcp_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        if not self._plugged:
            writer.close()
            return
        self._connections.add(task)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = _Session(self, TcpWire(writer), f"tcp {writer.get_extra_info('peername')}")
        try:
            while data := await reader.read(READ_SIZE):
                session.feed(data)
        except (ConnectionError, OSError):
            pass
        finally:
            self._connections.discard(task)
            await session.close()
            writer.close()
            with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def unplug(self) -> None:
        """Close the endpoints: TCP clients dropped and refused, the pty closed."""
        if not self._plugged:
            return
        self._plugged = False
        server, self._server = self._server, None
        if server is not None:
            server.close()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()
        if self._pty_link is not None:  # first: the pty's name is free once it closes
            self._pty_link.remove()
        pty, self._pty = self._pty, None
        if pty is not None:
            await pty.close()

    async def replug(self) -> None:
        """The endpoints back: the same TCP port; a new pty, the link pointed at it."""
        if self._plugged:
            return
        self._plugged = True
        if self._tcp is not None:
            self._server = await asyncio.start_server(self._on_tcp_client, *self._tcp)
        if self._pty_link is not None:
            self._pty = PtyEndpoint(self._session, self._pty_link)

    async def stop(self) -> None:
        await self.unplug()
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)
        if self._pty_link is not None:
            self._pty_link.close()
            self._pty_link = None
        self._tcp = None

    # --- the stream --------------------------------------------------------------------------

    def _start_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(
                self._tick(), name="vedirect-sim seconds"
            )

    async def _tick(self) -> None:
        while True:
            self.send_second()
            await asyncio.sleep(self.block_interval)

    def send_second(self) -> list[bytes]:
        """One device second now: its bytes to every client, then the charger lives it."""
        items = self.traffic.second()
        self.seconds += 1
        for session in list(self.sessions):
            session.send(items)
        self.charger.step()
        return items

    def faulted(self, item: bytes) -> list[bytes]:
        """``item`` as the faults in force put it on the wire: in one part, or two."""
        faults, rng = self.faults, self.rng
        data = bytearray()
        if faults.noise and rng.random() < faults.noise:
            data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        if faults.interrupt and item.startswith(b"\r\n") and rng.random() < faults.interrupt:
            middle = item.index(b"\t") + 2  # inside the first field's value
            item = item[:middle] + self.charger.async_frame(Reg.UPTIME) + item[middle:]
        data += item
        if faults.drop or faults.bit_flip:
            wire = bytearray()
            for byte in data:
                if faults.drop and rng.random() < faults.drop:
                    continue
                flip = faults.bit_flip and rng.random() < faults.bit_flip
                wire.append(byte ^ (1 << rng.randrange(8)) if flip else byte)
            data = wire
        if faults.split and len(data) > 1 and rng.random() < faults.split:
            cut = rng.randrange(1, len(data))
            return [bytes(data[:cut]), bytes(data[cut:])]
        return [bytes(data)]


async def serve(
    model: str = "ip22-24-12",
    *,
    tcp: tuple[str, int] | None = None,
    pty: bool = False,
    faults: str = "",
    paced: bool = True,
    block_interval: float = BLOCK_INTERVAL,
    live: bool = True,
    mains: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Run a simulator for ``vedirect-sim``: print each endpoint on a line of its own, serve
    until ``stop`` is set. Without ``tcp`` a pty is opened even when ``pty`` is False."""
    simulator = ChargerSimulator(
        model,
        paced=paced,
        block_interval=block_interval,
        live=live,
        faults=ChargerFaults.parse(faults),
    )
    simulator.charger.mains = mains
    try:
        if tcp is not None:
            print(await simulator.start_tcp(*tcp), flush=True)
        if pty or tcp is None:
            print(await simulator.start_pty(), flush=True)
        await (stop or asyncio.Event()).wait()
    finally:
        await simulator.stop()
