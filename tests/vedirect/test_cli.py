"""The vedirect command line against `vedirect-sim` running in another process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
import concurrent.futures
import json
import os
from pathlib import Path
import signal
import subprocess
import sys

import pytest

from tests.commands import ended, into_a_closed_pipe
from tests.waiting import DEADLINE
from vebus_sim.vedirect import ChargerFaults, ChargerSimulator
from victron_serial.vedirect import Reg
from victron_serial.vedirect.cli import main

pytestmark = pytest.mark.usefixtures("socket_enabled")
SCHEMA = {
    "product_id",
    "model",
    "firmware",
    "serial",
    "voltage",
    "current",
    "temperature",
    "charge_state",
    "charge_state_raw",
    "error",
    "error_raw",
    "charge_current_limit",
}


@pytest.fixture(scope="module")
def simulated() -> Iterator[str]:
    """`vedirect-sim --tcp` in a subprocess (paced at 19200 baud); yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "vebus_sim.vedirect", "--tcp", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line.startswith("socket://127.0.0.1:"), line
    yield line
    process.terminate()
    process.wait(timeout=10)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``vedirect ARGV`` in a thread of its own (its asyncio.run() needs its own loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        code = pool.submit(main, list(argv)).result()
    out, err = capsys.readouterr()
    return code, out, err


def test_monitor_once_json_prints_one_object_in_si_units(simulated: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vedirect", "monitor", "--once", "--json", simulated],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()  # exactly one object
    data = json.loads(line)
    assert set(data) == SCHEMA
    assert data["product_id"] == 0xA334  # 41780, a number in JSON
    assert data["model"] == "Blue Smart IP22 Charger 24|12"
    assert (data["firmware"], data["serial"]) == ("3.42", "HQ2230XY6XR")
    assert 20 < data["voltage"] < 32
    assert data["current"] == 12.0  # bulk: all the limit allows
    assert data["temperature"] is None  # "---": no sensor
    assert (data["charge_state"], data["charge_state_raw"]) == ("bulk", 3)
    assert (data["error"], data["error_raw"]) == ("no_error", 0)
    assert data["charge_current_limit"] == 12.0


def test_probe_get_and_set(simulated: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "probe", simulated)
    assert code == 0
    assert "Blue Smart IP22 Charger 24|12" in out and "text and HEX" in out
    code, out, _ = run(capsys, "get", simulated, "0xEDDF")
    assert (code, out) == (0, "maximum_current (0xEDDF) = 12.0 A\n")
    code, out, _ = run(capsys, "get", simulated, "model_name")
    assert out == "model_name (0x010B) = Blue Smart IP22 Charger 24|12\n"
    code, out, _ = run(capsys, "set", simulated, "charge_current_limit", "7.5")
    assert code == 0
    assert "in force 7.5 A" in out and "non-volatile" in out
    code, out, _ = run(capsys, "set", simulated, "charge_current_limit", "7.5")
    assert "already: nothing written" in out
    code, out, _ = run(capsys, "monitor", "--once", simulated)
    assert code == 0 and "charge current limit 7.5 A (3.0 A to 12.0 A)" in out
    code, _, err = run(capsys, "set", simulated, "charge_current_limit", "12")  # as it was
    assert (code, "--force" in err) == (1, True)  # not within 10 minutes
    assert run(capsys, "set", simulated, "charge_current_limit", "12", "--force")[0] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["set", "{url}", "charge_current_limit", "40"], "outside 3 to 12 A"),
        (["set", "{url}", "absorption_voltage", "28.8"], "user-defined battery type"),
        (["set", "{url}", "uptime", "1"], "not written by this library"),
        (["get", "{url}", "no_such"], "unknown register"),
        (["get", "{url}", "device_mode"], "no such register"),
        (["probe", "/dev/does-not-exist"], "no such port"),
    ],
)
def test_errors_are_one_line_and_a_failure_exit(
    simulated: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *(part.format(url=simulated) for part in argv))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("vedirect: error: ") and message in err


def test_registers_lists_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "registers")
    assert code == 0
    assert "0xEDF0 rw nvm charge_current_limit" in " ".join(out.split())


def test_bad_arguments_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["set", "x", "charge_current_limit", "nan"], ["monitor", "x", "--interval", "0"]):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
        assert "error" in capsys.readouterr().err


def test_monitor_runs_until_a_signal_ends_it(simulated: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "vedirect", "monitor", "--json", "--interval", "0.5", simulated],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for _ in range(2):  # one object a read
            assert json.loads(process.stdout.readline())["product_id"] == 0xA334
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=DEADLINE) == 128 + signal.SIGTERM
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()


async def test_probe_says_when_hex_is_not_answered(capsys: pytest.CaptureFixture[str]) -> None:
    sim = ChargerSimulator(paced=False, block_interval=0.1, faults=ChargerFaults(no_hex=True))
    try:
        url = await sim.start_pty()
        assert await asyncio.to_thread(main, ["probe", url]) == 0
        assert "(text); HEX not answered: is the charger's RX wired?" in capsys.readouterr().out
        assert await asyncio.to_thread(main, ["-v", "monitor", "--once", url]) == 0
        assert "charge current limit - (- to -)" in capsys.readouterr().out
    finally:
        await sim.stop()


@pytest.fixture
async def charger_url() -> AsyncIterator[tuple[ChargerSimulator, str]]:
    """A charger simulator in this process, so a test can count its memory writes."""
    sim = ChargerSimulator(paced=False, block_interval=0.1, live=False)
    try:
        yield sim, await sim.start_tcp()
    finally:
        await sim.stop()


async def test_a_closed_stdout_is_no_error() -> None:
    sim = ChargerSimulator(paced=False, block_interval=0.1)
    try:
        url = await sim.start_tcp()
        done = await into_a_closed_pipe("vedirect", "set", url, "charge_current_limit", "9")
        assert done == (0, b"")  # written once: the exit code says so, and nobody writes again
        assert sim.charger.nvm_writes[Reg.CHARGE_CURRENT_LIMIT.id] == 1
        # A monitor has nothing left to do once nobody reads: it ends, quietly.
        done = await into_a_closed_pipe(
            "vedirect", "monitor", url, "--json", "--interval", "0.5", read_first=True
        )
        assert done == (0, b"")
    finally:
        await sim.stop()


@pytest.mark.parametrize(
    ("register", "value", "message"),
    [
        ("low_current_mode", "1.5", "not a whole number"),
        ("low_current_mode", "3", "outside 0 to 2"),
    ],
)
async def test_a_value_the_register_cannot_hold_is_refused_before_the_wire(
    charger_url: tuple[ChargerSimulator, str],
    capsys: pytest.CaptureFixture[str],
    register: str,
    value: str,
    message: str,
) -> None:
    """1.5 is no low current mode: nothing rounded, no write of the memory spent."""
    sim, url = charger_url
    code = await asyncio.to_thread(main, ["set", url, register, value])
    _, err = capsys.readouterr()
    assert code == 1
    assert message in err
    assert sum(sim.charger.nvm_writes.values()) == 0


async def test_the_memory_rule_holds_across_runs(
    charger_url: tuple[ChargerSimulator, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Each run is not a first write: the record of the charger's serial number, in the
    state folder, outlives it; the same charger on another port finds it too."""
    sim, url = charger_url
    record = Path(os.environ["XDG_STATE_HOME"], "victron-serial", "vedirect-HQ2230XY6XR.json")
    limit = Reg.CHARGE_CURRENT_LIMIT.id
    assert await asyncio.to_thread(main, ["set", url, "charge_current_limit", "7.5"]) == 0
    assert record.exists()
    for amps in ("8", "9", "10"):
        assert await asyncio.to_thread(main, ["set", url, "charge_current_limit", amps]) == 1
        err = capsys.readouterr().err
        assert "too recently" in err and "--force" in err and str(record) in err
    pty = await sim.start_pty()
    assert await asyncio.to_thread(main, ["set", pty, "charge_current_limit", "8"]) == 1
    assert sim.charger.nvm_writes[limit] == 1
    capsys.readouterr()
    argv = ["set", url, "charge_current_limit", "8", "--force"]
    assert await asyncio.to_thread(main, argv) == 0
    err = capsys.readouterr().err
    assert "one more write of the charger's non-volatile memory" in err
    assert sim.charger.nvm_writes[limit] == 2


@pytest.mark.parametrize("signum", [signal.SIGQUIT, signal.SIGUSR1])
async def test_any_ending_signal_ends_the_command_the_clean_way(signum: int) -> None:
    sim = ChargerSimulator(paced=False, block_interval=0.1)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "vedirect",
            "monitor",
            "--json",
            "--interval",
            "0.5",
            await sim.start_tcp(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        await asyncio.wait_for(process.stdout.readline(), DEADLINE)
        assert await ended(process, signum) == (128 + signum, b"")
    finally:
        await sim.stop()
