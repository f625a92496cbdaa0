"""A simulator's endpoints: a pty and TCP, unplugged and plugged in again on demand.

``SerialServer`` is what every simulator shares: ``start_pty()`` gives the path a client
opens like a serial port (a symlink to the pty's slave, ``port_link``), ``start_tcp()`` a
``socket://`` URL (as ser2net serves a port). Clients may come and go; each gets a session
of the protocol's own (``session``). ``unplug()`` and ``replug()`` close and reopen the
endpoints as if the USB cable were pulled. The protocol's background work (physics, the
stream of a device that talks unasked) starts with the first endpoint and ends with
``stop()``; so does the ``flap`` fault, where a protocol's faults have it (``port_flap``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Coroutine
import contextlib
import logging
import random
import socket
from typing import Any, ClassVar

from .port_link import PortLink
from .pty import READ_SIZE, PtyEndpoint
from .session import Session
from .wire import TcpWire, Wire

_LOGGER = logging.getLogger(__name__)

FLAP_POLL = 0.1  # s between looks at the flap fault while it is off


class SerialServer[S: Session](ABC):
    """Serves one simulated device over a pty and/or TCP; a session per client."""

    NAME: ClassVar[str]  # the command's name: tasks and log lines
    PORT_NAME: ClassVar[str]  # the pty link's name: ttyVEBUS
    BAUD: ClassVar[int]

    def __init__(self, *, paced: bool, turnaround: float, seed: int | None) -> None:
        self.paced = paced
        self.turnaround = turnaround
        self.rng = random.Random(seed)
        self.bytes_received = 0
        self.bytes_sent = 0
        self.sessions: set[S] = set()
        self._plugged = True
        self._tcp: tuple[str, int] | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._pty_link: PortLink | None = None  # set while a pty endpoint is wanted
        self._pty: PtyEndpoint | None = None
        self._background: list[asyncio.Task[None]] = []

    @property
    def byte_time(self) -> float:
        """Seconds a byte takes on the line (8N1: start + 8 data + stop bits)."""
        return 10 / self.BAUD

    @abstractmethod
    def session(self, wire: Wire, name: str) -> S:
        """A new client's session."""

    def background(self) -> list[Coroutine[Any, Any, None]]:
        """Work that runs while the simulator serves (none here)."""
        return []

    def port_flap(self) -> tuple[float, float] | None:
        """The ``flap`` fault in force, (period, down) seconds; None: the port stays."""
        return None

    # --- endpoints -------------------------------------------------------------------------

    @property
    def tcp_url(self) -> str | None:
        if self._tcp is None:
            return None
        host, port = self._tcp
        return f"socket://[{host}]:{port}" if ":" in host else f"socket://{host}:{port}"

    @property
    def pty_path(self) -> str | None:
        """The pty slave in use now (a new one after each replug)."""
        return self._pty.path if self._pty is not None else None

    @property
    def clients(self) -> int:
        """Clients connected now: the pty's (0 or 1) and the TCP ones."""
        return len(self.sessions)

    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 = any free port); returns ``socket://host:port``."""
        if self._tcp is not None:
            raise RuntimeError("TCP endpoint already started")
        self._server = await asyncio.start_server(self._on_tcp_client, host, port)
        self._tcp = (host, int(self._server.sockets[0].getsockname()[1]))
        self._start_background()
        url = self.tcp_url
        assert url is not None
        _LOGGER.info("%s listening on %s", self.NAME, url)
        return url

    async def start_pty(self, link: str | None = None) -> str:
        """Open a pty; returns the path to open: ``link``, or one in a folder of its own,
        made a symlink to the slave while the simulator is plugged in (port_link.py)."""
        if self._pty_link is not None:
            raise RuntimeError("pty endpoint already started")
        self._pty_link = PortLink(link, self.PORT_NAME)
        if self._plugged:
            self._pty = self._open_pty(self._pty_link)
        self._start_background()
        _LOGGER.info("%s on pty %s", self.NAME, self._pty_link.path)
        return self._pty_link.path

    def _open_pty(self, link: PortLink) -> PtyEndpoint:
        return PtyEndpoint(self.session, link, baud=self.BAUD, name=self.NAME)

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
        session = self.session(TcpWire(writer), f"tcp {writer.get_extra_info('peername')}")
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
        _LOGGER.info("%s unplugged", self.NAME)

    async def replug(self) -> None:
        """Bring the endpoints back: the same TCP port; a new pty, the link re-pointed."""
        if self._plugged:
            return
        self._plugged = True
        if self._tcp is not None:
            self._server = await asyncio.start_server(self._on_tcp_client, *self._tcp)
        if self._pty_link is not None:
            self._pty = self._open_pty(self._pty_link)
        _LOGGER.info("%s plugged in again", self.NAME)

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

    # --- background -------------------------------------------------------------------------

    def _start_background(self) -> None:
        if self._background:
            return
        loop = asyncio.get_running_loop()
        work = [*self.background(), self._flapper()]
        self._background = [
            loop.create_task(coroutine, name=f"{self.NAME} {coroutine.__name__.strip('_')}")
            for coroutine in work
        ]

    async def _flapper(self) -> None:
        """The ``flap`` fault: close the port every PERIOD seconds for DOWN seconds."""
        while True:
            flap = self.port_flap()
            if flap is None:
                await asyncio.sleep(FLAP_POLL)
                continue
            period, down = flap
            await asyncio.sleep(period)
            if self.port_flap() is None or not self._plugged:
                continue
            await self.unplug()
            await asyncio.sleep(down)
            await self.replug()


async def serve_until(
    simulator: SerialServer[Any],
    *,
    tcp: tuple[str, int] | None,
    pty: bool,
    stop: asyncio.Event | None,
) -> None:
    """Print each endpoint on a line of its own, serve until ``stop`` is set (or the task
    is cancelled), then stop. Without ``tcp`` a pty is opened even when ``pty`` is False."""
    try:
        if tcp is not None:
            print(await simulator.start_tcp(*tcp), flush=True)
        if pty or tcp is None:
            print(await simulator.start_pty(), flush=True)
        await (stop or asyncio.Event()).wait()
    finally:
        await simulator.stop()
