"""The device simulator, driven with raw bytes over a real pty or TCP socket.

Every captured reply in vectors.md that the simulator can produce has a test here that
configures the device and compares the reply byte for byte. The client is not used.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from tests.sim.raw import (
    TIMEOUT,
    Connect,
    Wire,
    combined_mode,
    decode_all,
    h,
    reply,
    x,
)
from tests.waiting import wait_for
from vebus_sim import (
    BYTE_TIME,
    UNRELATED_FRAMES,
    Faults,
    Simulator,
    serve,
)
from vebus_sim.vebus import server as simulator_module
from vebus_sim.vebus.device import ESS_TIMEOUT, SimDevice
from vebus_sim.vebus.models import MODELS, get_model
from victron_serial.vebus import ChargeState, DeviceState, SwitchState
from victron_serial.vebus.protocol import (
    AcInfoReply,
    AcInputConfigReply,
    DcInfoReply,
    GetRamVarInfo,
    GetSetDeviceState,
    GetSettingInfo,
    InfoRequest,
    LedReply,
    RawSettingInfo,
    RawSwitchCommand as RawSwitchRequest,
    RawVarInfo,
    ReadRamVars,
    SetStateRequest,
    VersionReply,
    WriteViaId,
)
from victron_serial.vebus.protocol.framing import encode_frame, encode_mk2
from victron_serial.vebus.protocol.winmon import X, id_args, parse_id


async def connect_when_back(url: str) -> Wire:
    """Connect as soon as the endpoint takes connections again (after a flap)."""
    async with asyncio.timeout(TIMEOUT):
        while True:
            try:
                return await Wire.tcp(url)
            except ConnectionRefusedError:
                await asyncio.sleep(0.01)


def write_via_id_args(flags: int, item_id: int, raw: int) -> bytes:
    return WriteViaId(flags, item_id, raw).args()


def decode_var_info(data: bytes) -> RawVarInfo | None:
    return GetRamVarInfo(0).parse(0x8E, data).info


encode_setting_info = GetSettingInfo.answer


# --- captured vectors: MK2 commands ------------------------------------------------------


@pytest.mark.parametrize("via", ["tcp", "pty"])
async def test_version_request_vector_1_2(connect: Connect, via: str) -> None:
    sim, wire = await connect(via=via)
    assert await wire.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 42 52")
    assert sim.requests == [h("02 FF 56 A9")]
    assert sim.bytes_received == 4
    assert sim.bytes_sent == 9


@pytest.mark.parametrize("via", ["tcp", "pty"])
async def test_heartbeat_until_address_then_address(connect: Connect, via: str) -> None:
    sim, wire = await connect(via=via, heartbeat=0.05)
    sim.device.interface_version = 1170216
    assert await wire.frame() == h("07 FF 56 28 DB 11 00 42 4E")  # vector #4
    assert await wire.frame() == h("07 FF 56 28 DB 11 00 42 4E")
    assert await wire.ask(h("04 FF 41 01 00 BB")) == h("04 FF 41 01 00 BB")  # vector #8
    assert await wire.frame() == h("07 FF 56 28 DB 11 00 00 90")  # vector #3
    assert sim.device.address == 0


async def test_heartbeat_pauses_while_busy(connect: Connect) -> None:
    sim, wire = await connect(heartbeat=1.0)
    for _ in range(6):  # a request every 50 ms: the line is never idle for a second
        assert await wire.ask(h("02 FF 4C B3")) == h("08 FF 4C 01 0C 00 00 80 00 20")
        await asyncio.sleep(0.05)
    assert await wire.quiet(0.05) == b""
    assert await wire.frame() == h("07 FF 56 24 DB 11 00 42 52")
    sim.heartbeat = 0.0  # the next one was a second away: none comes
    assert await wire.quiet(0.3) == b""
    sim.heartbeat = 5.0
    assert await wire.quiet(0.2) == b""
    sim.device.restart()  # the rebooted MK3 announces itself at once
    assert await wire.frame() == h("07 FF 56 24 DB 11 00 42 52")
    sim.heartbeat = 0.05
    assert await wire.frame() == h("07 FF 56 24 DB 11 00 42 52")


async def test_mk2_version_vectors_5_6(connect: Connect) -> None:
    sim, wire = await connect(mk2=True)
    assert await wire.ask(h("04 FF 41 01 00 BB")) == h("04 FF 41 01 00 BB")
    assert await wire.ask(h("02 FF 56 A9")) == h("07 FF 56 96 3E 11 00 00 BF")
    sim.device.interface_version = 1130132
    assert await wire.ask(h("02 FF 56 A9")) == h("07 FF 56 94 3E 11 00 00 C1")


async def test_address_query_and_unknown_letters(connect: Connect) -> None:
    sim, wire = await connect()
    assert await wire.ask(encode_mk2("A", b"\x00\x00")) == encode_mk2("A", b"\x00\x00")
    assert await wire.ask(h("04 FF 41 01 00 BB")) == h("04 FF 41 01 00 BB")
    wire.send(encode_mk2("D"))  # not emulated: no answer
    wire.send(encode_mk2("A", b"\x01"))  # malformed
    wire.send(encode_frame(0x20, bytes(14)))  # not a request
    for letter in "VLR":  # these take no data
        wire.send(encode_mk2(letter, b"\x01"))
    wire.send(encode_mk2("F"))  # 'F' needs a number
    assert await wire.quiet() == b""
    assert len(sim.requests) == 9
    assert sim.tcp_url is not None
    assert sim.pty_path is None


async def test_led_vectors_11_12(connect: Connect) -> None:
    sim, wire = await connect()
    assert await wire.ask(h("02 FF 4C B3")) == h("08 FF 4C 01 0C 00 00 80 00 20")
    sim.device.leds = (0x03, 0x00)
    sim.device.led_extra = b""
    assert await wire.ask(h("02 FF 4C B3")) == h("06 FF 4C 03 00 00 00 AC")


async def test_dc_frame_vector_16(connect: Connect) -> None:
    _, wire = await connect()
    assert await wire.ask(h("03 FF 46 00 B8")) == h(
        "0F 20 F3 00 C8 02 0C A1 05 00 00 00 28 00 00 88 B2"
    )


async def test_dc_frame_discharging(connect: Connect) -> None:
    sim, wire = await connect()
    sim.device.set_ram_value(5, -12.5)
    frame = DcInfoReply.decode(decode_all(await wire.ask(h("03 FF 46 00 B8")))[0])
    assert frame is not None
    assert (frame.inverter_current, frame.charger_current) == (1250, 0)


async def test_ac_frame_vectors_18_20(connect: Connect) -> None:
    sim, wire = await connect()
    assert await wire.ask(h("03 FF 46 01 B7")) == h(
        "0F 20 01 01 CA 09 08 AA 58 AB 00 AA 58 9A 00 C3 E8"
    )
    device = sim.device
    for var, raw in {0: 23276, 1: -161, 2: 23276, 3: 8, 8: 195}.items():
        device.set_ram_raw(var, raw)
    device.ac_reserved = 0x01
    assert await wire.ask(h("03 FF 46 01 B7")) == h(
        "0F 20 01 01 01 09 08 EC 5A 5F FF EC 5A 08 00 C3 08"
    )


async def test_f5_vector_66(connect: Connect) -> None:
    _, wire = await connect()
    assert await wire.ask(h("03 FF 46 05 B3")) == h("0D 41 10 05 00 00 94 5E 00 F4 01 63 00 77 DC")


async def test_snapshot_vectors_21_23(connect: Connect) -> None:
    _, wire = await connect()
    assert await wire.ask(h("03 FF 58 38 6E")) == reply(0x99)  # nothing taken yet
    wire.send(h("06 FF 46 06 0E 10 0F 82"))  # no reply
    assert await wire.ask(h("03 FF 58 38 6E")) == h("09 FF 58 99 89 FE 05 00 72 01 08")


async def test_snapshot_with_venus_write_and_unsupported_id_vector_24(connect: Connect) -> None:
    sim, wire = await connect("multiplus2-48")
    sim.device.set_setting(64, 0)  # no battery monitor: RAM 13 is not supported
    for var, raw in {15: -1, 16: -1, 4: 4892, 5: 0}.items():
        sim.device.set_ram_raw(var, raw)
    # Venus OS sends the snapshot request and F1 in one write (vector #21 note).
    snapshot = InfoRequest(6, bytes((15, 16, 4, 5, 13))).encode()
    wire.send(snapshot + h("03 FF 46 01 B7"))
    assert AcInfoReply.decode(decode_all(await wire.frame())[0]) is not None
    assert await wire.ask(h("03 FF 58 38 6E")) == h("0B FF 58 99 FF FF FF FF 1C 13 00 00 DA")


async def test_assistant_scan_vector_26_27(connect: Connect) -> None:
    sim, wire = await connect("multiplus2-48")
    sim.device.set_assistants([(9, 0)])
    sim.device.set_ram_raw(0, 22881)
    assert await wire.ask(h("05 FF 58 30 80 00 F4")) == h("07 FF 58 85 90 00 61 59 D3")
    assert sim.device.ess_setpoint_id is None
    assert sim.device.ess_setpoint == 0


async def test_ram_write_vectors_28_30(connect: Connect) -> None:
    sim, wire = await connect()
    sim.device.set_assistants([(1, 1), (5, 4)])  # setpoint at 131 as on that unit
    assert sim.device.ess_setpoint_id == 131
    assert await wire.ask(h("07 FF 5A 37 00 83 72 01 73")) == h("03 FF 5A 87 1D")
    assert sim.device.ess_setpoint == 370
    assert sim.device.ram_eeprom_writes == {131: 1}  # flags 0x00 stores the RAM var too
    assert await wire.ask(x(0x37, write_via_id_args(0, 131, 370))) == h("03 FF 58 87 1F")
    assert sim.device.ram_eeprom_writes == {131: 2}


async def test_setting_write_vectors_31_32(connect: Connect) -> None:
    sim, wire = await connect()
    assert await wire.ask(h("07 FF 59 37 01 40 D0 07 52")) == h("03 FF 59 88 1D")
    assert sim.device.setting(64) == 2000
    assert sim.device.eeprom_raw(64) == 2000
    assert sim.device.eeprom_writes == {64: 1}


async def test_absorption_write_vector_68(connect: Connect) -> None:
    sim, wire = await connect("multiplus2-48")
    device = sim.device
    # RAM only; a MultiPlus-II's 0x88 carries the status byte (0: no restart needed).
    assert await wire.ask(h("07 FF 58 37 03 02 30 16 20")) == h("04 FF 58 88 00 1D")
    assert (device.setting(2), device.eeprom_raw(2), device.eeprom_writes) == (56.8, 5760, {})
    assert await wire.ask(h("07 FF 58 37 01 02 30 16 22")) == h("04 FF 58 88 00 1D")  # EEPROM
    assert (device.eeprom_raw(2), device.eeprom_writes) == (5680, {2: 1})


async def test_var_info_vectors_33_35_44(connect: Connect) -> None:
    _, wire = await connect()
    assert await wire.ask(h("05 FF 57 36 00 00 6F")) == h("08 FF 57 8E 9C 7F 8F 00 00 6A")
    assert await wire.ask(h("05 FF 59 36 00 00 6D")) == h("08 FF 59 8E 9C 7F 8F 00 00 68")
    await combined_mode(wire)
    assert await wire.ask(h("05 FF 59 36 00 00 6D")) == h("07 FF 59 8E 9C 7F 00 00 F8")
    assert await wire.ask(x(0x36, id_args(20), "Z")) == h("03 FF 5A 8E 16")
    # 'W' keeps the split form.
    assert await wire.ask(h("05 FF 57 36 00 00 6F")) == h("08 FF 57 8E 9C 7F 8F 00 00 6A")
    # FlagsExt0 bit0 set goes back to split replies.
    wire.send(SetStateRequest(3, 0x8000, 0x90, flags_ext0=1).encode())
    assert await wire.frame() == h("02 FF 53 AC")
    assert await wire.ask(h("05 FF 59 36 00 00 6D")) == h("08 FF 59 8E 9C 7F 8F 00 00 68")


async def test_var_info_per_model(connect: Connect) -> None:
    _, wire = await connect("multiplus2-48")
    await combined_mode(wire)
    expected = {5: (-32758, 0), 7: (32768 - 1961, 256), 8: (31791, 0), 13: (32568, 0)}
    for var, (scale, offset) in expected.items():
        frame = decode_all(await wire.ask(x(0x36, id_args(var))))[0]
        info = decode_var_info(frame.data[1:])
        assert info is not None
        assert (info.scale, info.offset) == (scale, offset)
    assert await wire.ask(x(0x36, id_args(10))) == reply(0x8E)  # not on a MultiPlus-II
    assert await wire.ask(x(0x36, id_args(10), "W")) == reply(0x8E, h("00 00 8F 00 00"), "W")


async def test_setting_info_vectors_36_37(connect: Connect) -> None:
    _, wire = await connect()
    await combined_mode(wire)
    assert await wire.ask(x(0x35, id_args(10), "Z")) == h(
        "0D FF 5A 89 01 00 00 00 03 00 01 00 03 00 09"
    )
    assert await wire.ask(x(0x35, id_args(13), "Y")) == h("03 FF 59 89 1C")


async def test_setting_info_split_frames(connect: Connect) -> None:
    _, wire = await connect()
    wire.send(x(0x35, id_args(2)))
    frames = [await wire.frame() for _ in range(3)]
    info = RawSettingInfo(-100, 0, 1440, 1200, 1600)
    assert frames == [reply(code, data) for code, data in encode_setting_info(info, False)]
    wire.send(x(0x35, id_args(14), "W"))
    frames = [await wire.frame() for _ in range(3)]
    empty = RawSettingInfo(0, 0, 0, 0, 0)
    assert frames == [reply(c, d, "W") for c, d in encode_setting_info(empty, False)]


async def test_setting_info_vector_67_with_access_byte(connect: Connect) -> None:
    _, wire = await connect("multiplus2-48")
    await combined_mode(wire)
    # vbp captured this for 0x3C; it is the long 0x89 layout of setting 0 (0x35).
    assert await wire.ask(x(0x35, id_args(0))) == h(
        "0E FF 58 89 01 00 00 00 B4 89 00 00 FC 6F 00 69"
    )
    frame = decode_all(await wire.ask(x(0x35, id_args(64))))[0]
    assert frame.data[-1] == 0x80  # battery capacity: reset required


async def test_version_vectors_38_42(connect: Connect) -> None:
    _, wire = await connect()
    assert await wire.ask(h("03 FF 58 05 A1")) == h("05 FF 58 82 F0 68 CA")
    assert await wire.ask(h("03 FF 59 06 9F")) == h("05 FF 59 83 28 00 F8")
    assert await wire.ask(h("05 FF 57 05 00 00 A0")) == reply(0x82, h("F0 68"), "W")
    await combined_mode(wire)
    assert await wire.ask(h("03 FF 58 05 A1")) == h("09 FF 58 82 F0 68 28 00 07 01 96")
    assert await wire.ask(h("03 FF 59 06 9F")) == h("05 FF 59 83 28 00 F8")


async def test_read_ram_vector_52_54(connect: Connect) -> None:
    sim, wire = await connect()
    sim.device.set_ram_raw(13, 0xFEFF)
    sim.device.set_ram_raw(0, 23238)
    assert await wire.ask(h("05 FF 57 30 0D 00 68")) == h("07 FF 57 85 FF FE C6 5A 01")
    assert await wire.ask(h("05 FF 59 30 86 00 ED")) == reply(0x85, h("00 00 C6 5A"), "Y")


async def test_read_ram_list_and_unsupported(connect: Connect) -> None:
    sim, wire = await connect("multiplus2-48")
    values = await wire.ask(x(0x30, bytes((4, 5, 14, 15, 16, 128))))
    assert values == reply(0x85, h("E6 14 04 00 89 FE 72 01 05 00 54 00"))
    assert await wire.ask(x(0x30, bytes((4, 10)))) == reply(0x90)
    assert await wire.ask(x(0x30, bytes((4, 20)))) == reply(0x90)
    sim.device.set_setting(64, 0)
    assert await wire.ask(x(0x30, bytes((13,)))) == reply(0x90)
    assert sim.device.soc is None


async def test_set_state_vectors_56_59(connect: Connect) -> None:
    sim, wire = await connect()
    device = sim.device
    assert await wire.ask(h("07 FF 53 03 C0 10 01 01 D2")) == h("02 FF 53 AC")  # #56, #57
    assert device.current_limit == pytest.approx(9.9)  # old form: limit not applied
    assert await wire.ask(h("07 FF 53 03 7D 00 01 80 A6")) == h("02 FF 53 AC")  # #58
    assert device.current_limit == pytest.approx(12.5)
    assert await wire.ask(h("07 FF 53 03 00 80 01 80 A3")) == h("02 FF 53 AC")  # #59
    assert device.current_limit == pytest.approx(12.5)
    f5 = AcInputConfigReply.decode(decode_all(await wire.ask(h("03 FF 46 05 B3")))[0])
    assert f5 is not None
    assert (f5.actual, f5.switch_register) == (125, 0x77)
    assert await wire.ask(SetStateRequest(1, 0).encode()) == h("02 FF 53 AC")
    assert device.current_limit == pytest.approx(9.4)  # 0 gives the device minimum
    assert device.switch_state == SwitchState.CHARGER_ONLY
    assert await wire.ask(SetStateRequest(2, 900).encode()) == h("02 FF 53 AC")
    assert device.current_limit == pytest.approx(50.0)
    assert device.switch_state == SwitchState.INVERTER_ONLY
    f5 = AcInputConfigReply.decode(decode_all(await wire.ask(h("03 FF 46 05 B3")))[0])
    assert f5 is not None
    assert (f5.actual, f5.switch_register) == (500, 0x66)
    device.front_switch_up = False
    device.interface_lines = 0x04
    f5 = AcInputConfigReply.decode(decode_all(await wire.ask(h("03 FF 46 05 B3")))[0])
    assert f5 is not None
    assert (f5.config, f5.switch_register) == (0x14, 0x4A)


async def test_set_state_not_sent_to_the_bus_vector_60(connect: Connect) -> None:
    sim, wire = await connect()
    assert await wire.ask(h("0A FF 53 00 00 00 01 90 00 01 00 12")) == h("02 FF 53 AC")
    assert sim.device.switch_state == SwitchState.ON
    assert await wire.ask(SetStateRequest(4, 160, 0x90).encode()) == h("02 FF 53 AC")
    assert sim.device.switch_state == SwitchState.ON
    assert sim.device.current_limit == pytest.approx(9.9)
    wire.send(encode_mk2("S", b"\x03"))  # too short to be an 'S'
    assert await wire.quiet() == b""
    assert await wire.ask(SetStateRequest(4, 160).encode()) == h("02 FF 53 AC")
    assert sim.device.switch_state == SwitchState.OFF
    assert sim.device.current_limit == pytest.approx(16.0)


async def test_interface_lines_vector_61_and_mk2_silence(connect: Connect) -> None:
    sim, wire = await connect()
    assert await wire.ask(h("02 FF 48 B7")) == h("03 FF 48 05 B1")  # power-on default 0x05
    assert await wire.ask(h("03 FF 48 03 B3")) == h("03 FF 48 03 B3")
    assert sim.device.interface_lines == 0x03
    sim2, wire2 = await connect(mk2=True)
    wire2.send(h("03 FF 48 03 B3"))
    assert await wire2.quiet() == b""
    assert sim2.device.interface_lines == 0x05


async def test_read_setting_vector_69_and_led_append(connect: Connect) -> None:
    sim, wire = await connect("multiplus2-48")
    sim.device.set_setting_raw(0, 0x8134)
    assert await wire.ask(x(0x31, id_args(0))) == h("05 FF 58 86 34 81 69")
    # 'S' flags bit1: LED bytes appended to later frames (protocol.md §1 example).
    sim.device.leds = (0x1F, 0x1F)
    assert await wire.ask(SetStateRequest(3, flags=0x82).encode()) == h("84 FF 53 1F 1F EC")
    assert await wire.ask(x(0x31, id_args(0))) == h("87 FF 58 86 34 81 1F 1F A9")
    assert await wire.ask(x(0x31, id_args(13))) == h("85 FF 58 91 1F 1F 55")
    # VE.Bus frames are forwarded as they are.
    assert (await wire.ask(h("03 FF 46 00 B8")))[0] == 0x0F


async def test_sleep_wake_vectors_63_64(connect: Connect) -> None:
    sim, wire = await connect(heartbeat=0.05)
    assert (await wire.frame())[2] == ord("V")
    wire.send(h("05 3F 04 00 00 00 C5"))
    await wire.quiet(0.1)
    assert sim.device.asleep
    wire.send(h("02 FF 56 A9") + h("02 FF 4C B3"))
    assert await wire.quiet(0.3) == b""  # no replies, no heartbeats
    wire.send(h("05 3F 07 00 00 00 C2"))
    assert await wire.ask(h("02 FF 4C B3"), 0.5) == h("08 FF 4C 01 0C 00 00 80 00 20")
    assert not sim.device.asleep
    assert sim.requests[-3:] == [h("02 FF 4C B3"), h("05 3F 07 00 00 00 C2"), h("02 FF 4C B3")]


async def test_raw_switch_frames_and_mains_wake(connect: Connect) -> None:
    sim, wire = await connect()
    wire.send(RawSwitchRequest(5).encode())
    await wire.quiet(0.05)
    assert sim.device.switch_state == SwitchState.CHARGER_ONLY
    wire.send(RawSwitchRequest(4).encode())
    await wire.quiet(0.05)
    assert sim.device.asleep
    sim.device.mains_present = False
    sim.device.mains_present = True  # AC coming back wakes the unit
    assert not sim.device.asleep
    assert await wire.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 42 52")


async def test_reset_answers_version_and_restores_defaults(connect: Connect) -> None:
    sim, wire = await connect()
    assert await wire.ask(h("04 FF 41 01 00 BB")) == h("04 FF 41 01 00 BB")
    await combined_mode(wire)
    assert await wire.ask(h("03 FF 48 03 B3")) == h("03 FF 48 03 B3")
    wire.send(x(0x33, id_args(2)))  # a pending two-step write is forgotten too
    assert await wire.ask(encode_mk2("R")) == h("07 FF 56 24 DB 11 00 42 52")
    device = sim.device
    assert (device.address, device.combined_replies, device.interface_lines) == (None, False, 5)
    assert await wire.ask(x(0x34, id_args(1300))) == reply(0x80, b"\x34")
    assert await wire.ask(h("03 FF 58 05 A1")) == h("05 FF 58 82 F0 68 CA")


# --- winmon behaviour -------------------------------------------------------------------


async def test_write_via_id_flag_combinations(connect: Connect) -> None:
    sim, wire = await connect()
    device = sim.device
    # 0x02: RAM var, no EEPROM.
    assert await wire.ask(x(0x37, write_via_id_args(0x02, 129, -300))) == reply(0x87)
    assert device.ess_setpoint == -300
    assert device.ram_eeprom_writes == {}
    # 0x00: RAM var and its EEPROM copy.
    assert await wire.ask(x(0x37, write_via_id_args(0x00, 130, 1))) == reply(0x87)
    assert device.ram_eeprom_writes == {130: 1}
    # 0x03: setting in RAM only: in force, but 0x31 reads the EEPROM value back.
    assert await wire.ask(x(0x37, write_via_id_args(0x03, 2, 1420))) == reply(0x88)
    assert device.setting(2) == pytest.approx(14.2)
    assert device.setting_raw(2) == 1420
    assert device.eeprom_raw(2) == 1440
    assert device.eeprom_writes == {}
    assert await wire.ask(x(0x31, id_args(2))) == reply(0x86, h("A0 05"))
    # 0x01: setting to EEPROM (and in force).
    assert await wire.ask(x(0x37, write_via_id_args(0x01, 3, 1350))) == reply(0x88)
    assert (device.setting_raw(3), device.eeprom_raw(3)) == (1350, 1350)
    assert device.eeprom_writes == {3: 1}
    # An EEPROM write replaces a RAM-only value.
    assert await wire.ask(x(0x37, write_via_id_args(0x01, 2, 1450))) == reply(0x88)
    assert (device.setting_raw(2), device.eeprom_raw(2)) == (1450, 1450)
    # Unknown ids, bad values, short args.
    assert await wire.ask(x(0x37, write_via_id_args(0x01, 13, 1))) == reply(0x80, b"\x0d")
    assert await wire.ask(x(0x37, write_via_id_args(0x00, 20, 1))) == reply(0x80, b"\x14")
    assert await wire.ask(x(0x37, write_via_id_args(0x01, 2, 1700))) == reply(0x80)
    assert await wire.ask(x(0x37, write_via_id_args(0x03, 2, 1100))) == reply(0x80)
    assert device.rejected_writes == 2
    assert device.setting_raw(2) == 1450
    assert await wire.ask(x(0x37, b"\x01\x02", "W")) == reply(0x80, b"\x37", "W")


async def test_flag_settings_accept_supported_bits_only(connect: Connect) -> None:
    sim, wire = await connect()
    device = sim.device
    flags = device.setting_raw(0)
    assert not device.charging_disabled
    write = x(0x37, write_via_id_args(0x03, 0, flags | 0x40))  # DisableCharge, RAM only
    assert await wire.ask(write) == reply(0x88)
    assert device.charging_disabled
    assert device.eeprom_raw(0) == flags
    bad = x(0x37, write_via_id_args(0x03, 0, flags ^ 0x0001))  # bit 0 is not in the mask
    assert await wire.ask(bad) == reply(0x80)
    assert device.rejected_writes == 1


async def test_two_step_writes(connect: Connect) -> None:
    sim, wire = await connect()
    device = sim.device
    wire.send(x(0x32, id_args(129)))
    assert await wire.quiet(0.05) == b""
    assert await wire.ask(x(0x34, id_args(0xFF38))) == reply(0x87)
    assert device.ess_setpoint == -200
    assert device.ram_eeprom_writes == {}
    wire.send(x(0x33, id_args(4)))
    assert await wire.ask(x(0x34, id_args(80))) == reply(0x88)
    assert (device.setting(4), device.eeprom_raw(4), device.eeprom_writes) == (80, 80, {4: 1})
    wire.send(x(0x33, id_args(4)))
    assert await wire.ask(x(0x34, id_args(500))) == reply(0x80)
    assert await wire.ask(x(0x34, id_args(80))) == reply(0x80, b"\x34")  # nothing pending
    assert await wire.ask(x(0x32, b"\x01")) == reply(0x80, b"\x32")
    assert device.eeprom_writes == {4: 1}


async def test_device_state_and_forced_charge(connect: Connect) -> None:
    sim, wire = await connect()
    assert await wire.ask(x(0x0E, b"\x00\x00")) == reply(0x94, h("09 02"))
    for request, state in ((1, ChargeState.EQUALISE), (2, ChargeState.FORCED_ABSORPTION), (3, 3)):
        frame = await wire.ask(x(0x0E, bytes((request, 0))))
        assert frame == reply(0x94, bytes((9, state)))
        assert sim.device.charge_state == state
    assert await wire.ask(x(0x0E, b"", "W")) == reply(0x94, h("09 03"), "W")
    assert await wire.ask(x(0x0E, b"\x07\x00")) == reply(0x94, h("09 03"))


async def test_serial_unknown_command_and_missing_args(connect: Connect) -> None:
    sim, wire = await connect()
    serial = await wire.ask(x(0x3B))
    assert serial == reply(0x9D, b"HQ1234ABCDE")
    assert await wire.ask(x(0x3A, bytes(8))) == reply(0x80, b"\x3a")
    assert await wire.ask(x(0x33, b"\x01")) == reply(0x80, b"\x33")  # a write needs both bytes
    for command in (0x31, 0x36):  # reads take a one-byte id too, as real units do (#67)
        short = await wire.ask(x(command, b"\x02"))
        assert short == await wire.ask(x(command, id_args(2)))
        assert short[3] != 0x80
    sim.device.serial = "HQ1"
    assert await wire.ask(x(0x3B, b"", "W")) == reply(0x9D, b"HQ1\x00", "W")


async def test_ess_chain_and_setpoint_timeout(connect: Connect) -> None:
    sim, wire = await connect()
    device = sim.device
    chain = await wire.ask(x(0x30, bytes((128, 129, 130, 131, 132, 133))))
    assert chain == reply(0x85, h("54 00 00 00 00 00 00 00 00 00 00 00"))
    assert await wire.ask(x(0x37, write_via_id_args(0x02, 129, -300))) == reply(0x87)
    assert device.ess_setpoint == -300
    sim.advance(ESS_TIMEOUT - 1)
    assert device.ess_setpoint == -300
    assert await wire.ask(x(0x37, write_via_id_args(0x02, 129, 250))) == reply(0x87)
    sim.advance(ESS_TIMEOUT - 0.5)
    assert await wire.ask(x(0x30, bytes((129,)))) == reply(0x85, h("FA 00"))
    sim.advance(0.5)
    assert device.ess_setpoint == 0
    assert await wire.ask(x(0x30, bytes((129,)))) == reply(0x85, h("00 00"))
    # Info: headers unsigned, record values signed.
    await combined_mode(wire)
    assert await wire.ask(x(0x36, id_args(128))) == reply(0x8E, h("01 00 00 00"))
    assert await wire.ask(x(0x36, id_args(129))) == reply(0x8E, h("FF FF 00 00"))
    assert await wire.ask(x(0x36, id_args(140))) == reply(0x8E)
    with pytest.raises(ValueError, match="bad assistant"):
        device.set_assistants([(5, 16)])


async def test_no_ess_assistant(connect: Connect) -> None:
    sim, wire = await connect(ess=False)
    assert sim.device.ess_setpoint_id is None
    assert await wire.ask(x(0x30, bytes((128, 129)))) == reply(0x85, bytes(4))
    assert await wire.ask(x(0x37, write_via_id_args(0x02, 129, 5))) == reply(0x80, b"\x81")
    with pytest.raises(ValueError, match="no ESS"):
        sim.device.ess_setpoint = 100


async def test_restart_forgets_ram_only_values(connect: Connect) -> None:
    sim, wire = await connect()
    device = sim.device
    assert await wire.ask(x(0x37, write_via_id_args(0x03, 2, 1420))) == reply(0x88)
    assert await wire.ask(x(0x37, write_via_id_args(0x02, 129, -300))) == reply(0x87)
    wire.send(InfoRequest(6, b"\x04").encode())
    await wire.quiet(0.05)
    assert device.snapshot == [(4, 1441)]
    assert await wire.ask(h("04 FF 41 01 00 BB")) == h("04 FF 41 01 00 BB")
    device.restart()
    assert (device.setting_raw(2), device.ess_setpoint, device.snapshot) == (1440, 0, None)
    # The MK3 is powered by the VE.Bus: it comes back without an address.
    assert await wire.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 42 52")
    assert await wire.ask(x(0x37, write_via_id_args(0x03, 2, 1420))) == reply(0x88)
    wire.send(InfoRequest(8, bytes(4)).encode())  # 'F' 8: reset the VE.Bus devices
    assert await wire.quiet(0.05) == b""
    assert device.setting_raw(2) == 1440


async def test_multi_phase_frames(connect: Connect) -> None:
    sim, wire = await connect(phases=3)
    phase_info = []
    for number in (1, 2, 3):
        frame = AcInfoReply.decode(decode_all(await wire.ask(InfoRequest(number).encode()))[0])
        assert frame is not None
        phase_info.append(frame.phase_info)
    assert phase_info == [0x0A, 0x07, 0x06]
    wire.send(InfoRequest(4).encode())
    assert await wire.quiet() == b""
    sim.device.units[1].set_ram_raw(0, 23000)
    assert await wire.ask(h("04 FF 41 01 01 BA")) == h("04 FF 41 01 01 BA")
    assert await wire.ask(x(0x30, b"\x00\x04")) == reply(0x85, h("D8 59 A1 05"))
    assert await wire.ask(h("04 FF 41 01 05 B6")) == h("04 FF 41 01 05 B6")
    wire.send(x(0x30, b"\x00"))  # nobody at address 5
    assert await wire.quiet() == b""
    sim2, wire2 = await connect(phases=2)
    frame = AcInfoReply.decode(decode_all(await wire2.ask(InfoRequest(1).encode()))[0])
    assert frame is not None
    assert frame.phase_info == 0x09
    with pytest.raises(ValueError, match="phases"):
        SimDevice(phases=4)


# --- timing ------------------------------------------------------------------------------


async def test_paced_reply_takes_the_wire_time(connect: Connect) -> None:
    sim, wire = await connect(paced=True, turnaround=0.030)
    loop = asyncio.get_running_loop()
    started = loop.time()
    wire.send(h("02 FF 4C B3"))
    first = await wire.read(1)
    first_at = loop.time()
    rest = await wire.read(9)
    done = loop.time()
    assert first + rest == h("08 FF 4C 01 0C 00 00 80 00 20")
    assert first_at - started >= (4 + 1) * BYTE_TIME + 0.030 - 0.001
    assert done - started >= (4 + 10) * BYTE_TIME + 0.030 - 0.001
    # Two requests in one write: the second reply follows the first on the wire.
    started = loop.time()
    wire.send(h("02 FF 4C B3") + h("02 FF 56 A9"))
    assert await wire.frame() == h("08 FF 4C 01 0C 00 00 80 00 20")
    assert await wire.frame() == h("07 FF 56 24 DB 11 00 42 52")
    assert loop.time() - started >= (4 + 10 + 9) * BYTE_TIME + 0.030 - 0.001
    assert sim.turnaround == 0.030


# --- faults ------------------------------------------------------------------------------


def test_faults_parse_grammar() -> None:
    faults = Faults.parse(
        " noise=0.05, bitflip=0.001,drop=0.001 ,slow=0.4,unrelated=0.2,silent,"
        "unsupported=ram:13+17-19;setting:4;command:0x0E,denied=setting:2@0x80+3,flap=30:2"
    )
    assert faults == Faults(
        noise=0.05,
        bit_flip=0.001,
        drop=0.001,
        slow=0.4,
        silent=True,
        unrelated=0.2,
        unsupported_ram={13, 17, 18, 19},
        unsupported_settings={4},
        unsupported_commands={0x0E},
        denied_settings={2: 0x80, 3: 1},
        flap=(30.0, 2.0),
    )
    assert Faults.parse(faults.spec()) == faults
    assert Faults.parse("") == Faults()
    assert Faults().spec() == ""
    assert Faults.parse("silent=yes,silent=no,bit_flip=1,denied=7,flap=5") == Faults(
        bit_flip=1.0, denied_settings={7: 1}, flap=(5.0, 1.0)
    )
    assert Faults.parse("unsupported=ram:1,unsupported=ram:2").unsupported_ram == {1, 2}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bogus=1", "unknown fault 'bogus'"),
        ("bogus", "unknown fault 'bogus'"),
        ("noise", "needs a value"),
        ("noise=2", "within 0..1"),
        ("noise=abc", "not a number"),
        ("noise=nan", "not a finite number"),
        ("slow=-1", "must not be negative"),
        ("silent=maybe", "expected a boolean"),
        ("unsupported=13", "ram:IDS, setting:IDS or command:IDS"),
        ("unsupported=eeprom:1", "unknown id kind"),
        ("unsupported=ram:", "missing id"),
        ("unsupported=ram:x", "not an integer"),
        ("unsupported=ram:5-2", "bad id or range"),
        ("denied=ram:1", "only settings"),
        ("denied=2@300", "0..255"),
        ("flap=0", "must be positive"),
    ],
)
def test_faults_parse_errors(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Faults.parse(spec)


async def test_fault_silent_and_slow(connect: Connect) -> None:
    sim, wire = await connect(faults=Faults(silent=True))
    wire.send(h("02 FF 56 A9"))
    assert await wire.quiet() == b""
    sim.faults.silent = False  # faults are read at every frame
    sim.faults.slow = 0.2
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await wire.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 42 52")
    assert loop.time() - started >= 0.2
    sim.faults = Faults(silent=True)  # replacing the object works too
    wire.send(h("02 FF 56 A9"))
    assert await wire.quiet() == b""


async def test_fault_silent_while_waiting(connect: Connect) -> None:
    sim, wire = await connect(faults=Faults(slow=0.5))
    wire.send(h("02 FF 56 A9"))
    await wait_for(lambda: sim.requests, "the request received")
    sim.faults.silent = True  # while its reply waits out the slow fault
    assert await wire.quiet(0.8) == b""


async def test_fault_noise(connect: Connect) -> None:
    sim, wire = await connect(faults=Faults(noise=1.0))
    wire.send(h("02 FF 4C B3"))
    data = await wire.quiet(0.1)
    assert len(data) > 10
    assert data.endswith(h("08 FF 4C 01 0C 00 00 80 00 20"))
    assert sim.bytes_sent == len(data)


async def test_fault_bit_flip_and_drop(connect: Connect) -> None:
    expected = h("08 FF 4C 01 0C 00 00 80 00 20")
    sim, wire = await connect(faults=Faults(bit_flip=1.0))
    wire.send(h("02 FF 4C B3"))
    data = await wire.quiet(0.1)
    assert len(data) == len(expected)
    assert all(bin(a ^ b).count("1") == 1 for a, b in zip(data, expected, strict=True))
    assert decode_all(data) == []
    sim.faults = Faults(drop=0.5)
    for _ in range(5):
        wire.send(h("02 FF 4C B3"))
    data = await wire.quiet(0.1)
    assert 0 < len(data) < 5 * len(expected)
    sim.faults = Faults(drop=1.0)
    wire.send(h("02 FF 4C B3"))
    assert await wire.quiet(0.1) == b""


async def test_fault_unrelated_frames_are_not_replies(connect: Connect) -> None:
    sim, wire = await connect(faults=Faults(unrelated=1.0))
    wire.send(h("02 FF 4C B3"))
    frames = decode_all(await wire.quiet(0.1))
    assert len(frames) == 2
    assert LedReply.decode(frames[1]) is not None
    for raw in UNRELATED_FRAMES:
        (frame,) = decode_all(raw)
        assert frame.frame_type != 0xFF
        assert DcInfoReply.decode(frame) is None
        assert AcInfoReply.decode(frame) is None
        assert AcInputConfigReply.decode(frame) is None
        assert RawSwitchRequest.decode(frame) is None
    sim.faults.unrelated = 0.0
    assert await wire.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 42 52")


async def test_fault_unsupported_and_denied(connect: Connect) -> None:
    faults = Faults.parse("unsupported=ram:4;setting:3,denied=setting:2@0x80")
    sim, wire = await connect(faults=faults)
    assert await wire.ask(x(0x30, b"\x04")) == reply(0x90)
    assert await wire.ask(x(0x36, id_args(4))) == reply(0x8E, h("00 00 8F 00 00"))
    assert await wire.ask(x(0x31, id_args(3))) == reply(0x91)
    assert await wire.ask(x(0x37, write_via_id_args(0x02, 4, 1))) == reply(0x80, b"\x04")
    assert await wire.ask(x(0x37, write_via_id_args(0x01, 3, 1300))) == reply(0x80, b"\x03")
    assert await wire.ask(x(0x37, write_via_id_args(0x01, 2, 1420))) == reply(0x9B, b"\x80")
    wire.send(x(0x33, id_args(2)))
    assert await wire.ask(x(0x34, id_args(1420))) == reply(0x9B, b"\x80")
    assert sim.device.setting_raw(2) == 1440
    assert sim.device.eeprom_writes == {}
    assert await wire.ask(x(0x31, id_args(2))) == reply(0x86, h("A0 05"))  # reads are fine
    await combined_mode(wire)
    assert await wire.ask(x(0x35, id_args(3))) == reply(0x89)
    wire.send(InfoRequest(6, b"\x04\x05").encode())
    assert await wire.ask(x(0x38)) == reply(0x99, h("28 00"))


# --- endpoints ---------------------------------------------------------------------------


async def test_clients_in_turn_keep_the_state(connect: Connect, wires: list[Wire]) -> None:
    sim, wire = await connect()
    assert await wire.ask(SetStateRequest(1, 200).encode()) == h("02 FF 53 AC")
    await wire.close()
    url = sim.tcp_url
    assert url is not None
    second = await Wire.tcp(url)
    wires.append(second)
    f5 = AcInputConfigReply.decode(decode_all(await second.ask(h("03 FF 46 05 B3")))[0])
    assert f5 is not None
    assert (f5.actual, f5.switch_register) == (200, 0x55)
    with pytest.raises(RuntimeError):
        await sim.start_tcp()


async def test_tcp_unplug_and_replug(connect: Connect, wires: list[Wire]) -> None:
    sim, wire = await connect()
    url = sim.tcp_url
    assert url is not None
    assert await wire.ask(h("04 FF 41 01 00 BB")) == h("04 FF 41 01 00 BB")
    await sim.unplug()
    await sim.unplug()  # twice is harmless
    await wire.wait_eof()
    with pytest.raises(OSError, match="refused|Connect call failed"):
        await Wire.tcp(url)
    await sim.replug()
    await sim.replug()
    assert sim.tcp_url == url
    again = await Wire.tcp(url)
    wires.append(again)
    assert await again.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 00 94")


async def test_pty_unplug_and_replug(connect: Connect, wires: list[Wire], tmp_path: Path) -> None:
    sim, wire = await connect(via="pty")
    link = tmp_path / "ttyVEBUS"
    first = sim.pty_path
    assert first is not None
    assert os.path.realpath(link) == first
    assert await wire.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 42 52")
    await sim.unplug()
    await wire.wait_eof()
    assert sim.pty_path is None
    await sim.replug()
    assert sim.pty_path is not None
    assert os.path.realpath(link) == sim.pty_path
    again = await Wire.pty(str(link))
    wires.append(again)
    assert await again.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 42 52")
    with pytest.raises(RuntimeError):
        await sim.start_pty()
    await sim.stop()
    assert not link.exists()


async def test_pty_without_link_and_reconnect(simulators: list[Simulator]) -> None:
    sim = Simulator(paced=False, live=False, heartbeat=0.05)
    simulators.append(sim)
    path = await sim.start_pty()
    assert os.path.realpath(path) == sim.pty_path
    assert sim.pty_path is not None and sim.pty_path.startswith("/dev/pts/")
    await asyncio.sleep(0.2)  # heartbeats are not sent while nobody has the port open
    for _ in range(2):
        wire = await Wire.pty(path)
        try:
            assert await wire.frame() == h("07 FF 56 24 DB 11 00 42 52")
            assert await wire.ask(h("02 FF 4C B3")) == h("08 FF 4C 01 0C 00 00 80 00 20")
        finally:
            await wire.close()
        await wait_for(lambda: sim.clients == 0, "the simulator sees the port closed")


async def test_a_pty_is_gone_while_unplugged_and_back_at_the_same_path(
    simulators: list[Simulator],
) -> None:
    # The pty's own name goes to whichever pty the machine opens next: a client that came back
    # to it could reach another device (another test's, on the other worker).
    sim = Simulator(paced=False, live=False, heartbeat=0)
    simulators.append(sim)
    path = await sim.start_pty()
    await sim.unplug()
    assert not os.path.lexists(path)
    blocker = os.openpty()  # the old name taken by someone else, as on a busy machine
    try:
        await sim.replug()
        assert os.path.realpath(path) == sim.pty_path
        wire = await Wire.pty(path)
        try:
            assert await wire.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 42 52")
        finally:
            await wire.close()
    finally:
        for fd in blocker:
            os.close(fd)
    await sim.stop()
    assert not os.path.lexists(path)
    assert not os.path.exists(os.path.dirname(path))


async def test_fault_flap(connect: Connect) -> None:
    sim, wire = await connect(faults=Faults.parse("flap=0.1:0.1"))
    await wire.wait_eof()
    sim.faults.flap = None
    url = sim.tcp_url
    assert url is not None
    again = await connect_when_back(url)
    try:
        assert await again.ask(h("02 FF 56 A9")) == h("07 FF 56 24 DB 11 00 42 52")
    finally:
        await again.close()


async def test_serve_prints_endpoints_and_logs(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, socket_enabled: None
) -> None:
    caplog.set_level(logging.DEBUG, logger="vebus_sim.vebus.session")
    task = asyncio.get_running_loop().create_task(
        serve(tcp=("127.0.0.1", 0), pty=True, faults="slow=0", paced=False)
    )
    lines: list[str] = []
    try:
        async with asyncio.timeout(TIMEOUT):
            while len(lines) < 2:
                lines += capsys.readouterr().out.splitlines()
                await asyncio.sleep(0.01)
        url, path = lines
        assert url.startswith("socket://127.0.0.1:")
        assert os.path.realpath(path).startswith("/dev/pts/")
        wire = await Wire.tcp(url)
        try:
            assert (await wire.ask(h("02 FF 56 A9")))[2] == ord("V")
        finally:
            await wire.close()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.endswith("rx 02 ff 56 a9") for m in messages)
    assert any(" tx 07 ff 56 " in m for m in messages)
    with pytest.raises(ValueError, match="unknown fault"):
        await serve(faults="nope")


# --- the live model ----------------------------------------------------------------------


def live_device(model: str = "multiplus-12", **options: Any) -> SimDevice:
    return SimDevice(model, live=True, seed=3, clock=lambda: 0.0, **options)


def test_live_modes_drive_state_leds_and_flow() -> None:
    device = live_device()
    device.advance(10)
    assert device.device_state == DeviceState.CHARGE
    assert device.leds[0] & 0x01
    assert device.ram_value(5) > 0
    device.switch_state = SwitchState.OFF
    device.refresh()
    assert device.device_state == DeviceState.OFF
    assert device.leds == (0, 0)
    assert device.ram_value(2) == 0
    device.switch_state = SwitchState.INVERTER_ONLY
    device.refresh()
    assert device.device_state == DeviceState.INVERT_FULL
    assert device.leds == (0x10, 0x01)  # inverter on, mains present but ignored
    assert device.ram_value(5) < 0
    assert device.ram_value(11) == 1.0
    device.switch_state = SwitchState.ON
    device.mains_present = False
    assert device.device_state == DeviceState.INVERT_FULL
    assert device.ram_raw(8) == 0
    assert device.ram_value(2) == pytest.approx(230)
    device.switch_state = SwitchState.CHARGER_ONLY
    device.refresh()
    assert device.device_state == DeviceState.OFF
    device.mains_present = True
    device.set_setting_raw(0, device.setting_raw(0) | 0x40, persist=False)  # DisableCharge
    assert device.device_state == DeviceState.BYPASS
    assert device.ram_value(5) == 0
    assert device.ram_value(15) < 0  # the loads take power from the grid


def test_live_charge_stages_move_over_time() -> None:
    device = live_device()
    device.load = 0
    device.soc = 50
    device.force_charge_state(ChargeState.BULK)
    device.refresh()
    assert device.leds[0] & 0x04
    bulk_voltage = device.ram_value(4)
    device.advance(600)
    assert device.charge_state == ChargeState.BULK
    assert device.ram_value(4) > bulk_voltage
    device.advance(3 * 3600)
    assert device.charge_state in (ChargeState.ABSORPTION, ChargeState.FLOAT)
    device.advance(4 * 3600)
    assert device.charge_state == ChargeState.FLOAT
    assert device.ram_value(4) == pytest.approx(13.8)
    assert device.leds[0] & 0x08


def test_a_forced_absorption_is_held_for_the_absorption_time_on_a_full_battery() -> None:
    device = live_device()
    device.load = 0
    device.soc = 99.8
    device.force_charge_state(ChargeState.FORCED_ABSORPTION)
    device.refresh()
    device.advance(3600)  # a plain absorption ends at once on a full battery
    assert device.charge_state == ChargeState.FORCED_ABSORPTION
    device.advance(4 * 3600)  # the absorption time is up
    assert device.charge_state == ChargeState.FLOAT
    assert device.soc is not None
    assert device.soc > 99
    device.advance(24 * 3600)
    assert device.charge_state == ChargeState.STORAGE
    assert device.leds[1] & 0x08
    device.force_charge_state(ChargeState.EQUALISE)
    device.refresh()
    assert device.leds[1] == 0x0E
    assert device.ram_value(4) == pytest.approx(15.0)
    device.advance(3700)
    assert device.charge_state == ChargeState.FLOAT


def test_live_rebulk_after_discharge_and_low_battery() -> None:
    device = live_device(ess=False)
    device.mains_present = False
    device.load = 2500
    device.advance(600)
    assert device.device_state == DeviceState.INVERT_FULL
    soc = device.soc
    assert soc is not None
    assert soc < 99
    device.advance(6 * 3600)
    assert device.leds[0] & 0x40  # low battery: inverter stopped
    assert device.alarms & 0x20
    assert device.device_state == DeviceState.OFF
    assert device.input_config_header[3] == 0x02
    device.load = 500
    device.mains_present = True
    device.advance(5)
    assert device.charge_state == ChargeState.BULK
    assert device.device_state in (DeviceState.CHARGE, DeviceState.POWER_ASSIST)


def test_live_current_limit_power_assist_and_overload() -> None:
    device = live_device("multiplus2-48")
    device.load = 4000
    device.current_limit = 5.0
    device.refresh()
    assert device.current_limit == 5.0
    assert device.device_state == DeviceState.POWER_ASSIST
    assert device.leds[1] & 0x10
    assert device.ram_value(1) == pytest.approx(5.0, abs=0.1)
    device.load = 6000
    device.refresh()
    assert device.leds[1] & 0x20
    assert device.alarms & 0x04


def test_live_ess_setpoint_moves_power() -> None:
    device = live_device("multiplus2-48")
    device.load = 300
    device.ess_setpoint = 1000  # feed in
    assert device.device_state == DeviceState.INVERT_FULL
    assert device.ram_value(15) > 0  # input power + = export
    assert device.ram_value(5) < 0
    device.ess_setpoint = -1000  # charge
    assert device.device_state == DeviceState.CHARGE
    assert device.ram_value(5) > 0
    device.advance(ESS_TIMEOUT + 1)
    assert device.ess_setpoint == 0


def test_live_values_move_and_auto_sleep() -> None:
    device = live_device(phases=2)
    before = [device.ram_raw(var) for var in (0, 1, 17)]
    device.advance(60)
    assert [device.ram_raw(var) for var in (0, 1, 17)] != before
    assert device.units[1].ram_raw(0) != device.ram_raw(0)
    device.sleep_when_off = 30
    device.switch_state = SwitchState.OFF
    device.advance(1)
    device.advance(35)
    assert device.asleep
    assert device.device_state == DeviceState.OFF
    device.advance(5)
    assert device.leds == (0, 0)
    device.asleep = False
    device.interface_lines = 0x07  # the standby line keeps it awake
    device.advance(60)
    assert not device.asleep
    device.restart()
    assert device.charge_state == ChargeState.BULK
    assert device.boots == 1


async def test_live_simulator_ticks_by_itself(
    simulators: list[Simulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator_module, "PHYSICS_INTERVAL", 0.05)
    sim = Simulator(paced=False, heartbeat=0, seed=2, time_scale=600.0)
    simulators.append(sim)
    await sim.start_pty()
    first = sim.device.now()
    before = sim.device.ram_raw(0)
    await wait_for(lambda: sim.device.ram_raw(0) != before, "the mains voltage moves by itself")
    assert sim.device.now() - first > 0


def test_models_and_settings_api() -> None:
    assert set(MODELS) == {
        "multiplus-12",
        "multiplus-24",
        "multiplus2-48",
        "quattro-48",
        "phoenix-24",
    }
    assert get_model(MODELS["multiplus-12"]) is MODELS["multiplus-12"]
    with pytest.raises(ValueError, match="known models: multiplus-12, multiplus-24, "):
        get_model("quattro")
    with pytest.raises(ValueError, match="time_scale"):
        SimDevice(time_scale=0)
    device = SimDevice("multiplus2-48", live=False)
    assert device.setting(2) == pytest.approx(57.6)
    assert device.setting_info(2) == RawSettingInfo(-100, 0, 5760, 4800, 6400, 0)
    device.set_setting(2, 56.8, persist=False)
    assert (device.setting_raw(2), device.eeprom_raw(2)) == (5680, 5760)
    assert device.soc == pytest.approx(100)
    device.soc = 42.5
    assert device.ram_raw(13) == 85
    for call in (device.setting_raw, device.eeprom_raw, device.setting):
        with pytest.raises(KeyError, match="not supported"):
            call(13)
    assert not device.setting_in_range(13, 0)
    with pytest.raises(ValueError, match="back in time"):
        device.advance(-1)
    assert device.now() == 0
    device.advance(2.5)
    assert device.now() == 2.5


def test_message_helpers_added_for_the_simulator() -> None:
    assert parse_id(id_args(0x1234)) == 0x1234
    assert parse_id(b"\x01") == 1  # a one-byte id, as some clients send it (vectors #67)
    assert parse_id(b"") is None
    read = ReadRamVars.from_args(X, bytes(range(8)))
    assert read is not None
    assert read.ram_ids == tuple(range(6))
    assert GetSetDeviceState.from_args(X, b"").request == 0
    assert GetSetDeviceState.from_args(X, b"\x02\x00").request == 2
    assert RawSwitchRequest(4).encode() == h("05 3F 04 00 00 00 C5")
    assert RawSwitchRequest.decode(decode_all(h("05 3F 07 00 00 00 C2"))[0]) == RawSwitchRequest(7)
    assert RawSwitchRequest.decode(decode_all(h("05 3F 00 11 00 00 A7"))[0]) is None
    assert VersionReply(1170212).encode() == h("07 FF 56 24 DB 11 00 42 52")
