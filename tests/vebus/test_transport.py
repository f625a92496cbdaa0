"""The transport over a real pty we write to byte by byte: bytes held back arrive together,
and a hold never outlasts the bytes' wire time by more than its margin."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import os
import socket
import tty

import pytest

from tests.waiting import wait_for
from victron_serial.vebus import transport as transport_module
from victron_serial.vebus.errors import VEBusConnectionError
from victron_serial.vebus.transport import Transport

pytestmark = pytest.mark.usefixtures("socket_enabled")


class Pipe:
    """A transport and what it handed on, chunk by chunk."""

    def __init__(self, url: str) -> None:
        self.chunks: list[bytes] = []
        self.lost: list[VEBusConnectionError] = []
        self.transport = Transport(url, self.chunks.append, self.lost.append)

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)


@pytest.fixture
async def pty_pipe() -> AsyncIterator[tuple[Pipe, int]]:
    """A transport on a pty's slave; the test writes to the master as the interface would."""
    master, slave = os.openpty()
    tty.setraw(master)
    pipe = Pipe(os.ttyname(slave))
    os.close(slave)
    await pipe.transport.open()
    try:
        yield pipe, master
    finally:
        await pipe.transport.close()
        os.close(master)


async def test_bytes_held_back_on_a_tty_arrive_in_one_piece(
    pty_pipe: tuple[Pipe, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe, master = pty_pipe
    # Only the byte count ends this hold: however slow the machine, nothing comes early.
    monkeypatch.setattr(transport_module, "HOLD_MARGIN", 600.0)
    os.write(master, b"\x07")
    await wait_for(lambda: pipe.data == b"\x07", "the first byte")
    pipe.transport.hold_back(7)
    os.write(master, b"\xff\x56\x24")
    await asyncio.sleep(0.1)  # far longer than those bytes take: a reader would have them
    assert pipe.chunks == [b"\x07"]
    os.write(master, b"\xdb\x11\x00\x00")
    await wait_for(lambda: len(pipe.data) == 8, "the rest of the frame")
    assert pipe.chunks == [b"\x07", b"\xff\x56\x24\xdb\x11\x00\x00"]
    # Once the hold is over, a single byte is handed on as it comes again.
    os.write(master, b"\x02")
    await wait_for(lambda: len(pipe.chunks) == 3, "a byte after the hold")
    assert pipe.chunks[2] == b"\x02"


async def test_a_hold_whose_bytes_never_all_come_ends_by_the_clock(
    pty_pipe: tuple[Pipe, int],
) -> None:
    pipe, master = pty_pipe
    pipe.transport.hold_back(10)
    os.write(master, b"\xff\x4c\x01")  # then the line loses the rest
    await wait_for(lambda: pipe.data == b"\xff\x4c\x01", "what came, after the hold's time")
    os.write(master, b"\x02")
    await wait_for(lambda: pipe.data.endswith(b"\x02"), "a byte after the hold")


async def test_a_socket_is_held_back_by_the_clock() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    port = server.getsockname()[1]
    pipe = Pipe(f"socket://127.0.0.1:{port}")
    await pipe.transport.open()
    peer, _ = await asyncio.get_running_loop().sock_accept(server)
    try:
        peer.sendall(b"\x07")
        await wait_for(lambda: pipe.data == b"\x07", "the first byte")
        pipe.transport.hold_back(3)
        for byte in b"\xff\x56\x24":
            peer.sendall(bytes([byte]))
        await wait_for(lambda: len(pipe.data) == 4, "the held bytes")
        assert pipe.data == b"\x07\xff\x56\x24"
    finally:
        await pipe.transport.close()
        peer.close()
        server.close()
