"""Systems of several units: each answers at its own VE.Bus address ('A'), with its own
LEDs, alarms, DC and AC values and RAM; the master's 'F' 1..3 give the three phases."""

from __future__ import annotations

import pytest

from tests.sim.raw import Connect, Wire, decode_all, h, reply, x
from vebus_sim.vebus.device import SimDevice
from victron_serial.vebus import DeviceState
from victron_serial.vebus.protocol import (
    AcInfoReply,
    AddressRequest,
    DcInfoReply,
    InfoRequest,
    LedReply,
    SetStateRequest,
    WriteViaId,
)
from victron_serial.vebus.protocol.ids import RamVar
from victron_serial.vebus.protocol.winmon import id_args


async def select(wire: Wire, address: int) -> None:
    request = AddressRequest.select(address).encode()
    assert await wire.ask(request) == request


async def ac(wire: Wire, phase: int) -> AcInfoReply:
    frame = AcInfoReply.decode(decode_all(await wire.ask(InfoRequest(phase).encode()))[0])
    assert frame is not None
    return frame


async def leds(wire: Wire) -> LedReply:
    frame = LedReply.decode(decode_all(await wire.ask(h("02 FF 4C B3")))[0])
    assert frame is not None
    return frame


async def dc(wire: Wire) -> DcInfoReply:
    frame = DcInfoReply.decode(decode_all(await wire.ask(h("03 FF 46 00 B8")))[0])
    assert frame is not None
    return frame


async def test_three_phase_system_answers_per_unit(connect: Connect) -> None:
    sim, wire = await connect("multiplus2-48", units=3, phases=3)
    system = sim.device
    units = system.units
    assert [(u.bus_address, u.phase) for u in units] == [(0, 1), (1, 2), (2, 3)]
    for unit, volts in zip(units, (23000, 23100, 23200), strict=True):
        unit.set_ram_raw(RamVar.MAINS_VOLTAGE, volts)
    units[1].leds, units[1].alarms = (0x10, 0x20), 0x04
    units[2].set_ram_raw(RamVar.BATTERY_VOLTAGE, 5299)
    units[2].device_state = DeviceState.INVERT_FULL

    phases = [await ac(wire, phase) for phase in (1, 2, 3)]  # the master's view
    assert [f.phase_info for f in phases] == [0x0A, 0x07, 0x06]
    assert [f.mains_voltage for f in phases] == [23000, 23100, 23200]
    assert [f.bf_factor for f in phases] == [1, 1, 1]
    assert phases[2].state == DeviceState.INVERT_FULL
    wire.send(InfoRequest(4).encode())
    assert await wire.quiet() == b""

    await select(wire, 1)
    unit_leds = await leds(wire)
    assert (unit_leds.on, unit_leds.blink, unit_leds.alarms) == (0x10, 0x20, 0x04)
    assert (await ac(wire, 2)).mains_voltage == 23100  # its own phase
    assert (await ac(wire, 1)).mains_voltage == 23000  # another phase: its leader's
    assert await wire.ask(x(0x30, bytes((RamVar.MAINS_VOLTAGE,)))) == reply(0x85, id_args(23100))
    await select(wire, 2)
    assert (await dc(wire)).voltage == 5299
    assert (await leds(wire)).on == units[2].leds[0]
    await select(wire, 0)
    assert (await dc(wire)).voltage == units[0].ram_raw(RamVar.BATTERY_VOLTAGE)
    assert (await leds(wire)).on == units[0].leds[0]

    await select(wire, 3)  # nobody there: only the MK3 itself and F5 answer
    for request in (h("02 FF 4C B3"), h("03 FF 46 00 B8"), h("03 FF 46 01 B7"), x(0x30, b"\x00")):
        wire.send(request)
    assert await wire.quiet() == b""
    assert decode_all(await wire.ask(h("03 FF 46 05 B3")))[0].frame_type == 0x41
    assert (await wire.ask(h("02 FF 56 A9")))[2] == ord("V")


async def test_each_unit_keeps_its_own_settings_and_ess(connect: Connect) -> None:
    sim, wire = await connect("multiplus2-48", units=3, phases=3)
    master, second, _ = sim.device.units
    await select(wire, 1)
    write = x(0x37, WriteViaId(0x03, 2, 5600).args())
    assert await wire.ask(write) == reply(0x88, b"\x00")
    assert (second.setting_raw(2), master.setting_raw(2)) == (5600, 5760)
    setpoint = second.ess_setpoint_id
    assert setpoint is not None
    assert await wire.ask(x(0x37, WriteViaId(0x02, setpoint, 300).args())) == reply(0x87)
    assert (second.ess_setpoint, master.ess_setpoint) == (300, 0)
    sim.device.restart()  # the whole system restarts: every RAM-only value is gone
    assert (second.setting_raw(2), second.ess_setpoint) == (5760, 0)


async def test_parallel_units_share_a_phase(connect: Connect) -> None:
    sim, wire = await connect("multiplus2-48", units=2)
    master, slave = sim.device.units
    assert (master.phase, slave.phase) == (1, 1)
    slave.set_ram_raw(RamVar.MAINS_CURRENT, 200)
    system_view = await ac(wire, 1)
    assert (system_view.phase_info, system_view.bf_factor, system_view.inverter_factor) == (
        0x08,
        2,
        2,
    )
    assert system_view.mains_current == master.ram_raw(RamVar.MAINS_CURRENT)
    await select(wire, 1)
    own = await ac(wire, 1)
    assert (own.phase_info, own.bf_factor, own.mains_current) == (0x08, 1, 200)
    # The switch, the input current limit and the AC input are the system's.
    assert await wire.ask(SetStateRequest(1, 160).encode()) == h("02 FF 53 AC")
    assert slave.switch_state == master.switch_state == 1
    assert sim.device.current_limit == 16.0
    assert slave.unit_current_limit == 8.0


def test_live_units_each_have_their_physics() -> None:
    system = SimDevice("multiplus2-48", units=3, phases=3, live=True, seed=5, clock=lambda: 0.0)
    system.units[2].load = 3000
    system.advance(120)
    volts = {unit.ram_raw(RamVar.MAINS_VOLTAGE) for unit in system.units}
    assert len(volts) == 3  # each phase's mains wanders on its own
    loads = [unit.ram_value(RamVar.OUTPUT_POWER) for unit in system.units]
    assert loads[2] > 2 * loads[0]
    system.mains_present = False
    assert all(unit.device_state == DeviceState.INVERT_FULL for unit in system.units)
    system.asleep = True
    system.advance(1)
    assert all(unit.leds == (0, 0) for unit in system.units)


def test_system_shapes() -> None:
    assert len(SimDevice(phases=3, live=False).units) == 3
    assert [u.phase for u in SimDevice(units=6, phases=3, live=False).units] == [1, 2, 3, 1, 2, 3]
    with pytest.raises(ValueError, match="one unit per phase"):
        SimDevice(units=2, phases=3)
    with pytest.raises(ValueError, match="phases"):
        SimDevice(phases=4)
