"""Every captured frame the client sends or receives: exact bytes and documented values."""

from __future__ import annotations

import pytest

from vebus import messages as m
from vebus.framing import Frame, FrameDecoder
from vebus.models import AcInputConfig, LedState, LedStatus, Mode
from vebus.scaling import SettingScale, VarScale

from . import captured as cap

X, Y, Z, W = (ord(c) for c in "XYZW")
SCALE_1_100 = m.RawVarInfo(32668, 0)
SIGNED_1_100 = m.RawVarInfo(-32668, 0)
INVERTER_PERIOD = m.RawVarInfo(0x8000 - 1961, 256)
MAINS_PERIOD = m.RawVarInfo(31791, 0)


def one(raw: bytes) -> Frame:
    (frame,) = FrameDecoder().feed(raw)
    return frame


@pytest.mark.parametrize(
    ("request_", "raw"),
    [
        (m.VersionRequest(), cap.VERSION_REQUEST),
        (m.AddressRequest(1, 0), cap.ADDRESS_SELECT),
        (m.LedRequest(), cap.LED_REQUEST),
        (m.InfoRequest(0), cap.DC_REQUEST),
        (m.InfoRequest(1), cap.AC_L1_REQUEST),
        (m.snapshot_request([14, 16, 15]), cap.SNAPSHOT_TAKE),
        (m.WinmonRequest(X, m.Winmon.READ_SNAPSHOT), cap.SNAPSHOT_READ),
        (
            m.WinmonRequest(Y, m.Winmon.READ_RAM_VAR, m.read_ram_vars_args([134, 0])),
            cap.READ_RAM_134_0,
        ),
        (
            m.WinmonRequest(X, m.Winmon.READ_RAM_VAR, m.read_ram_vars_args([128, 0])),
            cap.READ_RAM_128_0,
        ),
        (m.WinmonRequest(W, m.Winmon.READ_RAM_VAR, m.read_ram_vars_args([13])), cap.READ_RAM_W_13),
        (
            m.WinmonRequest(Z, m.Winmon.WRITE_VIA_ID, m.write_via_id_args(0, 131, 370)),
            cap.WRITE_RAM_131_370,
        ),
        (
            m.WinmonRequest(Y, m.Winmon.WRITE_VIA_ID, m.write_via_id_args(1, 64, 2000)),
            cap.WRITE_SETTING_64_2000,
        ),
        (
            m.WinmonRequest(X, m.Winmon.WRITE_VIA_ID, m.write_via_id_args(1, 2, 5680)),
            cap.WRITE_ABSORPTION_EEPROM,
        ),
        (
            m.WinmonRequest(X, m.Winmon.WRITE_VIA_ID, m.write_via_id_args(3, 2, 5680)),
            cap.WRITE_ABSORPTION_RAM_ONLY,
        ),
        (m.WinmonRequest(Y, m.Winmon.RAM_VAR_INFO, m.id_args(0)), cap.RAM_INFO_REQUEST_Y0),
        (m.WinmonRequest(W, m.Winmon.RAM_VAR_INFO, m.id_args(0)), cap.RAM_INFO_REQUEST_W0),
        (m.WinmonRequest(X, m.Winmon.VERSION_PART0), cap.VERSION_PART0_X),
        (m.WinmonRequest(Y, m.Winmon.VERSION_PART1), cap.VERSION_PART1_Y),
        (m.WinmonRequest(W, m.Winmon.VERSION_PART0), cap.VERSION_PART0_W),
        (m.SetStateRequest(3, 125), cap.SET_STATE_ON_12_5A),
        (m.SetStateRequest(3), cap.SET_STATE_ON_NO_LIMIT),
        (m.SetStateRequest(3, 0x10C0, 0x01), cap.SET_STATE_OLD_FORM),
        (m.SetStateRequest(0, 0, 0x90, 1, 0x01, 0x00), cap.SET_STATE_INIT),
        (m.InterfaceRequest(m.H_PANEL_DETECT | m.H_STANDBY), cap.INTERFACE_STANDBY),
    ],
    ids=lambda value: value.hex(" ") if isinstance(value, bytes) else type(value).__name__,
)
def test_requests_encode_to_the_captured_bytes_and_back(request_: object, raw: bytes) -> None:
    assert request_.encode() == raw  # type: ignore[attr-defined]
    assert type(request_).decode(one(raw)).encode() == raw  # type: ignore[attr-defined]


def test_sleep_and_wake_frames() -> None:
    assert m.raw_switch_frame(m.RAW_SLEEP) == cap.SLEEP
    assert m.raw_switch_frame(m.RAW_WAKE) == cap.WAKE


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
    reply = m.VersionReply.decode(one(raw))
    assert reply == m.VersionReply(version, mode)
    assert reply.is_mk3 is mk3
    assert reply.encode() == raw


def test_address_replies_with_and_without_pad() -> None:
    assert m.AddressReply.decode(one(cap.ADDRESS_SELECT)) == m.AddressReply(1, 0)
    padded = m.AddressReply.decode(one(cap.ADDRESS_REPLY_PADDED))
    assert padded == m.AddressReply(1, 0, padded=True)
    assert padded.encode() == cap.ADDRESS_REPLY_PADDED


def test_led_frames() -> None:
    reply = m.LedReply.decode(one(cap.LED_MAINS_BULK_FLOAT_BLINK))
    assert reply is not None
    assert reply.encode() == cap.LED_MAINS_BULK_FLOAT_BLINK
    leds = LedStatus(reply.on, reply.blink, reply.alarms, reply.vebus_error).leds
    assert leds["mains"] is LedState.ON
    assert leds["bulk"] is leds["float"] is LedState.BLINK
    assert leds["absorption"] is LedState.OFF
    assert reply.extra == b"\x80\x00"
    short = m.LedReply.decode(one(cap.LED_MAINS_ABSORPTION))
    assert short is not None
    assert LedStatus(short.on, short.blink, 0, 0).leds["absorption"] is LedState.ON
    assert LedStatus(1, 1, 0, 0).led(0) is LedState.BLINK_INVERTED


def test_dc_info_frame_decodes_to_the_documented_values() -> None:
    reply = m.DcInfoReply.decode(one(cap.DC_INFO))
    assert reply == m.DcInfoReply(1441, 0, 40, 136, bytes.fromhex("F3 00 C8 02"))
    assert reply.encode() == cap.DC_INFO
    assert VarScale.from_info(SCALE_1_100).value(reply.voltage) == pytest.approx(14.41)
    assert VarScale.from_info(SIGNED_1_100).value_wide(reply.charger_current) == pytest.approx(0.40)
    assert VarScale.from_info(INVERTER_PERIOD).frequency(reply.period) == pytest.approx(
        50.03, abs=0.005
    )
    assert m.AcInfoReply.decode(one(cap.DC_INFO)) is None


def test_ac_info_frames_decode_to_the_documented_values() -> None:
    reply = m.AcInfoReply.decode(one(cap.AC_INFO_CHARGE))
    assert reply is not None
    assert reply.encode() == cap.AC_INFO_CHARGE
    assert (reply.phase, reply.phase_count) == (1, 1)
    assert m.DeviceState(reply.state) is m.DeviceState.CHARGE
    volts, amps = VarScale.from_info(SCALE_1_100), VarScale.from_info(SIGNED_1_100)
    assert volts.value(reply.mains_voltage) == pytest.approx(226.98)
    assert amps.value_wide(reply.mains_current) == pytest.approx(1.71)
    assert amps.value_wide(reply.inverter_current) == pytest.approx(1.54)
    assert VarScale.from_info(MAINS_PERIOD).frequency(reply.mains_period) == pytest.approx(
        50.10, abs=0.005
    )
    feeding = m.AcInfoReply.decode(one(cap.AC_INFO_FEEDING))
    assert feeding is not None
    assert amps.value_wide(feeding.mains_current) == pytest.approx(-1.61)
    assert volts.value(feeding.mains_voltage) == pytest.approx(232.76)
    assert m.DcInfoReply.decode(one(cap.AC_INFO_CHARGE)) is None


def test_unknown_device_state_keeps_its_raw_byte() -> None:
    state = m.DeviceState(0xB7)  # a real MultiPlus 24/3000 sends this
    assert state.name == "unknown"
    assert state.value == 0xB7
    assert m.ChargeState(200).name == "unknown"
    assert m.SwitchState(9).name == "unknown"


def test_ac_input_config_frame() -> None:
    reply = m.AcInputConfigReply.decode(one(cap.AC_INPUT_CONFIG))
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
    reply = m.WinmonReply.decode(one(cap.SNAPSHOT_REPLY))
    assert reply == m.WinmonReply(X, m.Reply.SNAPSHOT, bytes.fromhex("89 FE 05 00 72 01"))
    powers = VarScale.from_info(m.RawVarInfo(-1, 0))
    assert [powers.value(v) for v in m.parse_u16_list(reply.data)] == [-375, 5, 370]
    short = m.WinmonReply.decode(one(cap.SNAPSHOT_SHORT_REPLY))
    assert short is not None
    assert m.parse_u16_list(short.data) == [0xFFFF, 0xFFFF, 4892, 0]


def test_ram_values_and_ess_chain_header() -> None:
    reply = m.WinmonReply.decode(one(cap.RAM_VALUES_128_0))
    assert reply is not None
    header, mains = m.parse_u16_list(reply.data)
    assert (header >> 4, header & 0xF) == (9, 0)
    assert VarScale.from_info(SCALE_1_100).value(mains) == pytest.approx(228.81)
    w_reply = m.WinmonReply.decode(one(cap.RAM_VALUES_W))
    assert w_reply is not None
    signed = VarScale.from_info(m.RawVarInfo(-1, 0))
    assert signed.value(m.parse_u16_list(w_reply.data)[0]) == -257


@pytest.mark.parametrize(
    ("raw", "letter", "code"),
    [
        (cap.RAM_WRITTEN_Z, Z, m.Reply.RAM_WRITTEN),
        (cap.RAM_WRITTEN_X, X, m.Reply.RAM_WRITTEN),
        (cap.SETTING_WRITTEN_Y, Y, m.Reply.SETTING_WRITTEN),
    ],
)
def test_write_acknowledgements(raw: bytes, letter: int, code: int) -> None:
    reply = m.WinmonReply(letter, code)
    assert m.WinmonReply.decode(one(raw)) == reply
    assert reply.encode() == raw


def test_var_info_in_both_forms() -> None:
    combined = m.WinmonReply.decode(one(cap.RAM_INFO_COMBINED))
    split = m.WinmonReply.decode(one(cap.RAM_INFO_SPLIT))
    assert combined is not None and split is not None
    assert m.decode_var_info(combined.data) == m.decode_var_info(split.data) == SCALE_1_100
    assert m.encode_var_info(SCALE_1_100, combined=True) == combined.data
    assert m.encode_var_info(SCALE_1_100, combined=False) == split.data
    unsupported = m.WinmonReply.decode(one(cap.RAM_INFO_UNSUPPORTED))
    assert unsupported is not None
    assert m.decode_var_info(unsupported.data) is None
    assert m.decode_var_info(m.encode_var_info(None, combined=False)) is None
    assert VarScale.from_info(SCALE_1_100).factor == pytest.approx(0.01)


def test_setting_info_in_both_forms() -> None:
    reply = m.WinmonReply.decode(one(cap.SETTING_INFO_COMBINED))
    assert reply is not None
    collector = m.SettingInfoCollector()
    collector.add(reply.code, reply.data)
    assert collector.done
    assert collector.info == m.RawSettingInfo(1, 0, 3, 1, 3)
    assert m.encode_setting_info(collector.info, combined=True) == [(reply.code, reply.data)]
    split = m.SettingInfoCollector()
    for code, data in m.encode_setting_info(m.RawSettingInfo(-100, 0, 1440, 1200, 1600), False):
        assert not split.done
        split.add(code, data)
    assert split.info == m.RawSettingInfo(-100, 0, 1440, 1200, 1600)
    flags = m.WinmonReply.decode(one(cap.SETTING_INFO_FLAGS0))
    assert flags is not None
    long_form = m.SettingInfoCollector()
    long_form.add(flags.code, flags.data)
    assert long_form.info == m.RawSettingInfo(1, 0, 0x89B4, 0, 0x6FFC, 0)
    none = m.WinmonReply.decode(one(cap.SETTING_INFO_UNSUPPORTED))
    assert none is not None
    empty = m.SettingInfoCollector()
    empty.add(none.code, none.data)
    assert empty.done and empty.info is None


def test_version_in_both_forms() -> None:
    combined = m.WinmonReply.decode(one(cap.VERSION_COMBINED))
    assert combined is not None
    assert m.decode_version_low(combined.data) == (2648304, True)
    low = m.WinmonReply.decode(one(cap.VERSION_LOW_WORD))
    high = m.WinmonReply.decode(one(cap.VERSION_HIGH_WORD))
    assert low is not None and high is not None
    value, complete = m.decode_version_low(low.data)
    assert not complete
    assert value | m.parse_u16_list(high.data)[0] << 16 == 2648304
    assert m.encode_version(2648304, True, b"\x07\x01") == [(combined.code, combined.data)]
    assert m.encode_version_high(2648304) == high.data


def test_setting_value_reply() -> None:
    reply = m.WinmonReply.decode(one(cap.SETTING_VALUE_FLAGS0))
    assert reply is not None
    assert m.parse_u16_list(reply.data) == [0x8134]
    appended = m.WinmonReply.decode(one(cap.LED_APPENDED_SETTING_VALUE))
    assert appended == reply


def test_set_state_ack() -> None:
    assert m.SetStateReply.decode(one(cap.SET_STATE_ACK)) == m.SetStateReply()
    assert m.SetStateReply().encode() == cap.SET_STATE_ACK


@pytest.mark.parametrize(
    ("info", "raw", "value"),
    [
        (m.RawSettingInfo(-100, 0, 1440, 1200, 1600), 1440, 14.40),
        (m.RawSettingInfo(-10, 0, 320, 10, 500), 320, 32.0),
        (m.RawSettingInfo(15, 0, 4, 1, 96), 4, 60.0),
        (m.RawSettingInfo(1, 0, 3, 1, 3), 3, 3.0),
    ],
)
def test_setting_scales(info: m.RawSettingInfo, raw: int, value: float) -> None:
    scale = SettingScale(info)
    assert scale.value(raw) == pytest.approx(value)
    assert scale.raw(value) == raw
    assert scale.check(value) == raw


def test_setting_bounds_refuse_before_sending() -> None:
    scale = SettingScale(m.RawSettingInfo(-100, 0, 1440, 1200, 1600))
    assert (scale.minimum, scale.maximum, scale.step) == (12.0, 16.0, 0.01)
    with pytest.raises(ValueError, match="outside"):
        scale.check(16.01)
    with pytest.raises(ValueError, match="not a number"):
        scale.check(float("nan"))


def test_bit_variables_and_reciprocal_scales() -> None:
    relay = VarScale.from_info(m.RawVarInfo(6, -0x8000))
    assert relay.bit == 5
    assert relay.value(0x20) == 1.0
    assert relay.raw(1) == 0x20
    assert VarScale.from_info(m.RawVarInfo(32568, 0)).factor == pytest.approx(1 / 200)
    assert VarScale.from_info(m.RawVarInfo(-32758, 0)).value(0xFFF6) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="does not fit"):
        VarScale.from_info(m.RawVarInfo(-1, 0)).raw(40000)
