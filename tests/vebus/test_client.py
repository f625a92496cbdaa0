"""The real client against the simulator over a real pty or TCP socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import os
from pathlib import Path

import pytest

from tests.waiting import wait_for
from vebus_sim import Simulator
from victron_serial.vebus import ChargeState, ForcedChargeState, SwitchState
from victron_serial.vebus.client import VEBusClient
from victron_serial.vebus.device.states import Mode
from victron_serial.vebus.errors import (
    VEBusAccessDeniedError,
    VEBusConnectionError,
    VEBusInvalidPortError,
    VEBusOutOfRangeError,
    VEBusPortBusyError,
    VEBusPortLostError,
    VEBusPortNotFoundError,
    VEBusTimeoutError,
    VEBusUnsupportedError,
)
from victron_serial.vebus.protocol.ids import Lines
from victron_serial.vebus.protocol.variables import WRITE_RAM_ONLY
from victron_serial.vebus.protocol.winmon import Code
from victron_serial.vebus.reading.status import read_status

WRITE_VIA_ID = bytes((Code.WRITE_VIA_ID,))


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator("multiplus-12", paced=False, live=False, seed=1)
    yield simulator
    await simulator.stop()


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[VEBusClient]:
    vebus = VEBusClient(await sim.start_pty())
    await vebus.connect()
    yield vebus
    await vebus.close()


def writes_seen(sim: Simulator) -> list[bytes]:
    """WriteViaID requests that reached the simulator."""
    return [r for r in sim.requests if len(r) > 3 and r[3:4] == WRITE_VIA_ID]


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize("endpoint", ["pty", "tcp"])
async def test_probe_over_pty_and_tcp(sim: Simulator, endpoint: str) -> None:
    url = await (sim.start_pty() if endpoint == "pty" else sim.start_tcp())
    async with VEBusClient(url) as vebus:
        info = await vebus.probe()
    assert info.interface_version == 1170212
    assert info.is_mk3
    assert info.interface_model == "MK3"
    assert info.firmware_version == sim.device.firmware
    assert info.serial_number == sim.device.serial


async def test_status_is_what_the_simulator_holds(sim: Simulator, client: VEBusClient) -> None:
    status = await read_status(client)
    device = sim.device
    assert status.dc is not None
    assert status.dc.voltage == pytest.approx(device.ram_value(4), abs=0.005)
    assert status.dc.current == pytest.approx(device.ram_value(5), abs=0.01)
    assert status.ac[0].input_voltage == pytest.approx(device.ram_value(0), abs=0.005)
    assert status.ac[0].output_voltage == pytest.approx(device.ram_value(2), abs=0.005)
    assert status.ac[0].phases == 1
    assert status.ac_input is not None
    assert status.ac_input.current_limit == pytest.approx(device.current_limit)
    assert status.device is not None
    assert status.device.state == device.device_state
    assert status.device.charge_state == device.charge_state
    for ram_id in (14, 15, 16):
        assert status.ram[ram_id] == pytest.approx(device.ram_value(ram_id))
    assert status.soc == pytest.approx(device.soc, abs=0.1)


async def test_multi_phase_system_reports_every_phase() -> None:
    sim = Simulator("multiplus2-48", phases=3, paced=False, live=False)
    try:
        async with VEBusClient(await sim.start_pty()) as vebus:
            status = await read_status(vebus)
    finally:
        await sim.stop()
    assert [ac.phase for ac in status.ac] == [1, 2, 3]
    assert status.phases == 3


async def test_settings_ram_only_take_effect_without_touching_eeprom(
    sim: Simulator, client: VEBusClient
) -> None:
    stored = await client.read_setting(2)
    assert stored == pytest.approx(sim.device.setting(2))
    reset_needed = await client.write_setting(2, 14.2)
    assert not reset_needed
    assert sim.device.setting(2) == pytest.approx(14.2)  # in force
    assert await client.read_setting(2) == pytest.approx(stored)  # EEPROM unchanged
    assert sim.device.eeprom_writes.get(2, 0) == 0
    await client.write_setting(2, 14.3, persist=True)
    assert sim.device.eeprom_writes[2] == 1
    assert await client.read_setting(2) == pytest.approx(14.3)


async def test_out_of_range_setting_never_reaches_the_wire(
    sim: Simulator, client: VEBusClient
) -> None:
    scale = await client.setting_info(2)
    assert scale is not None
    before = len(writes_seen(sim))
    with pytest.raises(VEBusOutOfRangeError) as caught:
        await client.write_setting(2, scale.maximum + 0.5)
    assert (caught.value.minimum, caught.value.maximum) == (scale.minimum, scale.maximum)
    with pytest.raises(VEBusOutOfRangeError):
        await client.set_panel_state(Mode.ON, 200)
    assert len(writes_seen(sim)) == before
    assert sim.device.current_limit != 200


async def test_mode_and_current_limit_reach_the_device(sim: Simulator, client: VEBusClient) -> None:
    await client.set_panel_state(Mode.CHARGER_ONLY, 12.5)
    assert sim.device.switch_state == SwitchState.CHARGER_ONLY
    assert sim.device.current_limit == pytest.approx(12.5)
    config = await client.ac_input_config()
    assert config.remote_mode is Mode.CHARGER_ONLY
    assert config.current_limit == pytest.approx(12.5)
    await client.set_panel_state(Mode.ON)
    assert sim.device.switch_state == SwitchState.ON
    assert sim.device.current_limit == pytest.approx(12.5)  # limit untouched


async def test_interface_lines_and_mk2(sim: Simulator, client: VEBusClient) -> None:
    assert await client.set_interface(standby=True) == Lines.PANEL_DETECT | Lines.STANDBY
    assert sim.device.interface_lines & Lines.STANDBY
    mk2 = Simulator(mk2=True, paced=False)
    try:
        async with VEBusClient(await mk2.start_pty()) as vebus:
            assert await vebus.version() == 1130134
            with pytest.raises(VEBusUnsupportedError):
                await vebus.set_interface(standby=True)
    finally:
        await mk2.stop()


async def test_ram_variables_and_the_ess_setpoint(sim: Simulator, client: VEBusClient) -> None:
    values = await client.read_ram_vars([4, 5, 13, 10])
    assert values[4] == pytest.approx(sim.device.ram_value(4), abs=0.005)
    ram_id = await client.find_ess_setpoint()
    assert ram_id == sim.device.ess_setpoint_id
    await client.write_ess_setpoint(ram_id, 300)  # + = charge
    assert sim.device.ess_setpoint == -300  # the device counts + as feeding in
    assert await client.read_ess_setpoint(ram_id) == 300
    assert sim.device.ram_eeprom_writes.get(ram_id, 0) == 0
    sent = writes_seen(sim)[-1]
    assert sent[4] == WRITE_RAM_ONLY  # flags 0x02: RAM only, no EEPROM


async def test_no_ess_assistant() -> None:
    sim = Simulator(ess=False, paced=False)
    try:
        async with VEBusClient(await sim.start_pty()) as vebus:
            assert await vebus.find_ess_setpoint() is None
    finally:
        await sim.stop()


async def test_both_reply_forms_give_the_same_answers(sim: Simulator, client: VEBusClient) -> None:
    split = (await client.setting_info(3), await client.ram_var_info(4))
    version_split = await client.firmware_version()
    sim.device.combined_replies = True
    await client.connect()  # a new connection forgets cached info
    combined = (await client.setting_info(3), await client.ram_var_info(4))
    assert combined == split
    assert await client.firmware_version() == version_split


async def test_unsupported_and_access_denied(sim: Simulator, client: VEBusClient) -> None:
    sim.faults.unsupported_ram.add(13)
    sim.faults.unsupported_settings.add(4)
    sim.faults.denied_settings[3] = 0x80
    await client.connect()
    assert await client.ram_var_info(13) is None
    assert (await client.read_ram_vars([13]))[13] is None
    assert await client.setting_info(4) is None
    with pytest.raises(VEBusUnsupportedError):
        await client.write_setting(4, 10)
    attempts = len(writes_seen(sim))
    with pytest.raises(VEBusAccessDeniedError) as caught:
        await client.write_setting(3, 13.5)
    assert caught.value.level == 0x80
    assert len(writes_seen(sim)) == attempts + 1  # refused once, not retried blindly


async def test_noise_heartbeats_and_unrelated_frames_change_nothing(sim: Simulator) -> None:
    clean_url = await sim.start_pty()
    async with VEBusClient(clean_url) as vebus:
        clean = await read_status(vebus)
    sim.faults.noise = 0.5
    sim.faults.unrelated = 0.5
    sim.heartbeat = 0.01
    async with VEBusClient(clean_url) as vebus:
        noisy = await read_status(vebus)
        assert vebus.stats.ignored_frames > 0 or vebus.decoder.stats.dropped_bytes > 0
    assert noisy.dc == clean.dc
    assert noisy.ac == clean.ac
    assert noisy.ac_input == clean.ac_input
    assert noisy.ram == clean.ram


async def test_corrupted_replies_are_retried(sim: Simulator, client: VEBusClient) -> None:
    sim.faults.bit_flip = 0.02
    for _ in range(5):
        dc = await client.dc_info()
        assert dc.voltage == pytest.approx(sim.device.ram_value(4), abs=0.005)
    assert client.decoder.stats.checksum_errors + client.decoder.stats.dropped_bytes > 0


async def test_silent_device_times_out_within_the_budget(
    sim: Simulator, client: VEBusClient
) -> None:
    await client.version()
    sim.faults.silent = True
    with pytest.raises(VEBusTimeoutError):
        await client.leds()
    # The budget: the first attempt and each retry wait once; nothing waits longer.
    assert client.stats.timeouts == client.retries + 1


async def test_concurrent_callers_queue(sim: Simulator, client: VEBusClient) -> None:
    results = await asyncio.gather(*(client.read_setting(2) for _ in range(5)), client.dc_info())
    assert all(value == pytest.approx(sim.device.setting(2)) for value in results[:5])


async def test_port_errors_are_typed(tmp_path: Path, sim: Simulator) -> None:
    with pytest.raises(VEBusPortNotFoundError):
        await VEBusClient(str(tmp_path / "ttyUSB9")).connect()
    with pytest.raises(VEBusInvalidPortError):
        await VEBusClient(str(tmp_path)).connect()
    plain = tmp_path / "file"
    plain.write_text("not a tty")
    with pytest.raises(VEBusInvalidPortError):
        await VEBusClient(str(plain)).connect()
    with pytest.raises(VEBusInvalidPortError):
        await VEBusClient("socket://no-port-here").connect()
    path = await sim.start_pty()
    async with VEBusClient(path):
        with pytest.raises(VEBusPortBusyError):
            await VEBusClient(path).connect()


async def test_unplug_is_reported_and_the_client_reconnects(tmp_path: Path) -> None:
    sim = Simulator(paced=False)
    link = str(tmp_path / "ttyVEBUS")
    try:
        async with VEBusClient(await sim.start_pty(link=link)) as vebus:
            await vebus.version()
            await sim.unplug()
            with pytest.raises(VEBusConnectionError):
                await vebus.leds()
            assert not vebus.connected
            await sim.replug()
            assert os.path.exists(link)
            leds = await vebus.leds()  # reconnects by itself
            assert leds.on == sim.device.leds[0]
            assert vebus.stats.connects == 2
    finally:
        await sim.stop()


async def test_a_failed_write_marks_the_port_lost_at_once(
    client: VEBusClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write may see an unplug before the reader task runs (as on Python 3.14)."""
    await client.version()
    transport = client.link._transport
    assert transport is not None

    def lost(data: bytes) -> None:
        raise VEBusPortLostError(f"{transport.url}: Connection lost")

    monkeypatch.setattr(transport, "write", lost)
    with pytest.raises(VEBusPortLostError):
        await client.leds()
    assert not client.connected  # at once, not when the reader task next runs
    assert client.stats.connection_losses == 1
    await client.leds()  # a new transport: reconnected
    assert client.connected
    assert client.stats.connects == 2
    assert client.stats.connection_losses == 1


async def test_a_port_closed_before_the_reader_noticed_is_reopened(client: VEBusClient) -> None:
    await client.version()
    transport = client.link._transport
    assert transport is not None and transport._serial is not None
    transport._serial.abort()  # closed under the client, no loop turn since
    assert not transport.is_open
    await client.leds()  # reconnects instead of writing to the closed port
    assert client.stats.connects == 2
    assert client.stats.connection_losses == 1


async def test_interface_reset_is_noticed(sim: Simulator, client: VEBusClient) -> None:
    await client.version()
    session = client.session
    await client.select_address(0)
    await client.reset_interface()
    await client.leds()  # selects the address again first
    assert client.session >= session
    assert sim.device.address == 0


async def test_sleep_silences_and_wake_restores(sim: Simulator, client: VEBusClient) -> None:
    await client.version()
    await client.sleep()
    await wait_for(lambda: sim.device.asleep, "the unit asleep")
    with pytest.raises(VEBusTimeoutError):
        await client.leds()
    await client.wake(timeout=3)
    assert not sim.device.asleep


async def test_forced_charge_state(sim: Simulator, client: VEBusClient) -> None:
    status = await client.force_charge_state(ForcedChargeState.FLOAT)
    assert status.charge_state is ChargeState.FLOAT
    assert sim.device.charge_state is ChargeState.FLOAT


async def test_snapshot_reads_what_the_device_holds(sim: Simulator, client: VEBusClient) -> None:
    values = await client.snapshot([14, 16, 15])
    assert values == {i: pytest.approx(sim.device.ram_value(i)) for i in (14, 16, 15)}


async def test_flag_registers_are_bounded_by_their_bit_mask(
    sim: Simulator, client: VEBusClient
) -> None:
    scale = await client.setting_info(0)
    assert scale is not None
    current = await client.read_setting_raw(0)
    mask = scale.info.maximum
    assert current > mask  # numerically "above max", yet a valid flag word
    await client.write_setting(0, current ^ 0x40)  # DisableCharge is a supported bit
    assert sim.device.setting_raw(0) == current ^ 0x40
    unsupported_bit = next(1 << b for b in range(16) if not mask & 1 << b)
    writes = len(writes_seen(sim))
    with pytest.raises(VEBusOutOfRangeError):
        await client.write_setting(0, current ^ unsupported_bit)
    assert len(writes_seen(sim)) == writes
