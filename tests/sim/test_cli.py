"""`vebus-sim` as a user runs it: one line per endpoint, a prompt end on a signal."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from tests.waiting import DEADLINE
from vebus_sim.cli import main

pytestmark = pytest.mark.usefixtures("socket_enabled")


def test_bad_arguments_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--tcp", "nonsense"], ["--tcp", "host:99999"], ["--time-scale", "0"]):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
        assert "error" in capsys.readouterr().err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_ends_it_promptly_with_a_client_connected(signum: int) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vebus_sim",
        "--tcp",
        "127.0.0.1:0",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), DEADLINE)).decode().strip()
        assert url.startswith("socket://127.0.0.1:")  # the port it serves on, one line
        host, _, port = url.removeprefix("socket://").rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(bytes.fromhex("02 FF 56 A9"))
        assert (await asyncio.wait_for(reader.readexactly(9), DEADLINE))[2] == ord("V")
        process.send_signal(signum)
        assert await asyncio.wait_for(process.wait(), DEADLINE) == 0
        writer.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
