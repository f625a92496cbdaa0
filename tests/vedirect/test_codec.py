"""The HEX codec and the register table against every frame in docs/vedirect-vectors.md."""

from __future__ import annotations

import pytest

from tests.vedirect.vectors import HEX, HexVector, frame
from victron_serial.vedirect import (
    VEDirectOutOfRangeError,
    VEDirectParameterError,
    VEDirectProtocolError,
    VEDirectUnknownRegisterError,
    VEDirectUnsupportedError,
)
from victron_serial.vedirect.protocol import (
    FRAMING_ERROR,
    Command,
    FramingErrorReply,
    GetAppVersion,
    GetProductId,
    GetRegister,
    HexFrame,
    Ping,
    RegisterFrame,
    Response,
    SetRegister,
    decode_request,
)
from victron_serial.vedirect.registers import (
    REGISTERS,
    Kind,
    Reg,
    Register,
    register,
    unknown_register,
)

NO_DATA_REQUESTS = {
    "ping": Ping(),
    "app_version": GetAppVersion(),
    "product_id": GetProductId(),
}
REPLY_COMMANDS = {"get-reply": Response.GET, "set-reply": Response.SET, "async": Response.ASYNC}


def _register(name: str) -> Register:
    return unknown_register(int(name, 16)) if name.startswith("0x") else register(name)


def _check_value(item: Register, data: bytes, shown: str) -> None:
    if item.name.startswith("register_0x"):
        assert data.hex().upper() == shown
        return
    value = item.value(data)
    if shown == "n/a":
        assert value is None
    elif shown.endswith(" bytes"):
        assert item.kind is Kind.BYTES
        assert len(data) == int(shown.split()[0])
    else:
        number, _, unit = shown.partition(" ")
        assert value == pytest.approx(float(number))
        assert (item.unit or "") == unit


@pytest.mark.parametrize("row", HEX, ids=lambda row: f"{row.number}")
def test_every_frame_decodes_to_what_the_table_says(row: HexVector) -> None:
    parsed = HexFrame.decode(row.wire)
    if row.meaning == "bad":
        assert parsed is None
        return
    assert parsed is not None
    assert parsed.encode() == row.wire  # encoding gives the same bytes back
    word, _, rest = row.meaning.partition(" ")
    name, _, shown = rest.partition(" = ")
    if row.direction == "TX":
        _check_request(parsed, word, name, shown, row)
    else:
        _check_reply(parsed, word, name, shown)


def _check_request(parsed: HexFrame, word: str, name: str, shown: str, row: HexVector) -> None:
    if word in NO_DATA_REQUESTS:
        assert NO_DATA_REQUESTS[word].encode() == row.wire
        assert decode_request(parsed) == NO_DATA_REQUESTS[word]
    elif word == "restart":
        assert parsed == HexFrame(Command.RESTART, b"")
    elif word == "reserved":
        assert parsed == HexFrame(int(name), b"")
        assert decode_request(parsed) is None
    elif word == "get":
        item = register(name)
        assert GetRegister(item.id).encode() == row.wire
        assert decode_request(parsed) == GetRegister(item.id)
    else:
        assert word == "set"
        item = register(name)
        number = float(shown.split()[0])
        request = SetRegister(item.id, item.encode(item.raw_for(number)))
        assert request.encode() == row.wire
        assert decode_request(parsed) == request


def _check_reply(parsed: HexFrame, word: str, name: str, shown: str) -> None:
    if word == "ping-reply":
        assert Ping().match(parsed) == int(name, 16)
    elif word == "done":
        assert GetAppVersion().match(parsed) == int(name, 16)
        assert GetProductId().match(parsed) == int(name, 16)
        assert Ping().match(parsed) is None
    elif word == "unknown-command":
        assert parsed.command == Response.UNKNOWN and parsed.data[0] == int(name)
    elif word == "error":
        assert int(name, 16) == FRAMING_ERROR
        with pytest.raises(FramingErrorReply):
            GetRegister(Reg.CHARGE_CURRENT_LIMIT.id).match(parsed)
    else:
        reply = RegisterFrame.decode(parsed)
        assert reply is not None
        assert reply.command == REPLY_COMMANDS[word]
        assert reply.flags == 0
        item = _register(name)
        assert reply.register == item.id
        assert reply.encode() == parsed.encode()
        _check_value(item, reply.value, shown)


def test_a_get_is_answered_only_by_its_own_register() -> None:
    get = GetRegister(Reg.CHARGE_CURRENT_LIMIT.id)
    assert get.match(HexFrame.decode(frame(9)) or HexFrame(0, b"")) is not None
    for unrelated in (16, 17, 21, 11):  # async frames, and a Set reply for the same register
        parsed = HexFrame.decode(frame(unrelated))
        assert parsed is not None
        assert get.match(parsed) is None
    assert (
        SetRegister(Reg.CHARGE_CURRENT_LIMIT.id, b"\x64\x00").match(
            HexFrame.decode(frame(9)) or HexFrame(0, b"")
        )
        is None
    )


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        (0x01, VEDirectUnknownRegisterError),
        (0x02, VEDirectUnsupportedError),
        (0x04, VEDirectParameterError),
        (0x08, VEDirectProtocolError),
    ],
)
def test_reply_flags_become_typed_errors(flags: int, error: type[Exception]) -> None:
    reply = RegisterFrame(Response.GET, 0xEDF0, flags, b"").frame()
    with pytest.raises(error):
        GetRegister(0xEDF0).match(reply)


def test_an_unknown_command_reply_names_the_request() -> None:
    with pytest.raises(VEDirectUnsupportedError):
        Ping().match(HexFrame(Response.UNKNOWN, bytes((Command.PING,))))
    assert Ping().match(HexFrame(Response.UNKNOWN, bytes((Command.GET,)))) is None


@pytest.mark.parametrize(
    "line",
    [
        b":8F0ED0050006B\n",  # WAS's padding bug: the check byte is for 0x05 (vectors page)
        b":",
        b":1\n",
        b":15\n",  # an even number of digits
        b":1G4\n",
        b"154\n",
    ],
)
def test_what_is_no_frame_decodes_to_none(line: bytes) -> None:
    assert HexFrame.decode(line) is None


def test_a_value_with_the_wrong_width_is_a_protocol_error() -> None:
    with pytest.raises(VEDirectProtocolError):
        Reg.CHARGE_CURRENT_LIMIT.decode(b"\x01")
    with pytest.raises(VEDirectProtocolError):
        Reg.MODEL_NAME.encode(1)
    with pytest.raises(VEDirectProtocolError):
        Reg.MODEL_NAME.raw_for(1.0)


def test_the_register_table_states_each_fact_once() -> None:
    assert len({item.name for item in REGISTERS.values()}) == len(REGISTERS)
    assert Reg.CHARGE_CURRENT_LIMIT.name == "charge_current_limit"
    assert register(0xEDF0) is register("0xEDF0") is register("EDF0") is Reg.CHARGE_CURRENT_LIMIT
    assert register("charge-current-limit") is Reg.CHARGE_CURRENT_LIMIT
    nvm = {item.name for item in REGISTERS.values() if item.nvm}
    assert {"charge_current_limit", "absorption_voltage", "float_voltage"} <= nvm
    assert all(item.writable for item in REGISTERS.values() if item.nvm)
    assert not Reg.LINK_CHARGE_CURRENT_LIMIT.writable  # the volatile path is not built
    for bad in ("no_such_register", 0x1234):
        with pytest.raises(KeyError):
            register(bad)


def test_raw_values_are_bounded_by_the_layout_before_anything_is_sent() -> None:
    limit = Reg.CHARGE_CURRENT_LIMIT
    assert limit.raw_for(25.6) == 0x100
    assert limit.encode(limit.raw_for(25.6)) == b"\x00\x01"  # both bytes (row 78)
    with pytest.raises(VEDirectOutOfRangeError) as caught:
        limit.raw_for(-1)
    assert (caught.value.minimum, caught.value.unit) == (0, "A")
    with pytest.raises(VEDirectOutOfRangeError):
        Reg.MAXIMUM_CURRENT.raw_for(6553.5)  # 0xFFFF means "not available"
    assert Reg.CHANNEL1_VOLTAGE.value(b"\xff\x7f") is None
    assert Reg.CHANNEL1_VOLTAGE.value(b"\x00\x80") == pytest.approx(-327.68)
    assert Reg.MODEL_NAME.value(b"Blue Smart\0junk") == "Blue Smart"
