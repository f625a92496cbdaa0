"""Where one client's bytes go: a TCP connection here, the pty's master side in ``pty``."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol


class Wire(Protocol):
    def connected(self) -> bool: ...

    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None: ...


class TcpWire:
    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    def connected(self) -> bool:
        return not self._writer.is_closing()

    def write(self, data: bytes) -> None:
        self._writer.write(data)

    async def drain(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()
