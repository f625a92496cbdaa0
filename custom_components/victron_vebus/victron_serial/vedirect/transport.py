"""Opens the port: a serial device path or a URL serialx understands.

VE.Direct is 19200 baud 8N1, no flow control (vedirect.md §1). serialx opens ports
exclusively and natively async; every failure is mapped to its own typed error so users get
a clear reason. (The same shape as the VE.Bus library's transport, which this library does
not import: the two are published separately.)
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import re

import serialx

from .errors import (
    VEDirectConnectionError,
    VEDirectInvalidPortError,
    VEDirectPortBusyError,
    VEDirectPortLostError,
    VEDirectPortNotFoundError,
)
from .rfc2217 import open_kwargs

_LOGGER = logging.getLogger(__name__)

BAUDRATE = 19200
READ_CHUNK = 1024
CONNECT_TIMEOUT = 5.0


# USB serial numbers inside /dev/serial/by-id/ names, e.g. ..._HQ2043ABCDE-if00-port0
_USB_SERIAL = re.compile(r"(?<=_)[A-Z0-9]{6,}(?=-if\d)")
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@]+@")


def describe_port(url: str) -> str:
    """The port with the adapter's serial number and any URL credentials hidden."""
    return _URL_CREDENTIALS.sub("**REDACTED**@", _USB_SERIAL.sub("**REDACTED**", url))


def _map_open_error(url: str, exc: BaseException) -> VEDirectConnectionError:
    name = describe_port(url)
    if isinstance(exc, FileNotFoundError):
        return VEDirectPortNotFoundError(f"{name}: no such port")
    if isinstance(exc, IsADirectoryError):
        return VEDirectInvalidPortError(f"{name}: is a directory, not a serial port")
    if isinstance(exc, serialx.SerialException | ValueError) and not isinstance(exc, OSError):
        return VEDirectInvalidPortError(f"{name}: {exc}")
    if isinstance(exc, TimeoutError):  # (an OSError too: before the errno checks)
        return VEDirectConnectionError(f"{name}: connection timed out")
    if isinstance(exc, OSError):
        if exc.errno == errno.EBUSY:
            return VEDirectPortBusyError(f"{name}: in use by another program")
        if exc.errno == errno.ENOTTY:
            return VEDirectInvalidPortError(f"{name}: not a serial port")
        if exc.errno in (errno.EACCES, errno.EPERM):
            return VEDirectConnectionError(f"{name}: permission denied")
        return VEDirectConnectionError(f"{name}: {exc.strerror or exc}")
    return VEDirectConnectionError(f"{name}: {exc}")


class Transport:
    """A byte pipe to the charger. Not thread-safe; one owner (the link)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def is_open(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def open(self) -> None:
        """Open the port; raises a VEDirectConnectionError subclass naming the reason."""
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                reader, writer = await serialx.open_serial_connection(
                    self.url, baudrate=BAUDRATE, exclusive=True, **open_kwargs(self.url)
                )
        except (OSError, ValueError, TimeoutError, serialx.SerialException) as exc:
            raise _map_open_error(self.url, exc) from exc
        self._reader, self._writer = reader, writer
        _LOGGER.debug("Opened %s", describe_port(self.url))

    async def read(self) -> bytes:
        """Bytes as they arrive; VEDirectPortLostError when the port goes away."""
        if self._reader is None:
            raise VEDirectPortLostError(f"{describe_port(self.url)}: not open")
        try:
            data = await self._reader.read(READ_CHUNK)
        except OSError as exc:
            raise VEDirectPortLostError(
                f"{describe_port(self.url)}: {exc.strerror or exc}"
            ) from exc
        if not data:
            raise VEDirectPortLostError(f"{describe_port(self.url)}: closed")
        return data

    async def write(self, data: bytes) -> None:
        if self._writer is None:
            raise VEDirectPortLostError(f"{describe_port(self.url)}: not open")
        if self._writer.is_closing():  # the port went away; the reader may not know yet
            raise VEDirectPortLostError(f"{describe_port(self.url)}: closed")
        try:
            self._writer.write(data)
            await self._writer.drain()
        except (OSError, RuntimeError) as exc:
            raise VEDirectPortLostError(f"{describe_port(self.url)}: {exc}") from exc

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is None:
            return
        writer.close()
        with contextlib.suppress(OSError, RuntimeError):
            await writer.wait_closed()  # the port may be gone already; closing is all we want
        _LOGGER.debug("Closed %s", describe_port(self.url))
