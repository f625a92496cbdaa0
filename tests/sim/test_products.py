"""Every product model: the captured frames that apply to it, byte for byte, and what
makes it the product it is (firmware generation, settings, AC inputs, no charger)."""

from __future__ import annotations

import pytest

from tests.sim.raw import Connect, combined_mode, decode_all, h, reply, x
from vebus_sim.vebus.device import SimDevice
from vebus_sim.vebus.models import ACCESS_BYTE_FIRMWARE, MODELS
from vebus_sim.vebus.settings import VS_SOC_LIMIT
from vebus_sim.vebus.unit import SimUnit
from victron_serial.vebus import DeviceState, SwitchState
from victron_serial.vebus.protocol import (
    AcInputConfigReply,
    GetSettingInfo,
    RawSettingInfo,
    SetStateRequest,
    WriteViaId,
)
from victron_serial.vebus.protocol.ids import RamVar, Setting
from victron_serial.vebus.protocol.winmon import id_args

ALL = sorted(MODELS)
WITH_AC_INPUT = sorted(name for name, model in MODELS.items() if model.ac_inputs)
VIRTUAL_SWITCH = range(Setting.VS_USAGE, Setting.VS_OFF_SOC_TIME + 1)
IGNORE_AC_SWITCH = range(
    Setting.VS2_ON_LOAD_HIGHER_THAN, Setting.VS2_OFF_BATTERY_VOLTAGE_HIGHER_TIME + 1
)


def captured_ac(unit: SimUnit, mains_current: int, output_current: int) -> None:
    """The AC state of vectors #18 / #20, whatever the product starts with."""
    for var, raw in {0: 22698, 1: mains_current, 2: 22698, 3: output_current, 8: 195}.items():
        unit.set_ram_raw(var, raw)
    unit.device_state = DeviceState.CHARGE


@pytest.mark.parametrize("model", ALL)
async def test_interface_led_and_info_vectors(connect: Connect, model: str) -> None:
    sim, wire = await connect(model)
    assert await wire.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 42 52")  # 1, 2
    assert await wire.ask(h("04 FF 41 01 00 BB")) == h("04 FF 41 01 00 BB")  # 8
    sim.device.leds = (0x01, 0x0C)
    assert await wire.ask(h("02 FF 4C B3")) == h("08 FF 4C 01 0C 00 00 80 00 20")  # 11
    assert await wire.ask(h("05 FF 57 36 00 00 6F")) == h("08 FF 57 8E 9C 7F 8F 00 00 6A")  # 44
    sim.device.set_setting_raw(0, 0x8134)
    assert await wire.ask(x(0x31, id_args(0))) == h("05 FF 58 86 34 81 69")  # 69
    await combined_mode(wire)
    assert await wire.ask(h("05 FF 59 36 00 00 6D")) == h("07 FF 59 8E 9C 7F 00 00 F8")  # 34
    assert await wire.ask(x(0x36, id_args(20), "Z")) == h("03 FF 5A 8E 16")  # 35
    assert await wire.ask(x(0x35, id_args(13), "Y")) == h("03 FF 59 89 1C")  # 37


@pytest.mark.parametrize("model", WITH_AC_INPUT)
async def test_ac_frame_and_snapshot_vectors(connect: Connect, model: str) -> None:
    sim, wire = await connect(model)
    unit = sim.device
    captured_ac(unit, 171, 154)
    unit.ac_reserved = 0xCA
    assert await wire.ask(h("03 FF 46 01 B7")) == h(
        "0F 20 01 01 CA 09 08 AA 58 AB 00 AA 58 9A 00 C3 E8"
    )  # 18
    for var, raw in {14: -375, 16: 5, 15: 370}.items():
        unit.set_ram_raw(var, raw)
    wire.send(h("06 FF 46 06 0E 10 0F 82"))  # 21
    assert await wire.ask(h("03 FF 58 38 6E")) == h("09 FF 58 99 89 FE 05 00 72 01 08")  # 22, 23


@pytest.mark.parametrize("model", ALL)
async def test_assistant_and_ess_write_vectors(connect: Connect, model: str) -> None:
    sim, wire = await connect(model)
    sim.device.set_assistants([(9, 0)])
    sim.device.set_ram_raw(0, 22881)
    assert await wire.ask(h("05 FF 58 30 80 00 F4")) == h("07 FF 58 85 90 00 61 59 D3")  # 26, 27
    sim.device.set_assistants([(1, 1), (5, 4)])
    assert await wire.ask(h("07 FF 5A 37 00 83 72 01 73")) == h("03 FF 5A 87 1D")  # 28, 29
    assert sim.device.ess_setpoint == 370


@pytest.mark.parametrize("model", ALL)
async def test_setting_write_reply_follows_the_firmware(connect: Connect, model: str) -> None:
    sim, wire = await connect(model)
    answer = await wire.ask(h("07 FF 59 37 01 40 D0 07 52"))  # 31: setting 64 := 2000
    if MODELS[model].write_status:  # bit 0: battery capacity needs a restart
        assert answer == reply(0x88, b"\x01", "Y")
    else:
        assert answer == h("03 FF 59 88 1D")  # 32
    assert sim.device.eeprom_raw(64) == 2000


@pytest.mark.parametrize("model", ["multiplus2-48", "quattro-48"])
async def test_48v_vectors_67_68(connect: Connect, model: str) -> None:
    sim, wire = await connect(model)
    await combined_mode(wire)
    # 67, captured on a unit with one AC input; a Quattro's mask has bit 15 (AC2) too.
    mask = "FC 6F 00 69" if model == "multiplus2-48" else "FC EF 00 E9"
    assert await wire.ask(x(0x35, id_args(0))) == h(f"0E FF 58 89 01 00 00 00 B4 89 00 00 {mask}")
    ack = h("04 FF 58 88 00 1D") if MODELS[model].write_status else reply(0x88)
    assert await wire.ask(h("07 FF 58 37 03 02 30 16 20")) == ack  # 68
    assert sim.device.setting(2) == pytest.approx(56.8)


@pytest.mark.parametrize("model", ALL)
async def test_combined_setting_info_carries_the_access_byte_from_firmware_308(
    connect: Connect, model: str
) -> None:
    _, wire = await connect(model)
    await combined_mode(wire)
    frame = decode_all(await wire.ask(x(0x35, id_args(Setting.BATTERY_CAPACITY))))[0]
    data = frame.data[1:]  # after 0x89
    if MODELS[model].firmware_version >= ACCESS_BYTE_FIRMWARE:
        assert (len(data), data[-1]) == (11, 0x80)  # battery capacity: reset required
    else:
        assert len(data) == 10  # vectors #36
    assert frame == decode_all(await wire.ask(x(0x35, bytes((Setting.BATTERY_CAPACITY,)))))[0]


@pytest.mark.parametrize("combined", [False, True])
async def test_setting_info_with_a_one_byte_id(connect: Connect, combined: bool) -> None:
    _, wire = await connect("multiplus2-48")
    if combined:
        await combined_mode(wire)
    frames = len(GetSettingInfo.answer(RawSettingInfo(1, 0, 0, 0, 0), combined))
    for setting in (Setting.FLAGS0, Setting.ABSORPTION_VOLTAGE, Setting.SLAVES_CONNECTED):
        wire.send(x(0x35, bytes((setting,))))  # `04 FF 58 35 02 ..` as vectors #67's client
        short = [await wire.frame() for _ in range(frames)]
        wire.send(x(0x35, id_args(setting)))
        assert short == [await wire.frame() for _ in range(len(short))]
        assert all(frame[3] != 0x80 for frame in short)


@pytest.mark.parametrize("model", ALL)
def test_each_model_is_consistent(model: str) -> None:
    spec = MODELS[model]
    settings = set(spec.setting_info)
    vs_ram = RamVar.VIRTUAL_SWITCH_POSITION in spec.var_info
    assert not vs_ram or set(VIRTUAL_SWITCH) <= settings  # RAM 10 only with its settings
    if spec.has_charger:
        assert set(IGNORE_AC_SWITCH) | {2, 3, 4, 6, 44, 45, 46, 47, 48} <= settings
    else:
        assert not settings & {2, 3, 4, 6, 7, 8, 9, 10, 49, 65, *IGNORE_AC_SWITCH}
        assert RamVar.INPUT_POWER not in spec.var_info
    assert (Setting.AC_INPUT_2_CURRENT_LIMIT in settings) == (spec.ac_inputs == 2)
    for setting, info in spec.setting_info.items():
        assert info.scale != 0
        assert info.minimum <= spec.setting_default(setting) <= info.maximum or setting in (
            0,
            1,
            60,
            61,
        )
    assert len(spec.serial) == 11
    assert VS_SOC_LIMIT in settings


async def test_quattro_switches_between_its_two_inputs(connect: Connect) -> None:
    sim, wire = await connect("quattro-48")
    device = sim.device

    async def f5() -> AcInputConfigReply:
        reply_frame = AcInputConfigReply.decode(decode_all(await wire.ask(h("03 FF 46 05 B3")))[0])
        assert reply_frame is not None
        return reply_frame

    first = await f5()
    assert (first.input_count, first.active_input, first.actual) == (2, 0, 320)  # setting 6
    device.active_input = 1
    second = await f5()
    assert (second.active_input, second.actual, second.limit_adjustable) == (1, 160, True)
    assert await wire.ask(SetStateRequest(3, 250).encode()) == h("02 FF 53 AC")
    assert (await f5()).actual == 250  # flags0 bit 15: the remote overrules AC2
    device.set_setting_raw(0, device.setting_raw(0) & ~0x8000, persist=False)
    overruled = await f5()
    assert (overruled.actual, overruled.limit_adjustable) == (160, False)  # setting 49 again
    wire.send(x(0x37, WriteViaId(0x03, Setting.AC_INPUT_2_CURRENT_LIMIT, 400).args()))
    assert await wire.frame() == reply(0x88)
    assert (await f5()).actual == 400
    with pytest.raises(ValueError, match="2 AC input"):
        device.active_input = 2


async def test_phoenix_has_no_charger_and_no_ac_input(connect: Connect) -> None:
    sim, wire = await connect("phoenix-24")
    device = sim.device
    f5 = AcInputConfigReply.decode(decode_all(await wire.ask(h("03 FF 46 05 B3")))[0])
    assert f5 is not None
    assert (f5.input_count, f5.minimum, f5.maximum, f5.actual) == (0, 0, 0, 0)
    for setting in (2, 3, 4, 6, 65):
        assert await wire.ask(x(0x31, id_args(setting))) == reply(0x91)
        assert await wire.ask(x(0x37, WriteViaId(0x03, setting, 1).args())) == reply(
            0x80, bytes((setting,))
        )
    assert await wire.ask(x(0x30, bytes((RamVar.INPUT_POWER,)))) == reply(0x90)
    # The remote switch is on or off: charger only is off, inverter only is on.
    assert await wire.ask(SetStateRequest(1).encode()) == h("02 FF 53 AC")
    assert device.switch_state == SwitchState.OFF
    assert await wire.ask(SetStateRequest(2).encode()) == h("02 FF 53 AC")
    assert device.switch_state == SwitchState.ON
    device.mains_present = True  # nothing to connect it to
    assert not device.mains_present
    # Forcing a charge state changes nothing: there is no charger.
    assert await wire.ask(x(0x0E, b"\x02\x00")) == reply(0x94, h("04 02"))


def test_phoenix_inverts_when_live() -> None:
    device = SimDevice("phoenix-24", live=True, seed=4, clock=lambda: 0.0)
    device.load = 800
    device.advance(60)
    assert device.device_state == DeviceState.INVERT_FULL
    assert device.leds[0] == 0x10  # inverter on, no mains LED
    assert device.ram_value(RamVar.BATTERY_CURRENT) < 0
    assert device.ram_value(RamVar.INVERTER_VOLTAGE) == pytest.approx(230)
    assert device.ram_value(RamVar.MAINS_VOLTAGE) == 0
