"""Opens the port: a serial device path or a URL serialx understands.

VE.Direct is 19200 baud 8N1, no flow control (vedirect.md §1). serialx opens ports
exclusively and natively async; every failure is mapped to its own typed error so users get
a clear reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import serialx

from ..foundation.ports import CONNECT_TIMEOUT, describe_port, map_open_error
from ..foundation.rfc2217 import open_kwargs
from .errors import (
    ERRORS,
    VEDirectConnectionError,
    VEDirectPortLostError,
)

_LOGGER = logging.getLogger(__name__)

BAUDRATE = 19200
READ_CHUNK = 1024


def _map_open_error(url: str, exc: BaseException) -> VEDirectConnectionError:
    return map_open_error(url, exc, ERRORS)


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
