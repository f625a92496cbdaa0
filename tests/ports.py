"""A serial port held by another process, as ModemManager or a getty would hold it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import sys


@contextlib.asynccontextmanager
async def held_by_another_process(path: str) -> AsyncIterator[None]:
    """``path`` opened and locked by a second process, as ModemManager or a getty would."""
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n",
        path,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert await holder.stdout.readline() == b"held\n"
        yield
    finally:
        holder.kill()
        await holder.wait()
