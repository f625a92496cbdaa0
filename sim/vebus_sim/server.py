"""MK3 + VE.Bus inverter/charger simulator, reachable over a pseudo-terminal or TCP.

It behaves like an MK3-USB on a VE.Bus unit: an unsolicited 'V' frame about once a
second while idle, answers to every command in protocol.md (layouts from
the library's codecs, decisions in ``mk3``), a device with its own scales, settings and a
small physical model (``device``, ``models``), and faults on demand
(``faults``, whose docstring holds the fault spec grammar).

Timing: with ``paced=True`` a request counts as received when its last byte would have
arrived at 2400 baud (10 bits a byte, 1/240 s), the reply starts ``turnaround`` seconds
later and its bytes are handed to the client one by one at the times they would have
arrived, never earlier. ``paced=False`` answers at once, for fast tests.

Endpoints: ``start_pty()`` gives the path of a pty slave (or of a symlink to it) that a
client opens like a serial port; ``start_tcp()`` gives a ``socket://`` URL. Clients may
come and go; the device and the interface keep their state in between. ``unplug()``
and ``replug()`` close and reopen the endpoint as if the USB cable were pulled.

Faults (``Faults``, mutable while running; ``vebus-sim --faults SPEC``): SPEC is a
comma-separated list, e.g. ``noise=0.05,bitflip=0.001,drop=0.001,slow=0.4,unrelated=0.2``,
``silent``, ``unsupported=ram:13+17-19;setting:4``, ``denied=setting:2@0x80+3``,
``flap=30:2``. Keys: noise (chance per frame of 1-8 noise bytes before it), bitflip and
drop (chance per sent byte), rxbitflip and rxdrop (chance per received byte: a request
they break is never acted on), slow (extra seconds before replies), unrelated (chance per
reply of a VE.Bus frame no request asked for), silent (no answers, no heartbeats),
unsupported (RAM / setting ids the device denies knowing, winmon commands it answers
"unknown command" to: ``command:0x0E`` is older firmware without the device state),
denied (setting writes answered 0x9B <level>, default level 1), flap (close the port
every PERIOD s for DOWN s). The full grammar is in ``faults``; a bad spec raises
ValueError naming the item.

Requests and replies are logged in hex at debug level on this module's logger.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Callable
import contextlib
import logging
import os
import random
import select
import socket
import termios
import time
import tty

from victron_serial.vebus.protocol import Frame, FrameDecoder, encode_frame

from .device import SimDevice
from .faults import Faults
from .mk3 import Mk3Handler
from .port_link import PortLink

_LOGGER = logging.getLogger(__name__)

BAUD = 2400
BYTE_TIME = 10 / BAUD  # 8N1: start + 8 data + stop bits
PTY_POLL_INTERVAL = 0.02  # s between checks for a client opening or closing the pty
PHYSICS_INTERVAL = 1.0  # s between live physics updates when nobody asks
# A request whose bytes stop for this long is given up, like a real interface does: a
# length byte that noise made up must not hold the next requests back for long.
PARTIAL_FRAME_TIMEOUT = 0.025
HEARTBEAT_POLL = 0.05  # s between looks at the heartbeat setting and device reboots
_READ_SIZE = 4096

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


class _Link(ABC):
    """Where one session's bytes go."""

    @abstractmethod
    def connected(self) -> bool: ...

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None:
        return None


class _TcpLink(_Link):
    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    def connected(self) -> bool:
        return not self._writer.is_closing()

    def write(self, data: bytes) -> None:
        self._writer.write(data)

    async def drain(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()


class _PtyLink(_Link):
    def __init__(self, endpoint: _PtyEndpoint) -> None:
        self._endpoint = endpoint

    def connected(self) -> bool:
        return self._endpoint.client_connected

    def write(self, data: bytes) -> None:
        try:
            os.write(self._endpoint.master, data)
        except BlockingIOError:
            _LOGGER.debug("pty full: %d bytes lost (client not reading)", len(data))
        except OSError:
            pass  # the client closed the port meanwhile


class _Session:
    """One client connection: receives requests, answers them, sends heartbeats."""

    def __init__(self, sim: Simulator, link: _Link, name: str) -> None:
        self._sim = sim
        self.link = link
        self.name = name
        self._loop = asyncio.get_running_loop()
        self._decoder = FrameDecoder()
        self._queue: asyncio.Queue[tuple[Frame, float]] = asyncio.Queue()
        self._rx_clock = 0.0
        self._rx_last = 0.0
        self._tx_clock = 0.0
        self._tx_lock = asyncio.Lock()
        self._busy = False
        self._last_activity = self._loop.time()
        self._tasks = [
            self._loop.create_task(self._work(), name=f"vebus-sim {name} worker"),
            self._loop.create_task(self._heartbeat(), name=f"vebus-sim {name} heartbeat"),
        ]
        sim.sessions.add(self)
        _LOGGER.debug("%s: client connected", name)

    @property
    def pending(self) -> int:
        """Requests received and not answered yet."""
        return self._queue.qsize() + self._busy

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._sim.sessions.discard(self)  # gone only once its tasks are
        _LOGGER.debug("%s: client gone", self.name)

    def feed(self, data: bytes) -> None:
        """Bytes from the client; each complete frame is queued with its arrival time."""
        sim = self._sim
        now = self._loop.time()
        sim.bytes_received += len(data)
        self._last_activity = now
        data = self._rx_faults(data)
        if self._decoder.pending and now - self._rx_last > PARTIAL_FRAME_TIMEOUT:
            while self._decoder.pending:
                self._accept(self._decoder.discard_partial())
        self._rx_last = now
        for byte in data:
            self._rx_clock = max(self._rx_clock, now) + BYTE_TIME if sim.paced else now
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
        if not faults.rx_bit_flip and not faults.rx_drop:
            return data
        rng = self._sim.rng
        received = bytearray()
        for byte in data:
            if faults.rx_drop and rng.random() < faults.rx_drop:
                continue
            flip = faults.rx_bit_flip and rng.random() < faults.rx_bit_flip
            received.append(byte ^ (1 << rng.randrange(8)) if flip else byte)
        if received != data:
            _LOGGER.debug("%s rx %s (faulted from %s)", self.name, received.hex(" "), data.hex(" "))
        return bytes(received)

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
        if self._silent():
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
        out = bytearray()
        if is_reply and faults.unrelated and rng.random() < faults.unrelated:
            out += rng.choice(UNRELATED_FRAMES)
        if faults.noise and rng.random() < faults.noise:
            out += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        out += frame
        if faults.bit_flip or faults.drop:
            wire = bytearray()
            for byte in out:
                if faults.drop and rng.random() < faults.drop:
                    continue
                flip = faults.bit_flip and rng.random() < faults.bit_flip
                wire.append(byte ^ (1 << rng.randrange(8)) if flip else byte)
            out = wire
        if bytes(out) == frame:
            _LOGGER.debug("%s tx %s", self.name, frame.hex(" "))
        else:
            _LOGGER.debug("%s tx %s (faulted from %s)", self.name, out.hex(" "), frame.hex(" "))
        await self._transmit(bytes(out))

    async def _transmit(self, data: bytes) -> None:
        """Write ``data``; paced, each byte leaves when it would have arrived at 2400 Bd."""
        sim = self._sim
        async with self._tx_lock:
            if not data or not self.link.connected():
                return
            if not sim.paced:
                self.link.write(data)
                sim.bytes_sent += len(data)
            else:
                start = max(self._loop.time(), self._tx_clock)
                sent = 0
                while sent < len(data):
                    elapsed = self._loop.time() - start
                    due = min(len(data), int(elapsed / BYTE_TIME + 1e-9))
                    if due > sent:
                        if not self.link.connected():
                            return
                        self.link.write(data[sent:due])
                        sim.bytes_sent += due - sent
                        sent = due
                    if sent < len(data):
                        next_byte = start + (sent + 1) * BYTE_TIME
                        await asyncio.sleep(next_byte - self._loop.time())
                self._tx_clock = start + len(data) * BYTE_TIME
            await self.link.drain()
            self._last_activity = self._loop.time()


class _PtyEndpoint:
    """A pseudo-terminal: the client opens the slave; a session lives while it is open."""

    def __init__(self, sim: Simulator, link: PortLink) -> None:
        self._sim = sim
        master, slave = os.openpty()
        try:
            tty.setraw(slave)  # no echo, no line editing: 8-bit clean like a serial port
            attrs = termios.tcgetattr(slave)
            attrs[4] = attrs[5] = termios.B2400
            termios.tcsetattr(slave, termios.TCSANOW, attrs)
            self.path = os.ttyname(slave)
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        link.point(self.path)
        self._loop = asyncio.get_running_loop()
        self._session: _Session | None = None
        self._reading = False
        self._closed = False
        self._watcher = self._loop.create_task(self._watch(), name="vebus-sim pty watcher")

    @property
    def client_connected(self) -> bool:
        return self._session is not None and not self._closed

    def _hung_up(self) -> bool:
        poller = select.poll()
        poller.register(self.master, select.POLLIN)
        return any(events & select.POLLHUP for _, events in poller.poll(0))

    async def _watch(self) -> None:
        while True:
            hung_up = self._hung_up()
            # A read that failed means the client closed the port, even if it (or the
            # next one) has opened it again since: its session ends either way.
            if self._session is not None and (hung_up or not self._reading):
                await self._end_session()
                if hung_up:
                    self._flush_slave_input()
            if not hung_up and self._session is None:
                self._session = _Session(self._sim, _PtyLink(self), self.path)
                self._loop.add_reader(self.master, self._on_readable)
                self._reading = True
            await asyncio.sleep(PTY_POLL_INTERVAL)

    def _on_readable(self) -> None:
        try:
            data = os.read(self.master, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError:  # EIO: the client closed the slave; the watcher ends the session
            data = b""
        if not data:
            self._stop_reading()
        elif self._session is not None:
            self._session.feed(data)

    def _stop_reading(self) -> None:
        if self._reading:
            self._loop.remove_reader(self.master)
            self._reading = False

    async def _end_session(self) -> None:
        self._stop_reading()
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _flush_slave_input(self) -> None:
        """Drop bytes sent after the client left, so the next one does not read them."""
        try:
            slave = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return
        try:
            termios.tcflush(slave, termios.TCIFLUSH)
        finally:
            os.close(slave)

    async def close(self) -> None:
        self._closed = True
        self._watcher.cancel()
        await asyncio.gather(self._watcher, return_exceptions=True)
        await self._end_session()
        os.close(self.master)


class Simulator:
    """An MK3 on a simulated VE.Bus device, served over a pty and/or TCP."""

    def __init__(
        self,
        model: str = "multiplus-12",
        *,
        phases: int = 1,
        units: int | None = None,
        paced: bool = True,
        turnaround: float = 0.030,
        time_scale: float = 1.0,
        mk2: bool = False,
        heartbeat: float = 1.0,
        ess: bool = True,
        live: bool = True,
        seed: int | None = None,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.device = SimDevice(
            model,
            phases=phases,
            units=units,
            ess=ess,
            live=live,
            seed=seed,
            time_scale=time_scale,
            mk2=mk2,
            clock=clock,
        )
        self.faults = faults if faults is not None else Faults()
        self.paced = paced
        self.turnaround = turnaround
        self.heartbeat = heartbeat
        self.rng = random.Random(seed)
        self.requests: list[bytes] = []
        self.bytes_received = 0
        self.bytes_sent = 0
        self.handler = Mk3Handler(self.device, lambda: self.faults)
        self.sessions: set[_Session] = set()
        self._plugged = True
        self._tcp: tuple[str, int] | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._pty_link: PortLink | None = None  # set while a pty endpoint is wanted
        self._pty: _PtyEndpoint | None = None
        self._background: list[asyncio.Task[None]] = []

    # --- endpoints ---------------------------------------------------------------------

    @property
    def tcp_url(self) -> str | None:
        if self._tcp is None:
            return None
        host, port = self._tcp
        return f"socket://[{host}]:{port}" if ":" in host else f"socket://{host}:{port}"

    @property
    def clients(self) -> int:
        """Clients connected now: the pty's (0 or 1) and the TCP ones."""
        return len(self.sessions)

    @property
    def pending(self) -> int:
        """Requests received and not answered yet, over all clients."""
        return sum(session.pending for session in self.sessions)

    @property
    def pty_path(self) -> str | None:
        """The pty slave in use now (a new one after each replug)."""
        return self._pty.path if self._pty is not None else None

    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 = any free port); returns ``socket://host:port``."""
        if self._tcp is not None:
            raise RuntimeError("TCP endpoint already started")
        self._server = await asyncio.start_server(self._on_tcp_client, host, port)
        bound = self._server.sockets[0].getsockname()
        self._tcp = (host, int(bound[1]))
        self._start_background()
        url = self.tcp_url
        assert url is not None
        _LOGGER.info("simulator listening on %s", url)
        return url

    async def start_pty(self, link: str | None = None) -> str:
        """Open a pty; returns the path to open: ``link``, or one in a folder of its own,
        made a symlink to the slave while the simulator is plugged in (port_link.py)."""
        if self._pty_link is not None:
            raise RuntimeError("pty endpoint already started")
        self._pty_link = PortLink(link, "ttyVEBUS")
        if self._plugged:
            self._pty = _PtyEndpoint(self, self._pty_link)
        self._start_background()
        _LOGGER.info("simulator on pty %s", self._pty_link.path)
        return self._pty_link.path

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
        peer = writer.get_extra_info("peername")
        session = _Session(self, _TcpLink(writer), f"tcp {peer}")
        try:
            while data := await reader.read(_READ_SIZE):
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
        """Close the endpoints: TCP clients dropped and refused, pty master closed."""
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
        _LOGGER.info("simulator unplugged")

    async def replug(self) -> None:
        """Bring the endpoints back: the same TCP port; a new pty, the link re-pointed."""
        if self._plugged:
            return
        self._plugged = True
        if self._tcp is not None:
            host, port = self._tcp
            self._server = await asyncio.start_server(self._on_tcp_client, host, port)
        if self._pty_link is not None:
            self._pty = _PtyEndpoint(self, self._pty_link)
        _LOGGER.info("simulator plugged in again")

    async def stop(self) -> None:
        """Close everything and end the background tasks."""
        await self.unplug()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self._background.clear()
        if self._pty_link is not None:
            self._pty_link.close()
            self._pty_link = None
        self._tcp = None

    # --- time -----------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward (ESS timeout, charge stages, SOC)."""
        self.device.advance(seconds)

    def _start_background(self) -> None:
        if self._background:
            return
        loop = asyncio.get_running_loop()
        self._background = [
            loop.create_task(self._physics(), name="vebus-sim physics"),
            loop.create_task(self._flapper(), name="vebus-sim port flapper"),
        ]

    async def _physics(self) -> None:
        while True:
            await asyncio.sleep(PHYSICS_INTERVAL)
            self.device.tick()

    async def _flapper(self) -> None:
        """The ``flap`` fault: close the port every PERIOD seconds for DOWN seconds."""
        while True:
            flap = self.faults.flap
            if flap is None:
                await asyncio.sleep(0.1)
                continue
            period, down = flap
            await asyncio.sleep(period)
            if self.faults.flap is None or not self._plugged:
                continue
            await self.unplug()
            await asyncio.sleep(down)
            await self.replug()


async def serve(
    model: str = "multiplus-12",
    *,
    tcp: tuple[str, int] | None = None,
    pty: bool = False,
    faults: str = "",
    paced: bool = True,
    phases: int = 1,
    units: int | None = None,
    mk2: bool = False,
    time_scale: float = 1.0,
    live: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Run a simulator for ``vebus-sim``: print each endpoint, serve until ``stop`` is set
    (or the task is cancelled). Without ``tcp`` a pty is opened even when ``pty`` is False.
    """
    simulator = Simulator(
        model,
        phases=phases,
        units=units,
        paced=paced,
        time_scale=time_scale,
        mk2=mk2,
        live=live,
        faults=Faults.parse(faults),
    )
    try:
        if tcp is not None:
            print(await simulator.start_tcp(*tcp), flush=True)
        if pty or tcp is None:
            print(await simulator.start_pty(), flush=True)
        await (stop or asyncio.Event()).wait()
    finally:
        await simulator.stop()
