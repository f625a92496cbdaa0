"""Every captured frame the client sends or receives: exact bytes and documented values.

Each request class encodes to the captured bytes and decodes from them (as the simulator
reads requests); each reply decodes to the documented values and, where the simulator
builds it, encodes back to the same bytes.
"""

from __future__ import annotations

import pytest

from victron_serial.vebus import (
    AcInputConfig,
    ChargeState,
    DeviceState,
    LedState,
    LedStatus,
    Mode,
    SettingScale,
    SwitchState,
    VarScale,
)
from victron_serial.vebus.protocol import (
    AcInfoReply,
    AcInfoRequest,
    AcInputConfigReply,
    AddressReply,
    AddressRequest,
    DcInfoReply,
    DcInfoRequest,
    Frame,
    FrameDecoder,
    GetRamVarInfo,
    GetSettingInfo,
    InterfaceRequest,
    LedReply,
    LedRequest,
    RawSettingInfo,
    RawSwitchCommand,
    RawVarInfo,
    ReadRamVars,
    ReadSnapshot,
    SetStateReply,
    SetStateRequest,
    TakeSnapshot,
    VersionPart0,
    VersionPart1,
    VersionReply,
    VersionRequest,
    WinmonReply,
    WriteViaId,
)
from victron_serial.vebus.protocol.codec import parse_u16_list
from victron_serial.vebus.protocol.ids import Lines
from victron_serial.vebus.protocol.mk2 import RAW_SLEEP, RAW_WAKE
from victron_serial.vebus.protocol.variables import SettingInfoCollector
from victron_serial.vebus.protocol.winmon import ReplyCode, VersionLow

from . import captured as cap

X, Y, Z, W = (ord(c) for c in "XYZW")
SCALE_1_100 = RawVarInfo(32668, 0)
SIGNED_1_100 = RawVarInfo(-32668, 0)
INVERTER_PERIOD = RawVarInfo(0x8000 - 1961, 256)
MAINS_PERIOD = RawVarInfo(31791, 0)


def var_info(data: bytes) -> RawVarInfo | None:
    """What the client reads from 0x8E data."""
    return GetRamVarInfo(0).parse(ReplyCode.VAR_SCALE, data).info


def var_info_data(info: RawVarInfo | None, combined: bool) -> bytes:
    """What the simulator answers 0x36 with."""
    ((_, data),) = GetRamVarInfo.answer(info, combined)
    return data


def one(raw: bytes) -> Frame:
    (frame,) = FrameDecoder().feed(raw)
    return frame


@pytest.mark.parametrize(
    ("request_", "raw"),
    [
        (VersionRequest(), cap.VERSION_REQUEST),
        (AddressRequest(1, 0), cap.ADDRESS_SELECT),
        (LedRequest(), cap.LED_REQUEST),
        (DcInfoRequest(), cap.DC_REQUEST),
        (AcInfoRequest(1), cap.AC_L1_REQUEST),
        (TakeSnapshot((14, 16, 15)), cap.SNAPSHOT_TAKE),
        (ReadSnapshot(letter=X), cap.SNAPSHOT_READ),
        (ReadRamVars((134, 0), letter=Y), cap.READ_RAM_134_0),
        (ReadRamVars((128, 0), letter=X), cap.READ_RAM_128_0),
        (ReadRamVars((13,), letter=W), cap.READ_RAM_W_13),
        (WriteViaId(0, 131, 370, letter=Z), cap.WRITE_RAM_131_370),
        (WriteViaId(1, 64, 2000, letter=Y), cap.WRITE_SETTING_64_2000),
        (WriteViaId(1, 2, 5680, letter=X), cap.WRITE_ABSORPTION_EEPROM),
        (WriteViaId(3, 2, 5680, letter=X), cap.WRITE_ABSORPTION_RAM_ONLY),
        (GetRamVarInfo(0, letter=Y), cap.RAM_INFO_REQUEST_Y0),
        (GetRamVarInfo(0, letter=W), cap.RAM_INFO_REQUEST_W0),
        (VersionPart0(letter=X), cap.VERSION_PART0_X),
        (VersionPart1(letter=Y), cap.VERSION_PART1_Y),
        (VersionPart0(letter=W), cap.VERSION_PART0_W),
        (SetStateRequest(3, 125), cap.SET_STATE_ON_12_5A),
        (SetStateRequest(3), cap.SET_STATE_ON_NO_LIMIT),
        (SetStateRequest(3, 0x10C0, 0x01), cap.SET_STATE_OLD_FORM),
        (SetStateRequest(0, 0, 0x90, 1, 0x01, 0x00), cap.SET_STATE_INIT),
        (InterfaceRequest(Lines.PANEL_DETECT | Lines.STANDBY), cap.INTERFACE_STANDBY),
    ],
    ids=lambda value: value.hex(" ") if isinstance(value, bytes) else type(value).__name__,
)
def test_requests_encode_to_the_captured_bytes_and_back(request_: object, raw: bytes) -> None:
    assert request_.encode() == raw  # type: ignore[attr-defined]
    assert type(request_).decode(one(raw)).encode() == raw  # type: ignore[attr-defined]


def test_sleep_and_wake_frames() -> None:
    assert RawSwitchCommand(RAW_SLEEP).encode() == cap.SLEEP
    assert RawSwitchCommand(RAW_WAKE).encode() == cap.WAKE
    assert RawSwitchCommand.decode(one(cap.WAKE)) == RawSwitchCommand(RAW_WAKE)


@pytest.mark.parametrize(
    ("raw", "version", "mode", "mk3"),
    [
        (cap.VERSION_MK3_B, 1170212, 0x42, True),
        (cap.VERSION_MK3_ADDR0, 1170216, 0, True),
        (cap.VERSION_MK3_HEARTBEAT, 1170216, 0x42, True),
        (cap.VERSION_MK2_VELIB, 1130132, 0, False),
        (cap.VERSION_MK2, 1130134, 0, False),  # invertergui's decoder wrongly says 2736
    ],
)
def test_version_frames(raw: bytes, version: int, mode: int, mk3: bool) -> None:
    reply = VersionReply.decode(one(raw))
    assert reply == VersionReply(version, mode)
    assert reply.is_mk3 is mk3
    assert reply.encode() == raw


def test_address_replies_with_and_without_pad() -> None:
    assert AddressReply.decode(one(cap.ADDRESS_SELECT)) == AddressReply(1, 0)
    padded = AddressReply.decode(one(cap.ADDRESS_REPLY_PADDED))
    assert padded == AddressReply(1, 0, padded=True)
    assert padded.encode() == cap.ADDRESS_REPLY_PADDED


def test_led_frames() -> None:
    reply = LedReply.decode(one(cap.LED_MAINS_BULK_FLOAT_BLINK))
    assert reply is not None
    assert reply.encode() == cap.LED_MAINS_BULK_FLOAT_BLINK
    leds = LedStatus(reply.on, reply.blink, reply.alarms, reply.vebus_error).leds
    assert leds["mains"] is LedState.ON
    assert leds["bulk"] is leds["float"] is LedState.BLINK
    assert leds["absorption"] is LedState.OFF
    assert reply.extra == b"\x80\x00"
    short = LedReply.decode(one(cap.LED_MAINS_ABSORPTION))
    assert short is not None
    assert LedStatus(short.on, short.blink, 0, 0).leds["absorption"] is LedState.ON
    assert LedStatus(1, 1, 0, 0).led(0) is LedState.BLINK_INVERTED


def test_dc_info_frame_decodes_to_the_documented_values() -> None:
    reply = DcInfoReply.decode(one(cap.DC_INFO))
    assert reply == DcInfoReply(1441, 0, 40, 136, bytes.fromhex("F3 00 C8 02"))
    assert reply.encode() == cap.DC_INFO
    assert VarScale.from_info(SCALE_1_100).value(reply.voltage) == pytest.approx(14.41)
    assert VarScale.from_info(SIGNED_1_100).value_wide(reply.charger_current) == pytest.approx(0.40)
    assert VarScale.from_info(INVERTER_PERIOD).frequency(reply.period) == pytest.approx(
        50.03, abs=0.005
    )
    assert AcInfoReply.decode(one(cap.DC_INFO)) is None


def test_ac_info_frames_decode_to_the_documented_values() -> None:
    reply = AcInfoReply.decode(one(cap.AC_INFO_CHARGE))
    assert reply is not None
    assert reply.encode() == cap.AC_INFO_CHARGE
    assert (reply.phase, reply.phase_count) == (1, 1)
    assert DeviceState(reply.state) is DeviceState.CHARGE
    volts, amps = VarScale.from_info(SCALE_1_100), VarScale.from_info(SIGNED_1_100)
    assert volts.value(reply.mains_voltage) == pytest.approx(226.98)
    assert amps.value_wide(reply.mains_current) == pytest.approx(1.71)
    assert amps.value_wide(reply.inverter_current) == pytest.approx(1.54)
    assert VarScale.from_info(MAINS_PERIOD).frequency(reply.mains_period) == pytest.approx(
        50.10, abs=0.005
    )
    feeding = AcInfoReply.decode(one(cap.AC_INFO_FEEDING))
    assert feeding is not None
    assert amps.value_wide(feeding.mains_current) == pytest.approx(-1.61)
    assert volts.value(feeding.mains_voltage) == pytest.approx(232.76)
    assert DcInfoReply.decode(one(cap.AC_INFO_CHARGE)) is None


def test_unknown_device_state_keeps_its_raw_byte() -> None:
    state = DeviceState(0xB7)  # a real MultiPlus 24/3000 sends this
    assert state.name == "unknown"
    assert state.value == 0xB7
    assert ChargeState(200).name == "unknown"
    assert SwitchState(9).name == "unknown"


def test_ac_input_config_frame() -> None:
    reply = AcInputConfigReply.decode(one(cap.AC_INPUT_CONFIG))
    assert reply is not None
    assert reply.encode() == cap.AC_INPUT_CONFIG
    assert (reply.minimum, reply.maximum, reply.actual) == (94, 500, 99)
    assert (reply.active_input, reply.input_count) == (0, 1)
    assert reply.limit_adjustable and reply.panel_detected
    config = AcInputConfig(9.9, 9.4, 50.0, 0, 1, True, True, reply.switch_register)
    assert config.mode is Mode.ON
    assert config.remote_mode is Mode.ON
    assert config.front_switch is Mode.ON


def test_snapshot_replies() -> None:
    reply = WinmonReply.decode(one(cap.SNAPSHOT_REPLY))
    assert reply == WinmonReply(X, ReplyCode.SNAPSHOT, bytes.fromhex("89 FE 05 00 72 01"))
    powers = VarScale.from_info(RawVarInfo(-1, 0))
    assert [powers.value(v) for v in parse_u16_list(reply.data)] == [-375, 5, 370]
    short = WinmonReply.decode(one(cap.SNAPSHOT_SHORT_REPLY))
    assert short is not None
    assert parse_u16_list(short.data) == [0xFFFF, 0xFFFF, 4892, 0]


def test_ram_values_and_ess_chain_header() -> None:
    reply = WinmonReply.decode(one(cap.RAM_VALUES_128_0))
    assert reply is not None
    header, mains = parse_u16_list(reply.data)
    assert (header >> 4, header & 0xF) == (9, 0)
    assert VarScale.from_info(SCALE_1_100).value(mains) == pytest.approx(228.81)
    w_reply = WinmonReply.decode(one(cap.RAM_VALUES_W))
    assert w_reply is not None
    signed = VarScale.from_info(RawVarInfo(-1, 0))
    assert signed.value(parse_u16_list(w_reply.data)[0]) == -257


@pytest.mark.parametrize(
    ("raw", "letter", "code"),
    [
        (cap.RAM_WRITTEN_Z, Z, ReplyCode.RAM_WRITTEN),
        (cap.RAM_WRITTEN_X, X, ReplyCode.RAM_WRITTEN),
        (cap.SETTING_WRITTEN_Y, Y, ReplyCode.SETTING_WRITTEN),
    ],
)
def test_write_acknowledgements(raw: bytes, letter: int, code: int) -> None:
    reply = WinmonReply(letter, code)
    assert WinmonReply.decode(one(raw)) == reply
    assert reply.encode() == raw


def test_var_info_in_both_forms() -> None:
    combined = WinmonReply.decode(one(cap.RAM_INFO_COMBINED))
    split = WinmonReply.decode(one(cap.RAM_INFO_SPLIT))
    assert combined is not None and split is not None
    assert var_info(combined.data) == var_info(split.data) == SCALE_1_100
    assert var_info_data(SCALE_1_100, combined=True) == combined.data
    assert var_info_data(SCALE_1_100, combined=False) == split.data
    unsupported = WinmonReply.decode(one(cap.RAM_INFO_UNSUPPORTED))
    assert unsupported is not None
    assert var_info(unsupported.data) is None
    assert var_info(var_info_data(None, combined=False)) is None
    assert VarScale.from_info(SCALE_1_100).factor == pytest.approx(0.01)


def test_setting_info_in_both_forms() -> None:
    reply = WinmonReply.decode(one(cap.SETTING_INFO_COMBINED))
    assert reply is not None
    collector = SettingInfoCollector()
    collector.add(reply.code, reply.data)
    assert collector.done
    assert collector.info == RawSettingInfo(1, 0, 3, 1, 3)
    assert GetSettingInfo.answer(collector.info, combined=True) == [(reply.code, reply.data)]
    split = SettingInfoCollector()
    for code, data in GetSettingInfo.answer(RawSettingInfo(-100, 0, 1440, 1200, 1600), False):
        assert not split.done
        split.add(code, data)
    assert split.info == RawSettingInfo(-100, 0, 1440, 1200, 1600)
    flags = WinmonReply.decode(one(cap.SETTING_INFO_FLAGS0))
    assert flags is not None
    long_form = SettingInfoCollector()
    long_form.add(flags.code, flags.data)
    assert long_form.info == RawSettingInfo(1, 0, 0x89B4, 0, 0x6FFC, 0)
    none = WinmonReply.decode(one(cap.SETTING_INFO_UNSUPPORTED))
    assert none is not None
    empty = SettingInfoCollector()
    empty.add(none.code, none.data)
    assert empty.done and empty.info is None


def test_version_in_both_forms() -> None:
    combined = WinmonReply.decode(one(cap.VERSION_COMBINED))
    assert combined is not None
    assert VersionPart0().parse(combined.code, combined.data) == VersionLow(2648304, True)
    low = WinmonReply.decode(one(cap.VERSION_LOW_WORD))
    high = WinmonReply.decode(one(cap.VERSION_HIGH_WORD))
    assert low is not None and high is not None
    first = VersionPart0().parse(low.code, low.data)
    assert not first.complete
    assert first.value | VersionPart1().parse(high.code, high.data) << 16 == 2648304  # type: ignore[operator]
    assert VersionPart0.answer(2648304, True, b"\x07\x01") == [(combined.code, combined.data)]
    assert VersionPart0.answer(2648304, False) == [(low.code, low.data)]
    assert VersionPart1.answer(2648304) == [(high.code, high.data)]


def test_setting_value_reply() -> None:
    reply = WinmonReply.decode(one(cap.SETTING_VALUE_FLAGS0))
    assert reply is not None
    assert parse_u16_list(reply.data) == [0x8134]
    appended = WinmonReply.decode(one(cap.LED_APPENDED_SETTING_VALUE))
    assert appended == reply


def test_set_state_ack() -> None:
    assert SetStateReply.decode(one(cap.SET_STATE_ACK)) == SetStateReply()
    assert SetStateReply().encode() == cap.SET_STATE_ACK


@pytest.mark.parametrize(
    ("info", "raw", "value"),
    [
        (RawSettingInfo(-100, 0, 1440, 1200, 1600), 1440, 14.40),
        (RawSettingInfo(-10, 0, 320, 10, 500), 320, 32.0),
        (RawSettingInfo(15, 0, 4, 1, 96), 4, 60.0),
        (RawSettingInfo(1, 0, 3, 1, 3), 3, 3.0),
    ],
)
def test_setting_scales(info: RawSettingInfo, raw: int, value: float) -> None:
    scale = SettingScale(info)
    assert scale.value(raw) == pytest.approx(value)
    assert scale.raw(value) == raw
    assert scale.check(value) == raw


def test_setting_bounds_refuse_before_sending() -> None:
    scale = SettingScale(RawSettingInfo(-100, 0, 1440, 1200, 1600))
    assert (scale.minimum, scale.maximum, scale.step) == (12.0, 16.0, 0.01)
    with pytest.raises(ValueError, match="outside"):
        scale.check(16.01)
    with pytest.raises(ValueError, match="not a number"):
        scale.check(float("nan"))


def test_bit_variables_and_reciprocal_scales() -> None:
    relay = VarScale.from_info(RawVarInfo(6, -0x8000))
    assert relay.bit == 5
    assert relay.value(0x20) == 1.0
    assert relay.raw(1) == 0x20
    assert VarScale.from_info(RawVarInfo(32568, 0)).factor == pytest.approx(1 / 200)
    assert VarScale.from_info(RawVarInfo(-32758, 0)).value(0xFFF6) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="does not fit"):
        VarScale.from_info(RawVarInfo(-1, 0)).raw(40000)
