"""Test helpers for the wire between client and simulator: lost frames, a foreign device."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
import contextlib
import os
import re
import tty

from vebus_sim import Simulator
from victron_serial.vebus.protocol import Frame, InterfaceRequest, SetStateRequest, WriteViaId


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def task_names() -> list[str]:
    """Names of the running tasks; pty numbers and task counters left out, they vary."""
    names = (task.get_name() for task in asyncio.all_tasks())
    return sorted(re.sub(r"/dev/pts/\d+|(?<=^Task-)\d+$", "N", name) for name in names)


def winmon_write(flags: int) -> Callable[[Frame], bool]:
    def match(frame: Frame) -> bool:
        request = WriteViaId.decode(frame)
        return request is not None and request.flags == flags

    return match


def is_panel_write(frame: Frame) -> bool:
    return SetStateRequest.decode(frame) is not None


def is_lines_write(frame: Frame) -> bool:
    request = InterfaceRequest.decode(frame)
    return request is not None and request.lines is not None


@contextlib.contextmanager
def lost_on_the_wire(
    sim: Simulator, is_write: Callable[[Frame], bool], *, requests: bool
) -> Iterator[None]:
    """Lose every write request (the device never acts) or every reply to one (it does)."""
    handle = sim.handler.handle

    def wire(frame: Frame) -> list[bytes]:
        if not is_write(frame):
            return handle(frame)
        if not requests:
            handle(frame)
        return []

    sim.handler.handle = wire  # type: ignore[method-assign]
    try:
        yield
    finally:
        del sim.handler.handle


class ForeignDevice:
    """A pty with something else on it: a VE.Direct charger talking text (a block every
    half second; real ones send one a second)."""

    BLOCK = (
        b"\r\nPID\t0xA05F\r\nFW\t139\r\nSER#\tHQ18486U2B4\r\nV\t12810\r\nI\t-10\r\nVPV\t10"
        b"\r\nPPV\t0\r\nCS\t0\r\nMPPT\t0\r\nERR\t0\r\nLOAD\tON\r\nIL\t0\r\nH19\t0\r\nH20\t0"
        b"\r\nH21\t0\r\nH22\t0\r\nH23\t0\r\nHSDS\t0\r\nChecksum\t\xe4"
    )

    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self._slave)
        self._task = asyncio.get_running_loop().create_task(self._talk())

    async def _talk(self) -> None:
        while True:
            with contextlib.suppress(OSError):
                os.write(self.master, self.BLOCK)
                os.read(self.master, 4096)  # whatever the client says goes nowhere
            await asyncio.sleep(0.5)

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        os.close(self.master)
        os.close(self._slave)
