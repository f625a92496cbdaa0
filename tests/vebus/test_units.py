"""Systems of several units: the library finds them and reads each one's own values."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import concurrent.futures
from dataclasses import replace
import json
import subprocess
import sys

import pytest
import pytest_asyncio

from tests.clock import FakeClock
from tests.waiting import wait_for
from vebus_sim import Faults, Simulator
from victron_serial.vebus import (
    CONTROL_SETTINGS,
    FLAG_SWITCHES,
    SLOW_INTERVAL,
    Setting,
    VEBusClient,
    VEBusUnit,
    VEBusUnitWriteError,
)
from victron_serial.vebus.cli import main
from victron_serial.vebus.protocol.ids import Flags0, RamVar
from victron_serial.vebus.reading.status import StatusPlan, find_units, read_status, status_to_json

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest_asyncio.fixture
async def three_phase() -> AsyncIterator[Simulator]:
    sim = Simulator("multiplus2-48", units=3, phases=3, paced=False, live=False, heartbeat=0)
    for unit, volts in zip(sim.device.units, (229.0, 231.0, 233.0), strict=True):
        unit.set_ram_value(RamVar.MAINS_VOLTAGE, volts)
        unit.set_ram_value(RamVar.BATTERY_VOLTAGE, volts / 4)
    sim.device.units[2].leds = (0x10, 0x10)
    yield sim
    await sim.stop()


async def test_each_unit_of_a_three_phase_system(three_phase: Simulator) -> None:
    async with VEBusClient(await three_phase.start_tcp()) as client:
        units = await find_units(client)
        assert units == (0, 1, 2)
        status = await read_status(client, StatusPlan(units=units))
        assert client.address == 0
        # The client's own requests still reach its own unit (selected again as needed).
        own = await client.dc_info()
        assert three_phase.device.address == 0
        units_0 = three_phase.device.units[0]
        assert own.voltage == pytest.approx(units_0.ram_value(RamVar.BATTERY_VOLTAGE))
    assert [unit.address for unit in status.units] == [0, 1, 2]
    for read, unit in zip(status.units, three_phase.device.units, strict=True):
        assert read.ac is not None and read.dc is not None and read.leds is not None
        assert read.ac.input_voltage == pytest.approx(unit.ram_value(RamVar.MAINS_VOLTAGE))
        assert read.dc.voltage == pytest.approx(unit.ram_value(RamVar.BATTERY_VOLTAGE))
        assert read.ac.input_frequency == pytest.approx(50.1, abs=0.05)
        assert (read.leds.on, read.leds.blink) == unit.leds
    data = status_to_json(status)
    assert [ac["input_voltage"] for ac in data["ac"]] == [229.0, 231.0, 233.0]  # phases
    assert [unit["ac"]["input_voltage"] for unit in data["units"]] == [229.0, 231.0, 233.0]
    assert data["units"][2]["leds"]["inverter"] == "blink_inverted"
    assert set(data["units"][0]) == {"address", "leds", "dc", "ac"}


async def test_a_single_unit_has_no_unit_list() -> None:
    sim = Simulator("multiplus-12", paced=False, live=False, heartbeat=0)
    try:
        async with VEBusClient(await sim.start_tcp()) as client:
            assert await find_units(client) == ()
            status = await read_status(client)
            assert client.address == 0
    finally:
        await sim.stop()
    data = status_to_json(status)
    assert data["units"] == []
    assert {"mk_version", "address", "leds", "dc", "ac", "ac_input", "power"} <= set(data)


async def test_a_unit_that_stops_answering(three_phase: Simulator) -> None:
    async with VEBusClient(await three_phase.start_tcp(), retries=0) as client:
        units = await find_units(client)
        three_phase.device.units.pop()  # unit 2 leaves the bus
        status = await read_status(client, StatusPlan(units=units))
        assert client.address == 0
    lost = status.units[2]
    assert (lost.address, lost.leds, lost.dc, lost.ac) == (2, None, None, None)
    assert status.units[1].ac is not None
    assert status_to_json(status)["units"][2] == {
        "address": 2,
        "leds": None,
        "dc": None,
        "ac": None,
    }


def test_monitor_json_shows_each_unit(capsys: pytest.CaptureFixture[str]) -> None:
    shape = ["--model", "multiplus2-48", "--units", "3", "--phases", "3", "--frozen"]
    process = subprocess.Popen(
        [sys.executable, "-m", "vebus_sim", "--tcp", "127.0.0.1:0", "--unpaced", *shape],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # asyncio.run of its own
            assert pool.submit(main, ["monitor", "--once", "--json", url]).result() == 0
            data = json.loads(capsys.readouterr().out)
            assert pool.submit(main, ["monitor", "--once", url]).result() == 0
            text = capsys.readouterr().out
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert [unit["address"] for unit in data["units"]] == [0, 1, 2]
    assert all(unit["ac"]["input_voltage"] > 200 for unit in data["units"])
    assert [ac["phase"] for ac in data["ac"]] == [1, 2, 3]
    assert [line.split(":")[0] for line in text.splitlines() if line.startswith("unit")] == [
        "unit 0",
        "unit 1",
        "unit 2",
    ]


async def test_monitor_of_units_without_the_device_state_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Older firmware answers winmon 0x0E with "unknown command": each unit is still found
    (an answer is an answer), and the state comes from the AC frame, as for one unit."""
    faults = Faults.parse("unsupported=command:0x0E")
    sim = Simulator("multiplus2-48", units=2, paced=False, live=False, faults=faults)
    try:
        url = await sim.start_tcp()
        loop = asyncio.get_running_loop()
        code = await loop.run_in_executor(None, main, ["monitor", "--once", "--json", url])
    finally:
        await sim.stop()
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert [unit["address"] for unit in data["units"]] == [0, 1]
    assert all(unit["dc"]["voltage"] > 40 for unit in data["units"])
    assert data["charge_state"] is None  # only the device state request has it
    assert data["state"] == "charge"  # from the AC frame


async def test_each_units_values_are_read_as_the_ac_frame_reads_them(
    three_phase: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """RAM 3 (AC output current) is signed whatever its info says (units report it as
    unsigned while the value goes negative), and every unit's values meet the system's
    plausibility bounds: a value no quantity can have is null, not a reading."""
    inverter_current = RamVar.INVERTER_CURRENT
    three_phase.device.units[1].set_ram_raw(inverter_current, 0xFFFE)  # -0.02 A
    three_phase.device.units[2].set_ram_raw(RamVar.BATTERY_VOLTAGE, 0xFFFF)  # 655.35 V
    three_phase.device.units[2].set_ram_raw(RamVar.MAINS_VOLTAGE, 0xFFFF)
    url = await three_phase.start_tcp()
    loop = asyncio.get_running_loop()
    code = await loop.run_in_executor(None, main, ["monitor", "--once", "--json", url])
    out, _ = capsys.readouterr()
    assert code == 0
    data = json.loads(out)
    assert data["ac"][1]["output_current"] == -0.02  # the phase frame of unit 1
    assert data["units"][1]["ac"]["output_current"] == -0.02
    assert data["units"][2]["dc"]["voltage"] is None
    assert data["units"][2]["ac"]["input_voltage"] is None
    assert data["units"][0]["dc"]["voltage"] > 40


# --- one configuration: settings and switches go to every unit ------------------------------

SYSTEMS = {"three phases": {"units": 3, "phases": 3}, "parallel": {"units": 2, "phases": 1}}
SETTINGS_PLAN = StatusPlan(leds=False, dc=False, ac=False, device_state=False, snapshot_ids=())
ABSORPTION, FLOAT = Setting.ABSORPTION_VOLTAGE, Setting.FLOAT_VOLTAGE
POWER_ASSIST = next(flag for flag in FLAG_SWITCHES if flag.key == "power_assist")
OWN_BITS = Flags0.MULTI_PHASE_SYSTEM | Flags0.MULTI_PHASE_LEADER  # each unit's place


@pytest_asyncio.fixture(params=list(SYSTEMS))
async def system(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Simulator, VEBusUnit]]:
    """A system of units of one configuration, each with its own place in it (flags0 bits
    0 and 1, which no switch owns), and the unit learnt against it."""
    sim = Simulator("multiplus2-48", paced=False, live=False, heartbeat=0, **SYSTEMS[request.param])
    for address, member in enumerate(sim.device.units):
        place = Flags0.MULTI_PHASE_SYSTEM | (Flags0.MULTI_PHASE_LEADER if address == 0 else 0)
        member.set_setting_raw(Setting.FLAGS0, member.setting_raw(Setting.FLAGS0) | place)
    unit = VEBusUnit(VEBusClient(await sim.start_tcp()), clock=FakeClock(start=1_800_000_000.0))
    await unit.discover(CONTROL_SETTINGS)
    await unit.refresh(SETTINGS_PLAN)
    yield sim, unit
    await unit.close()
    await sim.stop()


def places(sim: Simulator) -> list[int]:
    return [member.setting_raw(Setting.FLAGS0) & OWN_BITS for member in sim.device.units]


async def test_settings_and_switches_go_to_every_unit(
    system: tuple[Simulator, VEBusUnit],
) -> None:
    sim, unit = system
    members = sim.device.units
    before = places(sim)
    await unit.write_setting(ABSORPTION, 57.0)  # RAM only
    assert [member.setting(ABSORPTION) for member in members] == [57.0] * len(members)
    await unit.set_flag(POWER_ASSIST, False)
    assert not any(member.setting_raw(Setting.FLAGS0) & Flags0.POWER_ASSIST for member in members)
    assert places(sim) == before  # each unit keeps its own bits
    await unit.write_setting(FLOAT, 54.0, persist=True)  # one save: every unit's EEPROM once
    assert [member.eeprom_writes for member in members] == [{FLOAT: 1}] * len(members)
    assert [member.eeprom_raw(FLOAT) for member in members] == [5400] * len(members)
    session = unit.client.session
    sim.heartbeat = 0.02
    sim.device.restart()  # every unit forgets what was RAM only, and gets it back
    await wait_for(lambda: unit.client.session != session, "the rebooted interface speaks")
    state = await unit.refresh(SETTINGS_PLAN)
    assert [member.setting(ABSORPTION) for member in members] == [57.0] * len(members)
    assert not any(member.setting_raw(Setting.FLAGS0) & Flags0.POWER_ASSIST for member in members)
    assert places(sim) == before
    assert state.disagreements == ()


async def test_a_unit_that_does_not_take_a_setting_is_named(
    system: tuple[Simulator, VEBusUnit],
) -> None:
    """Unit 1 allows less than unit 0: the write fails naming it, and what the RAM-only
    write changed on unit 0 is set back at the next refresh (one configuration)."""
    sim, unit = system
    member = sim.device.units[1]
    info = member.model.setting_info[ABSORPTION]
    member.model = replace(
        member.model,
        setting_info={**member.model.setting_info, ABSORPTION: replace(info, maximum=5800)},
    )
    with pytest.raises(
        VEBusUnitWriteError, match="absorption_voltage: the unit at address 1"
    ) as caught:
        await unit.write_setting(ABSORPTION, 59.0)
    assert caught.value.address == 1
    assert sim.device.setting(ABSORPTION) == 59.0  # unit 0 took it
    await unit.refresh(SETTINGS_PLAN)
    assert [m.setting(ABSORPTION) for m in sim.device.units] == [57.6] * len(sim.device.units)
    with pytest.raises(VEBusUnitWriteError):
        await unit.write_setting(ABSORPTION, 59.0, persist=True)
    assert ABSORPTION in unit.eeprom.saved  # unit 0's EEPROM was written: it counts


async def test_units_that_disagree_are_reported_until_written_alike(
    system: tuple[Simulator, VEBusUnit],
) -> None:
    sim, unit = system
    last = sim.device.units[-1]
    last.set_setting(ABSORPTION, 57.0)  # VEConfigure, or a write of unit 0 alone
    flags0 = last.setting_raw(Setting.FLAGS0)
    last.set_setting_raw(Setting.FLAGS0, flags0 ^ Flags0.POWER_ASSIST)
    assert isinstance(unit.clock, FakeClock)
    unit.clock.advance(SLOW_INTERVAL)  # settings are read again: someone may change them
    state = await unit.refresh(SETTINGS_PLAN)
    address = last.bus_address
    assert [str(d) for d in state.disagreements] == [
        "power_assist: "
        + ", ".join(
            f"unit {a} {'off' if a == address else 'on'}" for a in range(len(sim.device.units))
        ),
        "absorption_voltage: "
        + ", ".join(
            f"unit {a} {'57 V' if a == address else '57.6 V'}" for a in range(len(sim.device.units))
        ),
    ]
    await unit.write_setting(ABSORPTION, 57.2, persist=True)
    await unit.set_flag(POWER_ASSIST, True, persist=True)
    state = await unit.refresh(SETTINGS_PLAN)
    assert state.disagreements == ()


async def test_the_command_line_writes_every_unit(
    system: tuple[Simulator, VEBusUnit], capsys: pytest.CaptureFixture[str]
) -> None:
    sim, _ = system
    loop = asyncio.get_running_loop()
    argv = ["setting", sim.tcp_url or "", "set", "float_voltage", "53.6", "--persist"]
    assert await loop.run_in_executor(None, main, argv) == 0
    assert [member.eeprom_raw(FLOAT) for member in sim.device.units] == [5360] * len(
        sim.device.units
    )
