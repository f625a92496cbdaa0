"""Raw access to a simulator endpoint for the simulator's tests: bytes in, bytes out.

``Wire`` decodes nothing for the test; ``h``, ``x`` and ``reply`` spell request and reply
frames with the library's codecs (so a test never writes a checksum by hand).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import errno
import os

from vebus_sim import Simulator
from victron_serial.vebus.protocol import SetStateRequest, WinmonReply, WinmonRequest
from victron_serial.vebus.protocol.framing import Frame, FrameDecoder

TIMEOUT = 10.0  # how long an expected frame may take: generous, so a busy machine passes
QUIET = 0.15  # how long "no reply" is awaited


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def x(command: int, args: bytes = b"", letter: str = "X") -> bytes:
    return WinmonRequest(ord(letter), command, args).encode()


def reply(code: int, data: bytes = b"", letter: str = "X") -> bytes:
    return WinmonReply(ord(letter), code, data).encode()


class Wire:
    """Raw access to a simulator endpoint: bytes in, bytes out, nothing decoded for us."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.eof = False
        self._event = asyncio.Event()
        self._close: Callable[[], Awaitable[None]] | None = None
        self._write: Callable[[bytes], None] | None = None

    def _data(self, data: bytes) -> None:
        if data:
            self.buffer += data
        else:
            self.eof = True
        self._event.set()

    @classmethod
    async def tcp(cls, url: str) -> Wire:
        host, _, port = url.removeprefix("socket://").rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        wire = cls()

        async def pump() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await reader.read(4096):
                    wire._data(data)
            wire._data(b"")

        task = asyncio.get_running_loop().create_task(pump())

        async def close() -> None:
            task.cancel()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            await asyncio.gather(task, return_exceptions=True)

        wire._write = writer.write
        wire._close = close
        return wire

    @classmethod
    async def pty(cls, path: str) -> Wire:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        loop = asyncio.get_running_loop()
        wire = cls()

        def readable() -> None:
            try:
                data = os.read(fd, 4096)
            except BlockingIOError:
                return
            except OSError as err:  # EIO: the simulator closed the master
                data = b"" if err.errno == errno.EIO else b"?"
            if not data:
                loop.remove_reader(fd)
            wire._data(data)

        loop.add_reader(fd, readable)

        async def close() -> None:
            loop.remove_reader(fd)
            os.close(fd)

        wire._write = lambda data: os.write(fd, data) and None
        wire._close = close
        return wire

    def send(self, data: bytes) -> None:
        assert self._write is not None
        self._write(data)

    async def close(self) -> None:
        if self._close is not None:
            close, self._close = self._close, None
            await close()

    async def _until(self, ready: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not ready():
                self._event.clear()
                await self._event.wait()

    async def read(self, count: int, timeout: float = TIMEOUT) -> bytes:
        await self._until(lambda: len(self.buffer) >= count, timeout)
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    async def frame(self, timeout: float = TIMEOUT) -> bytes:
        """The next frame, cut by its length byte (no resync: for clean links)."""

        def complete() -> bool:
            return bool(self.buffer) and len(self.buffer) >= (self.buffer[0] & 0x7F) + 2

        await self._until(complete, timeout)
        return await self.read((self.buffer[0] & 0x7F) + 2)

    async def ask(self, request: bytes, timeout: float = TIMEOUT) -> bytes:
        self.send(request)
        return await self.frame(timeout)

    async def quiet(self, duration: float = QUIET) -> bytes:
        """Whatever arrives within ``duration`` (expected: nothing)."""
        await asyncio.sleep(duration)
        data = bytes(self.buffer)
        self.buffer.clear()
        return data

    async def wait_eof(self, timeout: float = TIMEOUT) -> None:
        await self._until(lambda: self.eof, timeout)


Connect = Callable[..., Awaitable[tuple[Simulator, Wire]]]


async def combined_mode(wire: Wire) -> None:
    """'S' with FlagsExt0 bit0 cleared: combined (v2xx) winmon replies from now on."""
    assert await wire.ask(SetStateRequest(3, 0x8000, 0x90, flags_ext0=0).encode()) == h(
        "02 FF 53 AC"
    )


def decode_all(data: bytes) -> list[Frame]:
    return FrameDecoder().feed(data)
