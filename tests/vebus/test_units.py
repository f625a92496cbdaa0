"""Systems of several units: the library finds them and reads each one's own values."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import concurrent.futures
import json
import subprocess
import sys

import pytest
import pytest_asyncio

from vebus import VEBusClient
from vebus.cli import main
from vebus.ids import RamVar
from vebus.status import StatusPlan, find_units, read_status, status_to_json
from vebus_sim import Simulator

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


def test_monitor_of_units_without_the_device_state_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Older firmware answers winmon 0x0E with "unknown command": each unit is still found
    (an answer is an answer), and the state comes from the AC frame, as for one unit."""
    shape = ["--model", "multiplus2-48", "--units", "2", "--frozen"]
    faults = ["--faults", "unsupported=command:0x0E"]
    process = subprocess.Popen(
        [sys.executable, "-m", "vebus_sim", "--tcp", "127.0.0.1:0", "--unpaced", *shape, *faults],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # asyncio.run of its own
            code = pool.submit(main, ["monitor", "--once", "--json", url]).result()
    finally:
        process.terminate()
        process.wait(timeout=10)
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
