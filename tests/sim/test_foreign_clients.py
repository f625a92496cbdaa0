"""Clients others wrote work against the simulator unchanged.

tomjnixon/mk2.py's ``python -m mk2.examples.write --list`` sends the request sequence
below (read from its source, rebuilt here with our codecs): 'A' select 0, an 'S' that
clears FlagsExt0 bit 0 (combined replies), then with the letter X every RAM variable's
info and value, every setting its enum names (info and value), and flags0 and flags1.
It parses only some reply forms, and a frame it cannot parse while it waits is a
timeout that ends the run, so every reply must have the form it reads: RAM info with
0, 2, 4 or 5 data bytes, a supported period variable, a combined 0x89 with the access
byte (11 data bytes, firmware 308 and later) and a scale that is not 0.

Against units it cannot list the test checks the reply that stops it is the one real
units send: the 0x89 without access byte of firmware before 308 (vectors #36) and the
empty 0x89 of an unsupported setting (vectors #37, a Phoenix's charger settings).
"""

from __future__ import annotations

import pytest

from tests.sim.raw import Connect, Wire, decode_all
from vebus_sim.vebus.models import MODELS
from vebus_sim.vebus.settings import VS_SOC_LIMIT
from victron_serial.vebus.protocol import (
    AddressRequest,
    GetRamVarInfo,
    GetSettingInfo,
    ReadRamVars,
    ReadSetting,
    SetStateRequest,
)
from victron_serial.vebus.protocol.ids import RamVar, Setting
from victron_serial.vebus.protocol.winmon import ReplyCode, WinmonReply

# Its RAM variables are ours (0..19, 21); its settings are these (flags read apart).
MK2PY_SETTINGS = (2, 3, 4, 7, 8, 9, 15, 58, 28, 31, 56, 57, 64, 65, VS_SOC_LIMIT)
MK2PY_RAM_INFO_LENGTHS = {0, 2, 4, 5}  # data bytes after 0x8E it parses
SPLIT_RECORD_CODES = bytes(
    (ReplyCode.SETTING_OFFSET, ReplyCode.SETTING_DEFAULT, ReplyCode.SETTING_MINIMUM)
)
BIT_OFFSET = 0x8000
LISTABLE = sorted(n for n, m in MODELS.items() if m.access_byte and m.has_charger)


async def winmon(wire: Wire, request: bytes) -> WinmonReply:
    frames = decode_all(await wire.ask(request))
    assert len(frames) == 1
    answer = WinmonReply.decode(frames[0])
    assert answer is not None
    assert answer.letter == ord("X")  # it only ever sends X and waits for X
    return answer


async def start_session(wire: Wire) -> None:
    assert await wire.ask(AddressRequest.select(0).encode()) == AddressRequest.select(0).encode()
    combined = SetStateRequest(3, 0x8000, 0x90, flags_ext0=0, eeprom_flags=0)
    assert decode_all(await wire.ask(combined.encode()))[0].command == ord("S")


async def list_ram_vars(wire: Wire) -> None:
    for var in RamVar:
        info = await winmon(wire, GetRamVarInfo(var).encode())
        assert info.code == ReplyCode.VAR_SCALE
        assert len(info.data) in MK2PY_RAM_INFO_LENGTHS
        scale = int.from_bytes(info.data[:2], "little", signed=True) if info.data else 0
        if var in (RamVar.INVERTER_PERIOD, RamVar.MAINS_PERIOD):
            assert scale != 0  # it scales the periods without asking whether they exist
        if scale == 0:
            continue
        offset = int.from_bytes(info.data[2:4], "little") if len(info.data) == 4 else None
        if offset == BIT_OFFSET:
            assert 1 <= scale <= 16
        value = await winmon(wire, ReadRamVars((var,)).encode())
        assert (value.code, len(value.data) >= 2) == (ReplyCode.RAM_VALUES, True)


async def setting_info(wire: Wire, setting: int) -> WinmonReply:
    return await winmon(wire, GetSettingInfo(setting).encode())


def listable(info: WinmonReply) -> bool:
    data = info.data
    return (
        info.code == ReplyCode.SETTING_SCALE
        and len(data) >= 11
        and data[2:11:3] != SPLIT_RECORD_CODES
        and int.from_bytes(data[:2], "little", signed=True) != 0
    )


async def read_setting(wire: Wire, setting: int) -> None:
    value = await winmon(wire, ReadSetting(setting).encode())
    assert (value.code, len(value.data)) == (ReplyCode.SETTING_VALUE, 2)


@pytest.mark.parametrize(
    ("model", "options"),
    [(name, {}) for name in LISTABLE]
    + [("multiplus2-48", {"units": 3, "phases": 3}), ("quattro-48", {"units": 2})],
)
async def test_mk2py_write_list_sequence(
    connect: Connect, model: str, options: dict[str, int]
) -> None:
    _, wire = await connect(model, **options)
    await start_session(wire)
    await list_ram_vars(wire)
    for setting in MK2PY_SETTINGS:
        assert listable(await setting_info(wire, setting)), setting
        await read_setting(wire, setting)
    for flags in (Setting.FLAGS0, Setting.FLAGS1):
        await read_setting(wire, flags)


async def test_mk2py_stops_where_a_real_unit_would_stop_it(connect: Connect) -> None:
    _, old = await connect("multiplus-12")
    await start_session(old)
    await list_ram_vars(old)
    info = await setting_info(old, Setting.ABSORPTION_VOLTAGE)
    assert (info.code, len(info.data)) == (ReplyCode.SETTING_SCALE, 10)  # firmware 304
    _, phoenix = await connect("phoenix-24")
    await start_session(phoenix)
    await list_ram_vars(phoenix)
    info = await setting_info(phoenix, Setting.ABSORPTION_VOLTAGE)
    assert (info.code, info.data) == (ReplyCode.SETTING_SCALE, b"")  # no charger
