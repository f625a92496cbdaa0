"""`vebus-sim` as a user runs it: one line per endpoint, a prompt end on a signal."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import pytest

from tests.waiting import DEADLINE
from vebus_sim.vebus.cli import main
from vebus_sim.vebus.models import MODELS

pytestmark = pytest.mark.usefixtures("socket_enabled")


def test_bad_arguments_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["--tcp", "nonsense"],
        ["--tcp", "host:99999"],
        ["--time-scale", "0"],
        ["--model", "quattro"],
        ["--units", "0"],
        ["--units", "19"],
        ["--phases", "4"],
    ):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
        assert "error" in capsys.readouterr().err
    shape = [sys.executable, "-m", "vebus_sim", "--units", "2", "--phases", "3"]
    done = subprocess.run(shape, capture_output=True, text=True, timeout=DEADLINE, check=False)
    assert done.returncode == 1
    assert "at least one unit per phase" in done.stderr


def test_help_names_every_model_and_the_system_shapes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for name, model in MODELS.items():
        assert f"{name:14} {model.description}" in text
    assert "--units 3 --phases 3" in text


@pytest.mark.parametrize(
    ("signum", "shape"),
    [
        (signal.SIGTERM, []),
        (signal.SIGINT, []),
        (signal.SIGTERM, ["--model", "multiplus2-48", "--units", "3", "--phases", "3"]),
        (signal.SIGINT, ["--model", "phoenix-24", "--units", "2"]),
    ],
)
async def test_a_signal_ends_it_promptly_with_a_client_connected(
    signum: int, shape: list[str]
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vebus_sim",
        "--tcp",
        "127.0.0.1:0",
        *shape,
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
        assert process.stdout is not None
        assert await process.stdout.read() == b""  # one line per endpoint, nothing more
        writer.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
