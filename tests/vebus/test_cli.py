"""The vebus command line against `vebus-sim` running in another process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
import concurrent.futures
import fcntl
import json
import os
from pathlib import Path
import signal
import subprocess
import sys

import pytest

from tests.commands import ended, into_a_closed_pipe
from tests.waiting import DEADLINE, wait_for
from vebus_sim import Simulator
from victron_serial.foundation import ledger_file
from victron_serial.vebus import Setting
from victron_serial.vebus.cli import main
from victron_serial.vebus.protocol.framing import Frame

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture(scope="module")
def simulated() -> Iterator[str]:
    """`vebus-sim --tcp` in a subprocess; yields the socket:// URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "vebus_sim", "--tcp", "127.0.0.1:0", "--unpaced"],
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
    """``vebus ARGV`` as a user runs it. In a thread of its own: its asyncio.run() must not
    take the main thread's event loop away from the test harness."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        code = pool.submit(main, list(argv)).result()
    out, err = capsys.readouterr()
    return code, out, err


def test_monitor_once_json_prints_the_design_schema(
    simulated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "monitor", "--once", "--json", simulated)
    assert code == 0
    data = json.loads(out)
    assert data["mk_version"] == 1170212
    assert data["address"] == 0
    assert data["state"] in {"charge", "invert_full", "bypass", "power_assist"}
    assert isinstance(data["state_raw"], int)
    assert set(data["leds"]) == {
        "mains",
        "absorption",
        "bulk",
        "float",
        "inverter",
        "overload",
        "low_battery",
        "temperature",
    }
    assert 10 < data["dc"]["voltage"] < 16
    assert set(data["dc"]) == {
        "voltage",
        "current",
        "inverter_current",
        "charger_current",
        "frequency",
    }
    assert data["ac"][0]["phase"] == 1
    assert 200 < data["ac"][0]["input_voltage"] < 250
    assert data["ac_input"]["minimum"] <= data["ac_input"]["current_limit"]
    assert data["switch"]["mode"] == "on"
    assert set(data["power"]) == {"inverter", "input", "output"}


def test_monitor_human_readable(simulated: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "monitor", "--once", simulated)
    assert code == 0
    assert "battery" in out
    assert "L1 in" in out


def test_probe(simulated: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "probe", simulated)
    assert code == 0
    assert out.startswith("MK3 1170212")


def test_mode_setting_ram_and_ess(simulated: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "mode", simulated, "charger_only", "--current-limit", "12")
    assert code == 0
    assert "input limit 12.0 A" in out
    code, out, _ = run(capsys, "mode", simulated, "on", "--standby")
    assert (code, out.split(",")[0]) == (0, "mode on")
    code, out, _ = run(capsys, "setting", simulated, "list")
    assert code == 0
    assert "absorption_voltage" in out
    code, out, _ = run(capsys, "setting", simulated, "set", "float_voltage", "13.5")
    assert (code, "RAM only" in out) == (0, True)
    code, out, _ = run(capsys, "setting", simulated, "get", "3")
    assert code == 0
    assert out.startswith("float_voltage = ")
    code, out, _ = run(capsys, "ram", simulated, "list")
    assert (code, "battery_voltage" in out) == (0, True)
    code, out, _ = run(capsys, "ram", simulated, "get", "battery_voltage")
    assert (code, out.startswith("battery_voltage = ")) == (0, True)
    code, out, _ = run(capsys, "ess", simulated, "find")
    assert (code, out.startswith("ESS setpoint at RAM ")) == (0, True)
    ram_id = out.split()[-1]
    code, out, _ = run(capsys, "ess", simulated, "set", "200")
    assert (code, "200 W" in out) == (0, True)
    code, out, _ = run(capsys, "ess", simulated, "set", "0")
    assert (code, "0 W" in out) == (0, True)
    code, out, _ = run(capsys, "ram", simulated, "set", ram_id, "0")
    assert code == 1  # the ESS setpoint is set as one, not as a RAM variable


def test_errors_are_one_line_and_exit_non_zero(
    simulated: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "probe", str(tmp_path / "ttyUSB0"))
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith("vebus: error: ")
    code, _, err = run(capsys, "setting", simulated, "set", "absorption_voltage", "99")
    assert code == 1
    assert "outside" in err
    code, _, err = run(capsys, "setting", simulated, "get", "no_such_setting")
    assert (code, "unknown setting" in err) == (1, True)
    code, _, err = run(capsys, "ram", simulated, "get", "10")
    assert code in (0, 1)
    with pytest.raises(SystemExit):
        main(["setting", simulated, "set", "float_voltage", "abc"])


# --- bad input and signals (the unit never left holding a setpoint) -------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["ess", "PORT", "set", "500", "--keepalive", "-1"],
        ["ess", "PORT", "set", "500", "--keepalive", "0"],
        ["ess", "PORT", "set", "32768"],
        ["ess", "PORT", "set", "1.5"],
        ["ess", "PORT", "set", "500", "--max-power", "0"],
        ["mode", "PORT", "on", "--current-limit", "nan"],
        ["setting", "PORT", "set", "float_voltage", "inf"],
        ["ram", "PORT", "set", "4", "nan"],
        ["monitor", "PORT", "--interval", "0"],
    ],
)
def test_bad_numbers_are_refused_before_anything_opens(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "error" in capsys.readouterr().err


def test_the_ess_ram_id_is_refused_as_a_ram_variable(
    simulated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "ess", simulated, "find")
    ram_id = out.split()[-1]
    code, _, err = run(capsys, "ram", simulated, "set", ram_id, "-30000")
    assert code == 1
    assert "vebus ess" in err
    code, _, err = run(capsys, "ess", simulated, "set", "5000")  # beyond the 3000 W default
    assert code == 1
    assert "outside -3000 to 3000 W" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ram", "{url}", "set", "13", "150"], "state_of_charge: 150 is outside 0 to 1"),
        (["ram", "{url}", "set", "state_of_charge", "1.5"], "outside 0 to 1"),
        (["ram", "{url}", "set", "ignore_ac_input", "0.5"], "0.5 is not 0 or 1"),
        (["setting", "{url}", "set", "inverter_output_voltage", "230.5"], "not a whole number"),
    ],
)
async def test_a_value_the_quantity_cannot_have_is_refused_before_the_wire(
    sim_url: tuple[Simulator, str],
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    sim, url = sim_url
    soc = sim.device.soc
    code, _, err = await run_async(capsys, *(part.format(url=url) for part in argv))
    assert code == 1
    assert message in err
    assert not write_requests(sim)
    assert sim.device.soc == soc


def write_requests(sim: Simulator) -> list[bytes]:
    """WriteViaID requests (winmon 0x37, the ESS setpoint's) that reached the simulator."""
    return [r for r in sim.requests if len(r) > 4 and r[1] == 0xFF and r[3] == 0x37]


async def start_ess_keepalive(
    sim: Simulator, *, stdout: int = asyncio.subprocess.PIPE
) -> asyncio.subprocess.Process:
    """`vebus ess URL set 500 --keepalive 2` against ``sim``, once the unit holds 500 W."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vebus",
        "ess",
        await sim.start_tcp(),
        "set",
        "500",
        "--keepalive",
        "2",
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
    )
    await wait_for(lambda: sim.device.ess_setpoint == -500, "500 W held (the unit's sign)")
    return process


# Every signal whose default action ends a process, short of SIGKILL (which nothing can
# catch) and the faults a process raises on itself (SIGSEGV and the like).
ENDING = [
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGALRM,
    signal.SIGABRT,
    signal.SIGRTMIN,
]


@pytest.mark.parametrize("signum", ENDING, ids=[signal.Signals(s).name for s in ENDING])
async def test_every_ending_signal_returns_the_ess_setpoint_to_zero(signum: int) -> None:
    sim = Simulator(paced=False)
    try:
        process = await start_ess_keepalive(sim)
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), DEADLINE)
        assert b"re-sent every 2 s" in line
        code, err = await ended(process, signum)
        assert code == 128 + signum, err
        assert sim.device.ess_setpoint == 0
    finally:
        await sim.stop()


async def test_a_closed_stdout_neither_ends_the_keepalive_nor_leaves_the_setpoint() -> None:
    sim = Simulator(paced=False)
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before the command says anything
    try:
        process = await start_ess_keepalive(sim, stdout=writer)
        os.close(writer)
        writes = len(write_requests(sim))
        await wait_for(lambda: len(write_requests(sim)) > writes, "the keep-alive goes on")
        assert process.returncode is None
        code, err = await ended(process, signal.SIGTERM)
        assert code == 128 + signal.SIGTERM
        assert err == b""  # no "Broken pipe", no traceback
        assert sim.device.ess_setpoint == 0
    finally:
        await sim.stop()


async def test_a_closed_stdout_is_no_error() -> None:
    sim = Simulator(paced=False)
    try:
        url = await sim.start_tcp()
        done = await into_a_closed_pipe("vebus", "setting", url, "set", "float_voltage", "13.5")
        assert done == (0, b"")  # written: the exit code says so, whoever reads
        assert sim.device.setting(Setting.FLOAT_VOLTAGE) == pytest.approx(13.5)
        # A monitor has nothing left to do once nobody reads: it ends, quietly.
        done = await into_a_closed_pipe(
            "vebus", "monitor", url, "--json", "--interval", "0.1", read_first=True
        )
        assert done == (0, b"")
    finally:
        await sim.stop()


# --- backup, diff, restore ---------------------------------------------------------------------


@pytest.fixture
async def sim_url() -> AsyncIterator[tuple[Simulator, str]]:
    """A simulator in this process, so the test can change the unit between commands."""
    sim = Simulator("multiplus-12", paced=False, live=False, seed=4)
    try:
        yield sim, await sim.start_tcp()
    finally:
        await sim.stop()


async def run_async(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``vebus ARGV`` in a thread while this loop serves the simulator."""
    code = await asyncio.get_running_loop().run_in_executor(None, main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def test_backup_diff_and_restore(
    sim_url: tuple[Simulator, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, url = sim_url
    file = str(tmp_path / "multiplus.json")
    code, out, _ = await run_async(capsys, "backup", url, file)
    assert code == 0
    assert out.startswith("65 settings of the MultiPlus 12 V (firmware 304) saved to ")
    assert json.loads(Path(file).read_text())["settings"]["2"]["value"] == 14.4

    sim.device.set_setting(2, 14.0)  # changed elsewhere
    code, out, _ = await run_async(capsys, "diff", url, file)
    assert code == 0
    assert "changed (file | unit):\n  absorption_voltage" in out
    assert "14.4 V | 14 V" in out

    code, out, _ = await run_async(capsys, "restore", url, file)
    assert code == 0
    assert "written   absorption_voltage" in out
    assert "(RAM only)" in out
    assert "1 written, 64 unchanged, 0 refused, 0 failed" in out
    assert sim.device.setting(2) == pytest.approx(14.4)
    assert sim.device.eeprom_writes == {}

    code, out, _ = await run_async(capsys, "restore", url, file, "--save-permanently", "--json")
    assert code == 0
    assert json.loads(out)["written"] == 1
    assert sim.device.eeprom_writes == {2: 1}
    code, out, _ = await run_async(capsys, "diff", url, file, "--json")
    assert (code, json.loads(out)["same"]) == (0, True)


async def test_backup_refusals_exit_non_zero_with_nothing_written(
    sim_url: tuple[Simulator, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, url = sim_url
    file = tmp_path / "multiplus.json"
    assert (await run_async(capsys, "backup", url, str(file)))[0] == 0
    code, _, err = await run_async(capsys, "backup", url, str(file))
    assert (code, "exists; give another name, or --overwrite" in err) == (1, True)
    assert (await run_async(capsys, "backup", url, str(file), "--overwrite"))[0] == 0

    data = json.loads(file.read_text())
    data["settings"]["2"] |= {"raw": 1700, "value": 17.0}
    beyond = tmp_path / "beyond.json"
    beyond.write_text(json.dumps(data))
    sim.device.set_setting(3, 13.0)
    code, _, err = await run_async(capsys, "restore", url, str(beyond))
    assert code == 1
    assert err == (
        "vebus: error: the unit does not allow these values, nothing was written: "
        "absorption_voltage: 17 V is outside 12 to 16 V\n"
    )
    assert sim.device.setting(3) == pytest.approx(13.0)

    data = json.loads(file.read_text())
    data["unit"]["firmware"] += 1
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data))
    code, _, err = await run_async(capsys, "restore", url, str(other))
    assert (code, "the backup is of another unit (firmware: file" in err) == (1, True)
    assert sim.device.setting(3) == pytest.approx(13.0)
    code, out, _ = await run_async(capsys, "restore", url, str(other), "--force")
    assert (code, out.startswith("forced onto another unit: firmware")) == (0, True)
    assert sim.device.setting(3) == pytest.approx(13.8)

    damaged = tmp_path / "damaged.json"
    damaged.write_text("{")
    code, _, err = await run_async(capsys, "diff", url, str(damaged))
    assert (code, err.startswith("vebus: error: not JSON")) == (1, True)
    code, _, err = await run_async(capsys, "diff", url, str(tmp_path / "none.json"))
    assert (code, "No such file" in err) == (1, True)


async def test_a_setting_the_unit_refuses_makes_the_restore_fail(
    sim_url: tuple[Simulator, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, url = sim_url
    file = str(tmp_path / "multiplus.json")
    assert (await run_async(capsys, "backup", url, file))[0] == 0
    sim.device.set_setting(4, 50)
    sim.device.set_setting(3, 13.0)
    sim.faults.denied_settings[4] = 2
    code, out, _ = await run_async(capsys, "restore", url, file)
    assert code == 1
    assert "refused   charge_current" in out
    assert "access level 2" in out
    assert "1 written, 63 unchanged, 1 refused, 0 failed" in out
    assert sim.device.setting(3) == pytest.approx(13.8)


async def test_diff_lists_each_kind_of_difference(
    sim_url: tuple[Simulator, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, url = sim_url
    file = tmp_path / "multiplus.json"
    assert (await run_async(capsys, "backup", url, str(file)))[0] == 0
    data = json.loads(file.read_text())
    data["unit"]["firmware"] += 1
    data["settings"]["49"] = data["settings"]["6"] | {"name": "ac_input_2_current_limit"}
    del data["settings"]["64"]
    data["settings"]["2"] |= {"raw": 1700, "value": 17.0}
    file.write_text(json.dumps(data))
    sim.device.set_setting(3, 13.0)
    flags0 = sim.device.setting_raw(0)
    sim.device.set_setting_raw(0, flags0 ^ 0x0020)  # PowerAssist, changed elsewhere
    code, out, _ = await run_async(capsys, "diff", url, str(file))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("the file is of another unit: firmware: file ")
    assert lines[1:] == [
        "changed (file | unit):",
        f"  {'flags0':34} {flags0:#06x} | {flags0 ^ 0x20:#06x}, stored {flags0:#06x} | {flags0 ^ 0x20:#06x}",
        f"  {'float_voltage':34} 13.8 V | 13 V, stored 13.8 V | 13 V",
        "only in the file:",
        f"  {'ac_input_2_current_limit':34} {data['settings']['6']['value']:g} A",
        "only on the unit:",
        f"  {'battery_capacity':34} {sim.device.setting(64):g} Ah",
        "out of the unit's bounds (a restore refuses the file):",
        "  absorption_voltage: 17 V is outside 12 to 16 V",
        "61 settings as in the file",
    ]


async def test_a_restore_says_when_the_unit_needs_a_restart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = Simulator("multiplus2-48", paced=False, live=False, seed=4)  # answers with a status
    try:
        url = await sim.start_tcp()
        file = str(tmp_path / "multiplus2.json")
        assert (await run_async(capsys, "backup", url, file))[0] == 0
        sim.device.set_setting(64, 100)  # battery capacity: the unit restarts to apply it
        code, out, _ = await run_async(capsys, "restore", url, file, "--save-permanently")
        assert code == 0
        assert "written   battery_capacity" in out
        assert "100 Ah -> 200 Ah (saved permanently)" in out
        assert out.endswith("restart the unit to apply some of them\n")
    finally:
        await sim.stop()


# --- the EEPROM rule across runs (the record in the state folder) ------------------------------


def saves(sim: Simulator) -> int:
    return sim.device.eeprom_writes.get(2, 0)


def record_path() -> Path:
    """Where the runs keep the record of the simulated unit (by its serial number)."""
    return Path(os.environ["XDG_STATE_HOME"], "victron-serial", "vebus-HQ1234ABCDE.json")


async def test_persist_saves_once_per_interval_across_runs(
    sim_url: tuple[Simulator, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Five runs in a row save the setting once: the record outlives each run, and the
    same unit on another port (here a pty beside the socket) finds it."""
    sim, url = sim_url
    persist = ("setting", url, "set", "absorption_voltage", "14.3", "--persist")
    code, out, _ = await run_async(capsys, *persist)
    assert (code, "(EEPROM)" in out) == (0, True)
    assert record_path().exists()
    for _ in range(4):
        code, out, err = await run_async(capsys, *persist)
        assert (code, out) == (1, "")
        assert "too recently" in err and "--force" in err and str(record_path()) in err
    pty = await sim.start_pty()
    code, _, err = await run_async(capsys, "setting", pty, "set", "2", "14.2", "--persist")
    assert (code, "too recently" in err) == (1, True)
    assert saves(sim) == 1
    code, out, err = await run_async(capsys, *persist, "--force")  # says what it costs
    assert code == 0
    assert "--force" in err and "one more write of the unit's EEPROM" in err
    assert saves(sim) == 2
    code, _, err = await run_async(capsys, "setting", url, "set", "2", "14.3", "--force")
    assert (code, "--force is for --persist" in err) == (1, True)


async def test_a_save_whose_reply_is_lost_counts(
    sim_url: tuple[Simulator, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The unit goes silent after the save went out: the run cannot tell whether it was
    stored, and the next run is refused all the same."""
    sim, url = sim_url
    handle = sim.handler.handle
    sent: list[bytes] = []

    def deaf_after_a_save(frame: Frame) -> list[bytes]:
        if sent or frame.payload[1:2] == b"\x37":  # WriteViaID (winmon)
            sent.append(frame.payload)
            handle(frame)  # the unit stores it; the reply is lost
            return []
        return handle(frame)

    sim.handler.handle = deaf_after_a_save  # type: ignore[method-assign]
    code, _, err = await run_async(capsys, "setting", url, "set", "2", "14.3", "--persist")
    assert (code, bool(sent)) == (1, True)
    del sim.handler.handle
    code, _, err = await run_async(capsys, "setting", url, "set", "2", "14.4", "--persist")
    assert (code, "too recently" in err) == (1, True)
    assert saves(sim) == 1


async def test_two_runs_at_once_save_once(
    sim_url: tuple[Simulator, str], capsys: pytest.CaptureFixture[str]
) -> None:
    sim, url = sim_url
    loop = asyncio.get_running_loop()
    argv = ["setting", url, "set", "2", "14.3", "--persist"]
    codes = await asyncio.gather(*(loop.run_in_executor(None, main, argv) for _ in range(2)))
    assert sorted(codes) == [0, 1]
    assert saves(sim) == 1


async def test_a_record_another_run_holds_is_waited_for_then_refused(
    sim_url: tuple[Simulator, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run that holds the record (a save under way, or hung) keeps the next one from
    saving blind: it waits for it, and after LOCK_WAIT gives up with nothing sent."""
    sim, url = sim_url
    monkeypatch.setattr(ledger_file, "LOCK_WAIT", 0.3)
    record_path().parent.mkdir(parents=True)
    with record_path().with_suffix(".lock").open("ab") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code, _, err = await run_async(capsys, "setting", url, "set", "2", "14.3", "--persist")
    assert (code, "another run holds the write record" in err) == (1, True)
    assert saves(sim) == 0


async def test_a_damaged_record_is_said_and_started_anew(
    sim_url: tuple[Simulator, str], capsys: pytest.CaptureFixture[str]
) -> None:
    sim, url = sim_url
    record_path().parent.mkdir(parents=True)
    record_path().write_text('{"format": 1, "written": {"2": "yest', encoding="utf-8")
    code, _, err = await run_async(capsys, "setting", url, "set", "2", "14.3", "--persist")
    assert code == 0
    assert f"vebus: warning: the write record {record_path()} is damaged" in err
    assert json.loads(record_path().read_text(encoding="utf-8"))["written"].keys() == {"2"}
    assert saves(sim) == 1


async def test_a_save_ended_by_a_signal_is_on_record(sim_url: tuple[Simulator, str]) -> None:
    """SIGTERM while the save's reply is awaited: the run ends, the attempt is recorded."""
    sim, url = sim_url
    handle = sim.handler.handle
    saved = asyncio.Event()

    def silent_after_a_save(frame: Frame) -> list[bytes]:
        if saved.is_set() or frame.payload[1:2] == b"\x37":
            saved.set()
            return []  # not stored, not answered: only the attempt is known
        return handle(frame)

    sim.handler.handle = silent_after_a_save  # type: ignore[method-assign]
    argv = ["setting", url, "set", "2", "14.3", "--persist"]
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "vebus", *argv)
    await asyncio.wait_for(saved.wait(), DEADLINE)
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), DEADLINE) == 128 + signal.SIGTERM
    del sim.handler.handle
    assert "2" in json.loads(record_path().read_text(encoding="utf-8"))["written"]
    done = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vebus", *argv, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(done.communicate(), DEADLINE)
    assert (done.returncode, b"too recently" in err) == (1, True)


async def test_restore_saves_through_the_record(
    sim_url: tuple[Simulator, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, url = sim_url
    file = str(tmp_path / "multiplus.json")
    assert (await run_async(capsys, "backup", url, file))[0] == 0
    sim.device.set_setting(2, 14.1)  # stored elsewhere: the backup's value is saved back
    code, _, _ = await run_async(capsys, "restore", url, file, "--save-permanently")
    assert (code, saves(sim)) == (0, 1)
    sim.device.set_setting(2, 14.1)
    code, out, _ = await run_async(capsys, "restore", url, file, "--save-permanently")
    assert code == 1  # refused: saved less than 10 minutes ago, by the run before
    assert "absorption_voltage" in out
    assert saves(sim) == 1
