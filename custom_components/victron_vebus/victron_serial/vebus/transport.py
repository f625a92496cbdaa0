"""Opens the interface: a serial device path or a URL serialx understands.

MK2/MK3 talk 2400 baud 8N1. serialx opens ports exclusively and natively async;
every failure is mapped to its own typed error so users get a clear reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import logging
import os
import sys
from typing import Any

import serialx

if sys.platform != "win32":  # no ttys there: replies are held back by the clock only
    import termios

from ..foundation.ports import CONNECT_TIMEOUT, describe_port, map_open_error
from ..foundation.rfc2217 import open_kwargs
from .errors import (
    ERRORS,
    VEBusConnectionError,
    VEBusPortLostError,
)

_LOGGER = logging.getLogger(__name__)

BAUDRATE = 2400
BYTE_TIME = 10 / BAUDRATE  # s: start bit, 8 data bits, stop bit
# A hold by byte count (a tty's VMIN) ends by the clock too, this long after the bytes' wire
# time: a byte lost on the line must not keep the rest in the buffer until the next frame.
HOLD_MARGIN = 0.05  # s


def _map_open_error(url: str, exc: BaseException) -> VEBusConnectionError:
    return map_open_error(url, exc, ERRORS)


type Received = Callable[[bytes], None]
type Lost = Callable[[VEBusConnectionError], None]


class Transport:
    """A byte pipe to the interface. Not thread-safe; one owner (the link).

    Bytes are handed to ``received`` as they arrive, from the event loop's own reader
    callback (no task in between: a wake-up less per read); ``lost`` is called once when
    the port goes away.
    """

    def __init__(self, url: str, received: Received, lost: Lost) -> None:
        self.url = url
        self._received = received
        self._lost = lost
        self._serial: asyncio.Transport | None = None
        self._closed: asyncio.Future[None] | None = None
        self._resume: asyncio.TimerHandle | None = None
        self._tty: _TtyHold | None = None

    @property
    def is_open(self) -> bool:
        return self._serial is not None and not self._serial.is_closing()

    async def open(self) -> None:
        """Open the port; raises a VEBusConnectionError subclass naming the reason."""
        loop = asyncio.get_running_loop()
        self._closed = loop.create_future()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                serial, _ = await serialx.create_serial_connection(
                    loop,
                    lambda: _Protocol(self),
                    self.url,
                    baudrate=BAUDRATE,
                    exclusive=True,
                    **open_kwargs(self.url),
                )
        except (OSError, ValueError, TimeoutError, serialx.SerialException) as exc:
            raise _map_open_error(self.url, exc) from exc
        self._serial = serial
        self._tty = _TtyHold.of(serial)
        _LOGGER.debug("Opened %s", describe_port(self.url))

    def hold_back(self, count: int) -> None:
        """Leave what arrives in the port's buffer until ``count`` more bytes are there, or
        their wire time has passed, then take them at once.

        A tty is told to wake its reader only then (VMIN counts bytes for poll too): one
        wake-up, no timer in the common case. Other ports (sockets) stop reading for the
        bytes' wire time.
        """
        if not self.is_open or self._resume is not None:
            return
        assert self._serial is not None
        loop = asyncio.get_running_loop()
        seconds = count * BYTE_TIME
        if self._tty is not None and self._tty.hold(count):
            self._resume = loop.call_later(seconds + HOLD_MARGIN, self._end_hold)
            return
        self._serial.pause_reading()
        self._resume = loop.call_later(seconds, self._resume_reading)

    def _end_hold(self) -> None:
        """The bytes are here or their time is up: reads take what there is again."""
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        if self._tty is not None:
            self._tty.release()

    def _resume_reading(self) -> None:
        self._resume = None
        if self.is_open:
            assert self._serial is not None
            self._serial.resume_reading()

    def write(self, data: bytes) -> None:
        """Queue ``data``; a port that fails the write is reported through ``lost``."""
        if self._serial is None:
            raise VEBusPortLostError(f"{describe_port(self.url)}: not open")
        if self._serial.is_closing():  # the port went away; the reader may not know yet
            raise VEBusPortLostError(f"{describe_port(self.url)}: closed")
        try:
            self._serial.write(data)
        except (OSError, RuntimeError) as exc:
            raise VEBusPortLostError(f"{describe_port(self.url)}: {exc}") from exc

    def abandon(self) -> None:
        """Close without waiting (from a callback); ``close`` still waits for the port."""
        self._end_hold()
        self._tty = None
        if self._serial is not None and not self._serial.is_closing():
            self._serial.close()

    async def close(self) -> None:
        serial, closed = self._serial, self._closed
        self.abandon()
        self._serial = None
        if serial is None or closed is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await asyncio.shield(closed)  # the port may be gone already: closing is all
        _LOGGER.debug("Closed %s", describe_port(self.url))

    def _data_received(self, data: bytes) -> None:
        if self._resume is not None and self._tty is not None:
            self._end_hold()  # held by count: what was held back is here
        self._received(data)

    def _connection_lost(self, exc: Exception | None) -> None:
        self._tty = None  # the descriptor is gone: nothing to set back
        self._end_hold()
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)
        reason = "closed" if exc is None else getattr(exc, "strerror", None) or str(exc)
        self._lost(VEBusPortLostError(f"{describe_port(self.url)}: {reason}"))


class _TtyHold:
    """A tty's VMIN: how many bytes its buffer must hold before a read (or poll) wakes."""

    def __init__(self, fd: int, attributes: list[Any]) -> None:
        self._fd = fd
        self._attributes = attributes
        vmin = attributes[6][termios.VMIN]
        # An int in raw mode, a one-byte string otherwise (Python's termios).
        self._vmin = self._usual = vmin if isinstance(vmin, int) else ord(vmin)

    @classmethod
    def of(cls, serial: asyncio.Transport) -> _TtyHold | None:
        """For a serial device's descriptor; None for a socket or anything else."""
        if sys.platform == "win32":
            return None
        try:
            fd = serial.get_extra_info("serial").fileno()
            if not os.isatty(fd):
                return None
            return cls(fd, termios.tcgetattr(fd))
        except (AttributeError, OSError, termios.error, TypeError, ValueError):
            return None

    def hold(self, count: int) -> bool:
        return self._set(min(count, 255))

    def release(self) -> None:
        if self._vmin != self._usual:
            self._set(self._usual)

    def _set(self, vmin: int) -> bool:
        cc = self._attributes[6]
        cc[termios.VMIN] = vmin
        try:
            termios.tcsetattr(self._fd, termios.TCSANOW, self._attributes)
        except (OSError, termios.error):
            return False
        self._vmin = vmin
        return True


class _Protocol(asyncio.Protocol):
    """serialx's callbacks, handed to the transport that owns them."""

    def __init__(self, owner: Transport) -> None:
        self._owner = owner

    def data_received(self, data: bytes) -> None:
        self._owner._data_received(data)

    def eof_received(self) -> bool | None:
        return None  # the transport closes itself and reports connection_lost

    def connection_lost(self, exc: Exception | None) -> None:
        self._owner._connection_lost(exc)
