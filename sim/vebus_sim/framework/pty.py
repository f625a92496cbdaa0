"""A pseudo-terminal standing for the serial port.

A client opens the slave like ``/dev/ttyUSB0`` (through a ``PortLink``); its session lives
while the slave is open: a hang-up on the master, or a read that fails, ends it, and the
next open starts a new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
import os
import select
import termios
import tty
from typing import Protocol

from .port_link import PortLink
from .wire import Wire

_LOGGER = logging.getLogger(__name__)

PTY_POLL_INTERVAL = 0.02  # s between checks for a client opening or closing the pty
READ_SIZE = 4096


class Session(Protocol):
    def feed(self, data: bytes) -> None: ...

    async def close(self) -> None: ...


type SessionFactory = Callable[[Wire, str], Session]


class PtyWire:
    def __init__(self, endpoint: PtyEndpoint) -> None:
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

    async def drain(self) -> None:
        return None


class PtyEndpoint:
    """A pty at ``baud``, ``link`` pointed at its slave; ``make_session`` is called each
    time a client opens it. ``name`` names the watcher task."""

    def __init__(self, make_session: SessionFactory, link: PortLink, *, baud: int, name: str):
        self._make_session = make_session
        master, slave = os.openpty()
        try:
            tty.setraw(slave)  # no echo, no line editing: 8-bit clean like a serial port
            attrs = termios.tcgetattr(slave)
            attrs[4] = attrs[5] = getattr(termios, f"B{baud}")
            termios.tcsetattr(slave, termios.TCSANOW, attrs)
            self.path = os.ttyname(slave)
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        link.point(self.path)
        self._loop = asyncio.get_running_loop()
        self._session: Session | None = None
        self._reading = False
        self._closed = False
        self._watcher = self._loop.create_task(self._watch(), name=f"{name} pty watcher")

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
                self._session = self._make_session(PtyWire(self), self.path)
                self._loop.add_reader(self.master, self._on_readable)
                self._reading = True
            await asyncio.sleep(PTY_POLL_INTERVAL)

    def _on_readable(self) -> None:
        try:
            data = os.read(self.master, READ_SIZE)
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
