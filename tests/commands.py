"""Running a command line (``vebus``, ``vedirect``) as a user does, in a process of its own."""

from __future__ import annotations

import asyncio
import os
import sys

from tests.waiting import DEADLINE


async def into_a_closed_pipe(
    module: str, *argv: str, read_first: bool = False
) -> tuple[int, bytes]:
    """``python -m MODULE ARGV`` with a stdout whose reader goes away (at once, or after
    the first output): the exit code and what it said on stderr."""
    reader, writer = os.pipe()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *argv, stdout=writer, stderr=asyncio.subprocess.PIPE
    )
    os.close(writer)
    if read_first:
        await asyncio.to_thread(os.read, reader, 65536)
    os.close(reader)
    code = await asyncio.wait_for(process.wait(), DEADLINE)
    assert process.stderr is not None
    return code, await process.stderr.read()


async def ended(process: asyncio.subprocess.Process, signum: int) -> tuple[int, bytes]:
    """Send ``signum``; the exit code and what it said on stderr."""
    process.send_signal(signum)
    code = await asyncio.wait_for(process.wait(), DEADLINE)
    assert process.stderr is not None
    return code, await process.stderr.read()
