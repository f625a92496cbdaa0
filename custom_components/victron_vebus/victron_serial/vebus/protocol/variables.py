"""Winmon commands on RAM variables and settings: read, info (scale and bounds), write
(protocol.md §3.4, §3.5). Built on the command base in ``winmon``."""

from __future__ import annotations

from dataclasses import dataclass, field
import struct
from typing import Self

from .codec import Matcher, i16, parse_u16_list, raise_for_error, u16, u16_list
from .framing import Frame
from .ids import ram_name, setting_name
from .winmon import (
    MAX_WINMON_ARGS,
    Answer,
    Code,
    ReplyCode,
    WinmonCommand,
    WinmonReply,
    WinmonRequest,
    id_args,
    parse_id,
)

# --- RAM variables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadRamVars(WinmonCommand[list[int]]):
    """0x30: up to six 8-bit ids ('W' reads two: a single id is paired with 0)."""

    command = Code.READ_RAM_VAR
    replies = frozenset({ReplyCode.RAM_VALUES})
    ram_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not 0 < len(self.ram_ids) <= MAX_WINMON_ARGS or not all(
            0 <= i <= 0xFF for i in self.ram_ids
        ):
            raise ValueError("0x30 reads 1 to 6 RAM ids in 0..255")

    def args(self) -> bytes:
        return bytes(self.ram_ids)

    def parse(self, code: int, data: bytes) -> list[int]:
        return parse_u16_list(data)

    def describe(self) -> str:
        return ", ".join(ram_name(i) for i in self.ram_ids)

    @classmethod
    def from_args(cls, letter: int, args: bytes) -> Self | None:
        ids = tuple(args[:MAX_WINMON_ARGS])
        return cls(ids, letter=letter) if ids else None

    @staticmethod
    def answer(values: list[int] | None) -> Answer:
        """The values, or (None) "not supported"."""
        if values is None:
            return [(ReplyCode.RAM_VAR_NOT_SUPPORTED, b"")]
        return [(ReplyCode.RAM_VALUES, u16_list(values))]


@dataclass(frozen=True, slots=True)
class RawVarInfo:
    """RAM variable info as the unit sends it: scale and offset are int16 (§3.5)."""

    scale: int
    offset: int

    @property
    def supported(self) -> bool:
        # Scale -0x8000 would be 1/0 by the reciprocal rule: no unit means anything by it.
        return self.scale not in (0, -0x8000)


@dataclass(frozen=True, slots=True)
class VarInfoReply:
    info: RawVarInfo | None  # None: not supported


@dataclass(frozen=True)
class GetRamVarInfo(WinmonCommand[VarInfoReply]):
    """0x36: split (8E sc 8F off) or combined (8E sc off) reply; empty or scale 0 =
    not supported."""

    command = Code.RAM_VAR_INFO
    replies = frozenset({ReplyCode.VAR_SCALE})
    ram_id: int = 0

    def args(self) -> bytes:
        return id_args(self.ram_id)

    def parse(self, code: int, data: bytes) -> VarInfoReply:
        info: RawVarInfo | None = None
        if len(data) >= 5 and data[2] == ReplyCode.VAR_OFFSET:
            info = RawVarInfo(i16(data, 0), i16(data, 3))
        elif len(data) >= 4:
            info = RawVarInfo(i16(data, 0), i16(data, 2))
        elif len(data) >= 2:
            info = RawVarInfo(i16(data, 0), 0)
        return VarInfoReply(info if info is not None and info.supported else None)

    def describe(self) -> str:
        return ram_name(self.ram_id)

    @classmethod
    def from_args(cls, letter: int, args: bytes) -> Self | None:
        ram_id = parse_id(args)
        return None if ram_id is None else cls(ram_id, letter=letter)

    @staticmethod
    def answer(info: RawVarInfo | None, combined: bool) -> Answer:
        if info is None:
            data = b"" if combined else struct.pack("<hBh", 0, ReplyCode.VAR_OFFSET, 0)
        elif combined:
            data = struct.pack("<hh", info.scale, info.offset)
        else:
            data = struct.pack("<hBh", info.scale, ReplyCode.VAR_OFFSET, info.offset)
        return [(ReplyCode.VAR_SCALE, data)]


# --- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadSetting(WinmonCommand[int]):
    """0x31: the value stored in EEPROM (a RAM-only value in force does not show)."""

    command = Code.READ_SETTING
    replies = frozenset({ReplyCode.SETTING_VALUE})
    setting_id: int = 0

    def args(self) -> bytes:
        return id_args(self.setting_id)

    def parse(self, code: int, data: bytes) -> int | None:
        return u16(data) if len(data) >= 2 else None

    def describe(self) -> str:
        return setting_name(self.setting_id)

    @classmethod
    def from_args(cls, letter: int, args: bytes) -> Self | None:
        setting_id = parse_id(args)
        return None if setting_id is None else cls(setting_id, letter=letter)

    @staticmethod
    def answer(raw: int | None) -> Answer:
        if raw is None:
            return [(ReplyCode.SETTING_NOT_SUPPORTED, b"")]
        return [(ReplyCode.SETTING_VALUE, u16_list([raw]))]


@dataclass(frozen=True, slots=True)
class RawSettingInfo:
    """Setting info as the unit sends it (protocol.md §3.4, §3.5)."""

    scale: int
    offset: int
    default: int
    minimum: int
    maximum: int
    access: int | None = None  # combined form, firmware 308 and later

    @property
    def supported(self) -> bool:
        return self.scale != 0

    @property
    def needs_reset(self) -> bool:
        return bool(self.access and self.access & 0x80)


@dataclass(frozen=True, slots=True)
class SettingInfoReply:
    info: RawSettingInfo | None  # None: not supported


_RECORD_CODES = (
    ReplyCode.SETTING_SCALE,
    ReplyCode.SETTING_OFFSET,
    ReplyCode.SETTING_DEFAULT,
    ReplyCode.SETTING_MINIMUM,
    ReplyCode.SETTING_MAXIMUM,
)
SETTING_INFO_CODES = frozenset(_RECORD_CODES)
SPLIT_RECORDS_PER_FRAME = 2  # the split form: frames of up to two three-byte records


def _signed(value: int) -> int:
    return value - 0x10000 if value >= 0x8000 else value


@dataclass(slots=True)
class SettingInfoCollector:
    """Gathers a 0x35 answer from one combined frame or several split frames."""

    records: dict[int, int] = field(default_factory=dict)
    done: bool = False
    info: RawSettingInfo | None = None

    def add(self, code: int, data: bytes) -> None:
        if code == ReplyCode.SETTING_SCALE and (len(data) >= 10 or not data):
            self.done = True
            if data:
                scale, offset, default, minimum, maximum = struct.unpack_from("<hhHHH", data)
                access = data[10] if len(data) > 10 else None
                self._finish(RawSettingInfo(scale, offset, default, minimum, maximum, access))
            return
        chunk = bytes((code,)) + data
        for start in range(0, len(chunk) - 2, 3):
            self.records[chunk[start]] = u16(chunk, start + 1)
        if ReplyCode.SETTING_MAXIMUM in self.records:
            self.done = True
            get = self.records.get
            self._finish(
                RawSettingInfo(
                    _signed(get(ReplyCode.SETTING_SCALE, 0)),
                    _signed(get(ReplyCode.SETTING_OFFSET, 0)),
                    get(ReplyCode.SETTING_DEFAULT, 0),
                    get(ReplyCode.SETTING_MINIMUM, 0),
                    get(ReplyCode.SETTING_MAXIMUM, 0),
                )
            )

    def _finish(self, info: RawSettingInfo) -> None:
        self.info = info if info.supported else None


@dataclass(frozen=True)
class GetSettingInfo(WinmonCommand[SettingInfoReply]):
    """0x35: scale, offset, default, min and max, combined in one frame or split over
    several (0x89..0x8D records); empty or scale 0 = not supported."""

    command = Code.SETTING_INFO
    replies = SETTING_INFO_CODES
    setting_id: int = 0

    def args(self) -> bytes:
        return id_args(self.setting_id)

    def parse(self, code: int, data: bytes) -> SettingInfoReply | None:
        collector = SettingInfoCollector()
        collector.add(code, data)
        return SettingInfoReply(collector.info) if collector.done else None

    def matcher(self) -> Matcher[SettingInfoReply]:
        collector = SettingInfoCollector()
        what = self.describe()

        def match(frame: Frame) -> SettingInfoReply | None:
            reply = WinmonReply.decode(frame)
            if reply is None or reply.letter != self.letter:
                return None
            raise_for_error(reply.code, reply.data, what)
            if reply.code not in self.replies:
                return None
            collector.add(reply.code, reply.data)
            return SettingInfoReply(collector.info) if collector.done else None

        return match

    def describe(self) -> str:
        return setting_name(self.setting_id)

    @classmethod
    def from_args(cls, letter: int, args: bytes) -> Self | None:
        setting_id = parse_id(args)
        return None if setting_id is None else cls(setting_id, letter=letter)

    @staticmethod
    def answer(info: RawSettingInfo | None, combined: bool) -> Answer:
        if info is None:
            if combined:
                return [(ReplyCode.SETTING_SCALE, b"")]
            info = RawSettingInfo(0, 0, 0, 0, 0)
        if combined:
            data = struct.pack(
                "<hhHHH", info.scale, info.offset, info.default, info.minimum, info.maximum
            )
            if info.access is not None:
                data += bytes((info.access,))
            return [(ReplyCode.SETTING_SCALE, data)]
        values = (info.scale, info.offset, info.default, info.minimum, info.maximum)
        records = [
            struct.pack("<BH", code, value & 0xFFFF)
            for code, value in zip(_RECORD_CODES, values, strict=True)
        ]
        frames: Answer = []
        for start in range(0, len(records), SPLIT_RECORDS_PER_FRAME):
            chunk = b"".join(records[start : start + SPLIT_RECORDS_PER_FRAME])
            frames.append((chunk[0], chunk[1:]))
        return frames


# --- writes ---------------------------------------------------------------------------------------

WRITE_SETTING = 0x01  # WriteViaID flag bit 0: a setting (else a RAM variable)
WRITE_RAM_ONLY = 0x02  # bit 1: RAM only, no EEPROM write


@dataclass(frozen=True, slots=True)
class WriteAck:
    code: int  # 0x87 RAM variable written, 0x88 setting written
    status: int | None = None  # 0x88 may carry it: bit 0 = a restart is needed

    @property
    def needs_restart(self) -> bool:
        return bool(self.status and self.status & 0x01)


def _ack(code: int, data: bytes) -> WriteAck:
    return WriteAck(code, data[0] if data else None)


@dataclass(frozen=True)
class WriteViaId(WinmonCommand[WriteAck]):
    """0x37 ``<flags> <u8 id> <u16 raw>``: flags 0x02 RAM variable, 0x03 setting RAM only,
    0x01 setting into EEPROM (0x00, a RAM variable with an EEPROM copy, is never sent)."""

    command = Code.WRITE_VIA_ID
    replies = frozenset({ReplyCode.RAM_WRITTEN, ReplyCode.SETTING_WRITTEN})
    flags: int = WRITE_RAM_ONLY
    item_id: int = 0
    raw: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.item_id <= 0xFF:
            raise ValueError("WriteViaID takes an 8-bit id")

    def args(self) -> bytes:
        return struct.pack("<BBH", self.flags, self.item_id, self.raw & 0xFFFF)

    def parse(self, code: int, data: bytes) -> WriteAck | None:
        wanted = ReplyCode.SETTING_WRITTEN if self.is_setting else ReplyCode.RAM_WRITTEN
        return _ack(code, data) if code == wanted else None

    @property
    def is_setting(self) -> bool:
        return bool(self.flags & WRITE_SETTING)

    @property
    def eeprom(self) -> bool:
        return not self.flags & WRITE_RAM_ONLY

    def describe(self) -> str:
        return setting_name(self.item_id) if self.is_setting else ram_name(self.item_id)

    @classmethod
    def from_args(cls, letter: int, args: bytes) -> Self | None:
        if len(args) < 4:
            return None
        flags, item_id, raw = struct.unpack_from("<BBH", args)
        return cls(flags, item_id, raw, letter=letter)

    @staticmethod
    def answer(setting: bool, status: int | None = None) -> Answer:
        if not setting:
            return [(ReplyCode.RAM_WRITTEN, b"")]
        return [(ReplyCode.SETTING_WRITTEN, b"" if status is None else bytes((status,)))]


@dataclass(frozen=True)
class SelectForWrite(WinmonCommand[WriteAck]):
    """0x32 (RAM variable) / 0x33 (setting): the old two-step write's first half; no reply.
    The client never sends it; the simulator understands it."""

    command = Code.SELECT_RAM_VAR
    replies = frozenset()
    item_id: int = 0
    setting: bool = False

    def args(self) -> bytes:
        return id_args(self.item_id)

    def encode(self) -> bytes:
        code = Code.SELECT_SETTING if self.setting else Code.SELECT_RAM_VAR
        return WinmonRequest(self.letter, code, self.args()).encode()

    def parse(self, code: int, data: bytes) -> WriteAck | None:
        return None

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        request = WinmonRequest.decode(frame)
        if request is None or request.command not in (Code.SELECT_RAM_VAR, Code.SELECT_SETTING):
            return None
        if len(request.args) < 2:
            return None
        item_id = u16(request.args)
        setting = request.command == Code.SELECT_SETTING
        return cls(item_id, setting, letter=request.letter)


@dataclass(frozen=True)
class WriteData(WinmonCommand[WriteAck]):
    """0x34: the value for the id selected with 0x32/0x33."""

    command = Code.WRITE_DATA
    replies = frozenset({ReplyCode.RAM_WRITTEN, ReplyCode.SETTING_WRITTEN})
    raw: int = 0

    def args(self) -> bytes:
        return id_args(self.raw & 0xFFFF)

    def parse(self, code: int, data: bytes) -> WriteAck:
        return _ack(code, data)

    @classmethod
    def from_args(cls, letter: int, args: bytes) -> Self | None:
        raw = parse_id(args) if len(args) >= 2 else None
        return None if raw is None else cls(raw, letter=letter)
