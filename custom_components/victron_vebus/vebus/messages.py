"""Every request and reply of the MK2/MK3 protocol: the only place byte layouts live.

Each message is a dataclass with ``encode()`` (its wire bytes) and a
``decode(frame)`` class method that returns ``None`` when the frame is not that
message. The client encodes requests and decodes replies; the simulator does the
opposite with the same classes, so both sides agree by construction.
Values stay raw here; ``scaling`` turns them into engineering units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
import struct
from typing import Self

from .framing import (
    AC_INPUT_CONFIG_FRAME,
    INFO_FRAME,
    MK2_FRAME,
    Frame,
    encode_frame,
    encode_mk2,
)


class _UnknownTolerant(IntEnum):
    """An IntEnum whose unknown values decode to a member named ``unknown``."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = "unknown"
        member._value_ = value
        return member


class SwitchState(_UnknownTolerant):
    """Remote switch positions of the 'S' command (protocol.md §3.6)."""

    CHARGER_ONLY = 1
    INVERTER_ONLY = 2
    ON = 3
    OFF = 4


class DeviceState(_UnknownTolerant):
    """Device state (AC info byte 5, 0x94 byte 0; protocol.md §7.1)."""

    DOWN = 0
    STARTUP = 1
    OFF = 2
    SLAVE = 3
    INVERT_FULL = 4
    INVERT_HALF = 5
    INVERT_AES = 6
    POWER_ASSIST = 7
    BYPASS = 8
    CHARGE = 9


class ChargeState(_UnknownTolerant):
    """Charge sub-state (0x94 byte 1; protocol.md §7.2)."""

    INIT = 0
    BULK = 1
    ABSORPTION = 2
    FLOAT = 3
    STORAGE = 4
    REPEATED_ABSORPTION = 5
    FORCED_ABSORPTION = 6
    EQUALISE = 7
    BULK_STOPPED = 8


class ForcedChargeState(IntEnum):
    """Requests of winmon 0x0E GetSetDeviceState."""

    INQUIRE = 0
    EQUALISE = 1
    ABSORPTION = 2
    FLOAT = 3


class Winmon(IntEnum):
    """Winmon command codes sent with W/X/Y/Z (protocol.md §3.4)."""

    VERSION_PART0 = 0x05
    VERSION_PART1 = 0x06
    DEVICE_STATE = 0x0E
    READ_RAM_VAR = 0x30
    READ_SETTING = 0x31
    WRITE_RAM_VAR = 0x32
    WRITE_SETTING = 0x33
    WRITE_DATA = 0x34
    SETTING_INFO = 0x35
    RAM_VAR_INFO = 0x36
    WRITE_VIA_ID = 0x37
    READ_SNAPSHOT = 0x38
    SERIAL_NUMBER = 0x3B


class Reply(IntEnum):
    """Winmon reply codes."""

    UNKNOWN_COMMAND = 0x80
    VERSION_LOW = 0x82
    VERSION_HIGH = 0x83
    RAM_VALUES = 0x85
    SETTING_VALUE = 0x86
    RAM_WRITTEN = 0x87
    SETTING_WRITTEN = 0x88
    SETTING_SCALE = 0x89
    SETTING_OFFSET = 0x8A
    SETTING_DEFAULT = 0x8B
    SETTING_MINIMUM = 0x8C
    SETTING_MAXIMUM = 0x8D
    VAR_SCALE = 0x8E
    VAR_OFFSET = 0x8F
    RAM_VAR_NOT_SUPPORTED = 0x90
    SETTING_NOT_SUPPORTED = 0x91
    DEVICE_STATE = 0x94
    ACCESS_DENIED = 0x9B
    SNAPSHOT = 0x99
    SERIAL_NUMBER = 0x9D


WINMON_LETTERS = b"WXYZ"
ROTATING_LETTERS = b"XYZ"
# 'W' carries exactly two argument bytes and real devices cut its replies.
W_ARG_BYTES = 2
W_REPLY_DATA_BYTES = 4
MAX_WINMON_ARGS = 6
MAX_SNAPSHOT_IDS = 6

# 'S' flag bits (protocol.md §3.6).
S_FLAG_APPEND_LEDS = 0x02
S_FLAG_DO_NOT_SEND_STATE = 0x10
S_FLAG_VARIANT2 = 0x80
S_FLAGS_EXT0_COMPAT = 0x01
S_LIMIT_IGNORED = 0x8000
S_VARIANT = 0x01

# WriteViaID flags.
WRITE_SETTING = 0x01
WRITE_RAM_ONLY = 0x02

# 'H' interface lines (MK3 only).
H_PANEL_DETECT = 0x01
H_STANDBY = 0x02

# Phase info byte of F0..F4 replies.
PHASE_DC = 0x0C
PHASE_L1_BASE = 0x07  # 0x08..0x0B: L1 of a 1..4 phase system
AC_PHASE_INFO = {0x08: (1, 1), 0x09: (1, 2), 0x0A: (1, 3), 0x0B: (1, 4)}
AC_PHASE_INFO |= {0x07: (2, 0), 0x06: (3, 0), 0x05: (4, 0)}


def _u16(data: bytes, offset: int) -> int:
    value: int = struct.unpack_from("<H", data, offset)[0]
    return value


def _i16(data: bytes, offset: int) -> int:
    value: int = struct.unpack_from("<h", data, offset)[0]
    return value


def _u24(data: bytes, offset: int) -> int:
    return data[offset] | data[offset + 1] << 8 | data[offset + 2] << 16


def _mk2_data(frame: Frame, letter: str) -> bytes | None:
    if frame.frame_type != MK2_FRAME or frame.command != ord(letter):
        return None
    return frame.data


# --- MK2 commands --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionRequest:
    def encode(self) -> bytes:
        return encode_mk2("V")

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        return cls() if _mk2_data(frame, "V") == b"" else None


@dataclass(frozen=True, slots=True)
class VersionReply:
    """'V': interface firmware version; also sent unsolicited about once a second."""

    version: int
    mode: int = 0x42  # 'B' before an address is selected, else the address

    def encode(self) -> bytes:
        return encode_mk2("V", struct.pack("<IB", self.version, self.mode))

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = _mk2_data(frame, "V")
        if data is None or len(data) < 5:
            return None
        return cls(struct.unpack_from("<I", data)[0], data[4])

    @property
    def is_mk3(self) -> bool:
        return self.version >= 1170000


@dataclass(frozen=True, slots=True)
class AddressRequest:
    """'A': select (action 1) or query (action 0) the VE.Bus address."""

    action: int
    address: int

    def encode(self) -> bytes:
        return encode_mk2("A", bytes((self.action, self.address)))

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = _mk2_data(frame, "A")
        if data is None or len(data) != 2:
            return None
        return cls(data[0], data[1])


@dataclass(frozen=True, slots=True)
class AddressReply:
    action: int
    address: int
    padded: bool = False  # some interfaces append a 0 byte

    def encode(self) -> bytes:
        pad = b"\x00" if self.padded else b""
        return encode_mk2("A", bytes((self.action, self.address)) + pad)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = _mk2_data(frame, "A")
        if data is None or len(data) not in (2, 3):
            return None
        return cls(data[0], data[1], len(data) == 3)


@dataclass(frozen=True, slots=True)
class LedRequest:
    def encode(self) -> bytes:
        return encode_mk2("L")

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        return cls() if _mk2_data(frame, "L") == b"" else None


@dataclass(frozen=True, slots=True)
class LedReply:
    """'L': LED on/blink masks, then alarm flags, VE.Bus error and two unknown bytes."""

    on: int
    blink: int
    alarms: int = 0
    error_byte: int = 0
    extra: bytes = b"\x00\x00"

    def encode(self) -> bytes:
        data = bytes((self.on, self.blink, self.alarms, self.error_byte)) + self.extra
        return encode_mk2("L", data)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = _mk2_data(frame, "L")
        if data is None or len(data) < 2:
            return None
        alarms = data[2] if len(data) > 2 else 0
        error_byte = data[3] if len(data) > 3 else 0
        return cls(data[0], data[1], alarms, error_byte, bytes(data[4:]))

    @property
    def vebus_error(self) -> int:
        return self.error_byte & 0x1F


@dataclass(frozen=True, slots=True)
class InfoRequest:
    """'F' n: 0 DC, 1..4 AC phase, 5 AC-input config, 6 snapshot, 7 device config."""

    number: int
    args: bytes = b""

    def encode(self) -> bytes:
        return encode_mk2("F", bytes((self.number,)) + self.args)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = _mk2_data(frame, "F")
        if not data:
            return None
        return cls(data[0], bytes(data[1:]))


def snapshot_request(ram_ids: list[int]) -> InfoRequest:
    """'F' 6: take a snapshot of up to six RAM variables, read later with 0x38."""
    if not 0 < len(ram_ids) <= MAX_SNAPSHOT_IDS:
        raise ValueError("a snapshot takes 1 to 6 RAM ids")
    return InfoRequest(6, bytes(ram_ids))


@dataclass(frozen=True, slots=True)
class SetStateRequest:
    """'S': remote switch state, AC input current limit (0.1 A) and interface flags."""

    switch: int
    current_limit: int = S_LIMIT_IGNORED
    flags: int = S_FLAG_VARIANT2
    variant: int = S_VARIANT
    flags_ext0: int | None = None
    eeprom_flags: int | None = None

    def encode(self) -> bytes:
        data = struct.pack("<BHBB", self.switch, self.current_limit, self.variant, self.flags)
        if self.flags_ext0 is not None:
            data += bytes((0, self.flags_ext0))
            if self.eeprom_flags is not None:
                data += bytes((self.eeprom_flags,))
        return encode_mk2("S", data)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = _mk2_data(frame, "S")
        if data is None or len(data) < 5:
            return None
        switch, limit, variant, flags = struct.unpack_from("<BHBB", data)
        ext0 = data[6] if len(data) > 6 else None
        eeprom = data[7] if len(data) > 7 else None
        return cls(switch, limit, flags, variant, ext0, eeprom)

    @property
    def sends_state(self) -> bool:
        return not self.flags & S_FLAG_DO_NOT_SEND_STATE

    @property
    def sets_limit(self) -> bool:
        return self.current_limit < S_LIMIT_IGNORED


@dataclass(frozen=True, slots=True)
class SetStateReply:
    def encode(self) -> bytes:
        return encode_mk2("S")

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        return cls() if _mk2_data(frame, "S") is not None else None


@dataclass(frozen=True, slots=True)
class InterfaceRequest:
    """'H' (MK3 only): set the panel-detect and standby lines, or query them."""

    lines: int | None = None

    def encode(self) -> bytes:
        return encode_mk2("H", b"" if self.lines is None else bytes((self.lines,)))

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = _mk2_data(frame, "H")
        if data is None:
            return None
        return cls(data[0] if data else None)


@dataclass(frozen=True, slots=True)
class InterfaceReply:
    lines: int

    def encode(self) -> bytes:
        return encode_mk2("H", bytes((self.lines,)))

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = _mk2_data(frame, "H")
        if not data:
            return None
        return cls(data[0])


@dataclass(frozen=True, slots=True)
class ResetRequest:
    """'R': soft reset of the interface; it answers with a 'V' frame."""

    def encode(self) -> bytes:
        return encode_mk2("R")

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        return cls() if _mk2_data(frame, "R") == b"" else None


# --- VE.Bus info frames (replies to 'F') ------------------------------------------


@dataclass(frozen=True, slots=True)
class DcInfoReply:
    """F0 reply: 0x20 frame with phase info 0x0C; currents are 24-bit unsigned."""

    voltage: int
    inverter_current: int
    charger_current: int
    period: int
    header: bytes = b"\x00\x00\x00\x00"  # bytes 2-5, used by no parser

    def encode(self) -> bytes:
        payload = (
            self.header
            + bytes((PHASE_DC,))
            + struct.pack("<H", self.voltage)
            + self.inverter_current.to_bytes(3, "little")
            + self.charger_current.to_bytes(3, "little")
            + bytes((self.period,))
        )
        return encode_frame(INFO_FRAME, payload)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = frame.payload
        if frame.frame_type != INFO_FRAME or len(data) != 14 or data[4] != PHASE_DC:
            return None
        return cls(_u16(data, 5), _u24(data, 7), _u24(data, 10), data[13], bytes(data[:4]))


@dataclass(frozen=True, slots=True)
class AcInfoReply:
    """F1..F4 reply: 0x20 frame with an AC phase info byte; currents are signed."""

    phase_info: int
    state: int
    mains_voltage: int
    mains_current: int
    inverter_voltage: int
    inverter_current: int
    mains_period: int
    bf_factor: int = 1
    inverter_factor: int = 1
    reserved: int = 0

    def encode(self) -> bytes:
        payload = bytes(
            (self.bf_factor, self.inverter_factor, self.reserved, self.state, self.phase_info)
        ) + struct.pack(
            "<HhHhB",
            self.mains_voltage,
            self.mains_current,
            self.inverter_voltage,
            self.inverter_current,
            self.mains_period,
        )
        return encode_frame(INFO_FRAME, payload)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = frame.payload
        if frame.frame_type != INFO_FRAME or len(data) != 14:
            return None
        if data[4] not in AC_PHASE_INFO:
            return None
        mains_v, mains_i, inv_v, inv_i, period = struct.unpack_from("<HhHhB", data, 5)
        return cls(
            data[4], data[3], mains_v, mains_i, inv_v, inv_i, period, data[0], data[1], data[2]
        )

    @property
    def phase(self) -> int:
        return AC_PHASE_INFO[self.phase_info][0]

    @property
    def phase_count(self) -> int:
        """Phases in the system; only the L1 frame carries it (0 on L2..L4)."""
        return AC_PHASE_INFO[self.phase_info][1]


def l1_phase_info(phase_count: int) -> int:
    return PHASE_L1_BASE + phase_count


def phase_info_for(phase: int, phase_count: int) -> int:
    return l1_phase_info(phase_count) if phase == 1 else 0x09 - phase


@dataclass(frozen=True, slots=True)
class AcInputConfigReply:
    """F5 reply: 0x41 frame with AC-input config, current limits (0.1 A), switch register."""

    config: int
    minimum: int
    maximum: int
    actual: int
    switch_register: int
    header: bytes = b"\x10\x00\x00\x00"

    def encode(self) -> bytes:
        payload = (
            self.header
            + bytes((self.config,))
            + struct.pack("<HHH", self.minimum, self.maximum, self.actual)
            + bytes((self.switch_register,))
        )
        return encode_frame(AC_INPUT_CONFIG_FRAME, payload)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = frame.payload
        if frame.frame_type != AC_INPUT_CONFIG_FRAME or len(data) < 12:
            return None
        minimum, maximum, actual = struct.unpack_from("<HHH", data, 5)
        return cls(data[4], minimum, maximum, actual, data[11], bytes(data[:4]))

    @property
    def active_input(self) -> int:
        return self.config & 0x03

    @property
    def limit_adjustable(self) -> bool:
        return bool(self.config & 0x04)

    @property
    def input_count(self) -> int:
        return (self.config >> 4) & 0x07

    @property
    def panel_detected(self) -> bool:
        return bool(self.config & 0x80)


# --- Winmon (W/X/Y/Z) ---------------------------------------------------------------


def _winmon_parts(frame: Frame) -> tuple[int, int, bytes] | None:
    """(letter, command or reply code, data) of a W/X/Y/Z frame."""
    letter = frame.command
    data = frame.data
    if letter is None or letter not in WINMON_LETTERS or not data:
        return None
    return letter, data[0], bytes(data[1:])


@dataclass(frozen=True, slots=True)
class WinmonRequest:
    """A winmon command sent with letter W, X, Y or Z."""

    letter: int
    command: int
    args: bytes = b""

    def encode(self) -> bytes:
        if self.letter == ord("W"):
            args = self.args[:W_ARG_BYTES].ljust(W_ARG_BYTES, b"\x00")
        else:
            args = self.args
        return encode_mk2(self.letter, bytes((self.command,)) + args)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        parts = _winmon_parts(frame)
        return None if parts is None else cls(*parts)


@dataclass(frozen=True, slots=True)
class WinmonReply:
    """Any winmon reply: letter, reply code, data. Typed views below read ``data``."""

    letter: int
    code: int
    data: bytes = b""

    def encode(self) -> bytes:
        data = self.data
        if self.letter == ord("W"):
            data = data[:W_REPLY_DATA_BYTES] if self.code in _W_CUT_CODES else data
        return encode_mk2(self.letter, bytes((self.code,)) + data)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        parts = _winmon_parts(frame)
        return None if parts is None else cls(*parts)


# Value lists that a 'W' reply cuts after four data bytes (split info records are
# short enough to pass: a real 'W' 0x36 reply carries both of its records).
_W_CUT_CODES = frozenset({Reply.RAM_VALUES, Reply.SNAPSHOT, Reply.VERSION_LOW, Reply.SERIAL_NUMBER})


def read_ram_vars_args(ram_ids: list[int]) -> bytes:
    """0x30 takes 8-bit ids; 'W' always reads two, so a single id is paired with 0."""
    if not ram_ids or len(ram_ids) > MAX_WINMON_ARGS or any(not 0 <= i <= 0xFF for i in ram_ids):
        raise ValueError("0x30 reads 1 to 6 RAM ids in 0..255")
    return bytes(ram_ids)


def id_args(item_id: int) -> bytes:
    """0x31, 0x35, 0x36 take a 16-bit id."""
    return struct.pack("<H", item_id)


def write_via_id_args(flags: int, item_id: int, raw: int) -> bytes:
    if not 0 <= item_id <= 0xFF:
        raise ValueError("WriteViaID takes an 8-bit id")
    return struct.pack("<BBH", flags, item_id, raw & 0xFFFF)


def parse_write_via_id_args(args: bytes) -> tuple[int, int, int] | None:
    if len(args) < 4:
        return None
    flags, item_id, raw = struct.unpack_from("<BBH", args)
    return flags, item_id, raw


def device_state_args(request: int) -> bytes:
    return bytes((request, 0))


def u16_list(values: list[int]) -> bytes:
    return b"".join(struct.pack("<H", v & 0xFFFF) for v in values)


def parse_u16_list(data: bytes) -> list[int]:
    return [_u16(data, i) for i in range(0, len(data) - 1, 2)]


@dataclass(frozen=True, slots=True)
class RawVarInfo:
    """RAM var info as the device sends it: scale and offset are int16."""

    scale: int
    offset: int

    @property
    def supported(self) -> bool:
        # Scale -0x8000 would be 1/0 by the reciprocal rule: no device means anything by it.
        return self.scale not in (0, -0x8000)


def encode_var_info(info: RawVarInfo | None, combined: bool) -> bytes:
    """Reply data of 0x36 after the 0x8E code. ``None`` is 'not supported'."""
    if info is None:
        return b"" if combined else struct.pack("<hBh", 0, Reply.VAR_OFFSET, 0)
    if combined:
        return struct.pack("<hh", info.scale, info.offset)
    return struct.pack("<hBh", info.scale, Reply.VAR_OFFSET, info.offset)


def decode_var_info(data: bytes) -> RawVarInfo | None:
    """Read both forms; ``None`` means not supported (empty reply or scale 0)."""
    if len(data) >= 5 and data[2] == Reply.VAR_OFFSET:
        info = RawVarInfo(_i16(data, 0), _i16(data, 3))
    elif len(data) >= 4:
        info = RawVarInfo(_i16(data, 0), _i16(data, 2))
    elif len(data) >= 2:
        info = RawVarInfo(_i16(data, 0), 0)
    else:
        return None
    return info if info.supported else None


@dataclass(frozen=True, slots=True)
class RawSettingInfo:
    """Setting info as the device sends it (protocol.md §3.4, §3.5)."""

    scale: int
    offset: int
    default: int
    minimum: int
    maximum: int
    access: int | None = None

    @property
    def supported(self) -> bool:
        return self.scale != 0

    @property
    def needs_reset(self) -> bool:
        return bool(self.access and self.access & 0x80)


_SETTING_RECORD_CODES = (
    Reply.SETTING_SCALE,
    Reply.SETTING_OFFSET,
    Reply.SETTING_DEFAULT,
    Reply.SETTING_MINIMUM,
    Reply.SETTING_MAXIMUM,
)
SETTING_INFO_CODES = frozenset(_SETTING_RECORD_CODES)
# The split form comes as several frames of up to two three-byte records.
SPLIT_RECORDS_PER_FRAME = 2


def encode_setting_info(info: RawSettingInfo | None, combined: bool) -> list[tuple[int, bytes]]:
    """(code, data) of each reply frame answering 0x35."""
    if info is None:
        if combined:
            return [(Reply.SETTING_SCALE, b"")]
        info = RawSettingInfo(0, 0, 0, 0, 0)
    if combined:
        data = struct.pack(
            "<hhHHH", info.scale, info.offset, info.default, info.minimum, info.maximum
        )
        if info.access is not None:
            data += bytes((info.access,))
        return [(Reply.SETTING_SCALE, data)]
    values = (info.scale, info.offset, info.default, info.minimum, info.maximum)
    records = [
        struct.pack("<BH", code, value & 0xFFFF)
        for code, value in zip(_SETTING_RECORD_CODES, values, strict=True)
    ]
    frames: list[tuple[int, bytes]] = []
    for start in range(0, len(records), SPLIT_RECORDS_PER_FRAME):
        chunk = b"".join(records[start : start + SPLIT_RECORDS_PER_FRAME])
        frames.append((chunk[0], chunk[1:]))
    return frames


@dataclass(slots=True)
class SettingInfoCollector:
    """Gathers a 0x35 answer from one combined frame or several split frames."""

    records: dict[int, int] = field(default_factory=dict)
    info: RawSettingInfo | None = None
    done: bool = False

    def add(self, code: int, data: bytes) -> None:
        if (code == Reply.SETTING_SCALE and len(data) >= 10) or (
            code == Reply.SETTING_SCALE and not data
        ):
            self._combined(data)
            return
        chunk = bytes((code,)) + data
        for start in range(0, len(chunk) - 2, 3):
            self.records[chunk[start]] = _u16(chunk, start + 1)
        if Reply.SETTING_MAXIMUM in self.records:
            self._finish_split()

    def _combined(self, data: bytes) -> None:
        self.done = True
        if len(data) < 10:
            return
        scale, offset, default, minimum, maximum = struct.unpack_from("<hhHHH", data)
        access = data[10] if len(data) > 10 else None
        info = RawSettingInfo(scale, offset, default, minimum, maximum, access)
        self.info = info if info.supported else None

    def _finish_split(self) -> None:
        self.done = True

        def signed(value: int) -> int:
            return value - 0x10000 if value >= 0x8000 else value

        get = self.records.get
        info = RawSettingInfo(
            signed(get(Reply.SETTING_SCALE, 0)),
            signed(get(Reply.SETTING_OFFSET, 0)),
            get(Reply.SETTING_DEFAULT, 0),
            get(Reply.SETTING_MINIMUM, 0),
            get(Reply.SETTING_MAXIMUM, 0),
        )
        self.info = info if info.supported else None


def encode_version(
    version: int, combined: bool, remainder: bytes = b"\x00\x00"
) -> list[tuple[int, bytes]]:
    """Reply (code, data) to 0x05: the whole u32 (combined) or its low word."""
    if combined:
        return [(Reply.VERSION_LOW, struct.pack("<I", version) + remainder)]
    return [(Reply.VERSION_LOW, struct.pack("<H", version & 0xFFFF))]


def encode_version_high(version: int) -> bytes:
    return struct.pack("<H", version >> 16)


def decode_version_low(data: bytes) -> tuple[int, bool]:
    """(value, complete): a combined reply holds the whole version."""
    if len(data) >= 4:
        value: int = struct.unpack_from("<I", data)[0]
        return value, True
    return (_u16(data, 0) if len(data) >= 2 else 0), False


@dataclass(frozen=True, slots=True)
class DeviceStateReply:
    state: int
    substate: int

    def encode_data(self) -> bytes:
        return bytes((self.state, self.substate))

    @classmethod
    def decode_data(cls, data: bytes) -> Self | None:
        if len(data) < 2:
            return None
        return cls(data[0], data[1])


SERIAL_NUMBER_LENGTH = 11


def encode_serial(serial: str) -> bytes:
    return serial.encode("ascii")[:SERIAL_NUMBER_LENGTH].ljust(SERIAL_NUMBER_LENGTH, b"\x00")


def decode_serial(data: bytes) -> str:
    return data.rstrip(b"\x00").decode("ascii", errors="replace")


# --- Raw VE.Bus switch frames ---------------------------------------------------------

RAW_SWITCH_FRAME = 0x3F
RAW_SLEEP = 0x04
RAW_WAKE = 0x07


def raw_switch_frame(command: int) -> bytes:
    """Sleep (4) / wake (7) frames written as-is to the MK3 (odd checksum rule)."""
    return encode_frame(RAW_SWITCH_FRAME, bytes((command, 0, 0, 0)))


# --- added for the simulator ---

RAW_SWITCH_CHARGER_ONLY = 0x05
RAW_SWITCH_INVERTER_ONLY = 0x06


@dataclass(frozen=True, slots=True)
class RawSwitchRequest:
    """Raw VE.Bus switch frame ``05 3F <cmd> 00 00 00 <chk>`` written as-is to the MK3.

    ``command``: 4 sleep, 5 charger only, 6 inverter only, 7 on (the wake-up frame).
    """

    command: int

    def encode(self) -> bytes:
        return raw_switch_frame(self.command)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = frame.payload
        if frame.frame_type != RAW_SWITCH_FRAME or len(data) != 4 or any(data[1:]):
            return None
        return cls(data[0])


def parse_id_args(args: bytes) -> int | None:
    """The 16-bit id of 0x31..0x36 (inverse of ``id_args``); None when too short."""
    values = parse_u16_list(args[:2])
    return values[0] if values else None


def parse_read_ram_vars_args(args: bytes) -> list[int]:
    """The 8-bit RAM ids of 0x30 (inverse of ``read_ram_vars_args``)."""
    return list(args[:MAX_WINMON_ARGS])


def parse_device_state_args(args: bytes) -> int:
    """The request byte of 0x0E (inverse of ``device_state_args``); 0 = inquire."""
    return args[0] if args else ForcedChargeState.INQUIRE
