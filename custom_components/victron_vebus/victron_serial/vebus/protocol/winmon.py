"""Winmon commands sent with 'W', 'X', 'Y' or 'Z' (protocol.md §3.4).

Each command is a request class that names its reply codes and reads their data; its
``answer`` builds the reply frames' (code, data) for the simulator. The letter is the
link's to choose (X, Y, Z in turn): a request is declared with X and re-lettered on send.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, replace
from enum import IntEnum
import struct
from typing import ClassVar, Self

from .codec import Matcher, Request, parse_u16_list, raise_for_error, u16, u16_list
from .framing import Frame, encode_mk2

WINMON_LETTERS = b"WXYZ"
ROTATING_LETTERS = b"XYZ"
W, X = ord("W"), ord("X")
W_ARG_BYTES = 2  # 'W' carries exactly two argument bytes ...
W_REPLY_DATA_BYTES = 4  # ... and real units cut its value-list replies after four
MAX_WINMON_ARGS = 6


class Code(IntEnum):
    """Winmon command codes."""

    VERSION_PART0 = 0x05
    VERSION_PART1 = 0x06
    DEVICE_STATE = 0x0E
    READ_RAM_VAR = 0x30
    READ_SETTING = 0x31
    SELECT_RAM_VAR = 0x32
    SELECT_SETTING = 0x33
    WRITE_DATA = 0x34
    SETTING_INFO = 0x35
    RAM_VAR_INFO = 0x36
    WRITE_VIA_ID = 0x37
    READ_SNAPSHOT = 0x38
    SERIAL_NUMBER = 0x3B


class ReplyCode(IntEnum):
    """Winmon reply codes (the error codes are in codec.py)."""

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
    SNAPSHOT = 0x99
    ACCESS_DENIED = 0x9B
    SERIAL_NUMBER = 0x9D


# Value lists a 'W' reply cuts after four data bytes (split info records are short enough
# to pass: a real 'W' 0x36 reply carries both of its records).
_W_CUT = frozenset(
    {ReplyCode.RAM_VALUES, ReplyCode.SNAPSHOT, ReplyCode.VERSION_LOW, ReplyCode.SERIAL_NUMBER}
)

type Answer = list[tuple[int, bytes]]  # (reply code, data) of each reply frame


# --- the frames themselves ---------------------------------------------------------------


def _parts(frame: Frame) -> tuple[int, int, bytes] | None:
    letter = frame.command
    data = frame.data
    if letter is None or letter not in WINMON_LETTERS or not data:
        return None
    return letter, data[0], bytes(data[1:])


@dataclass(frozen=True, slots=True)
class WinmonRequest:
    """Any winmon request frame: letter, command code, argument bytes."""

    letter: int
    command: int
    args: bytes = b""

    def encode(self) -> bytes:
        args = self.args
        if self.letter == W:
            args = args[:W_ARG_BYTES].ljust(W_ARG_BYTES, b"\x00")
        return encode_mk2(self.letter, bytes((self.command,)) + args)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        parts = _parts(frame)
        return None if parts is None else cls(*parts)


@dataclass(frozen=True, slots=True)
class WinmonReply:
    """Any winmon reply frame: letter, reply code, data."""

    letter: int
    code: int
    data: bytes = b""

    def encode(self) -> bytes:
        data = self.data
        if self.letter == W and self.code in _W_CUT:
            data = data[:W_REPLY_DATA_BYTES]
        return encode_mk2(self.letter, bytes((self.code,)) + data)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        parts = _parts(frame)
        return None if parts is None else cls(*parts)


def parse_id(args: bytes) -> int | None:
    """The id of 0x31, 0x35, 0x36: 16-bit, or one byte as some clients send it (#67)."""
    if len(args) >= 2:
        return u16(args)
    return args[0] if args else None


def id_args(item_id: int) -> bytes:
    return struct.pack("<H", item_id)


# --- the command base ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class WinmonCommand[R](Request[R]):
    """A winmon request that names its command code and the reply codes answering it."""

    command: ClassVar[int]
    replies: ClassVar[frozenset[int]]
    letter: int = X

    def args(self) -> bytes:
        return b""

    @abstractmethod
    def parse(self, code: int, data: bytes) -> R | None:
        """The reply from a frame with one of ``replies``; None if it cannot be one."""

    def encode(self) -> bytes:
        return WinmonRequest(self.letter, self.command, self.args()).encode()

    def with_letter(self, letter: int) -> Self:
        return replace(self, letter=letter)

    def matcher(self) -> Matcher[R]:
        what = self.describe()

        def match(frame: Frame) -> R | None:
            reply = WinmonReply.decode(frame)
            if reply is None or reply.letter != self.letter:
                return None
            raise_for_error(reply.code, reply.data, what)
            return self.parse(reply.code, reply.data) if reply.code in self.replies else None

        return match

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        request = WinmonRequest.decode(frame)
        if request is None or request.command != cls.command:
            return None
        return cls.from_args(request.letter, request.args)

    @classmethod
    def from_args(cls, letter: int, args: bytes) -> Self | None:
        return cls(letter=letter)


# --- firmware version ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionLow:
    value: int
    complete: bool  # the combined form holds the whole u32


@dataclass(frozen=True)
class VersionPart0(WinmonCommand[VersionLow]):
    command = Code.VERSION_PART0
    replies = frozenset({ReplyCode.VERSION_LOW})

    def parse(self, code: int, data: bytes) -> VersionLow:
        if len(data) >= 4:
            return VersionLow(struct.unpack_from("<I", data)[0], True)
        return VersionLow(u16(data) if len(data) >= 2 else 0, False)

    def describe(self) -> str:
        return "firmware version"

    @staticmethod
    def answer(version: int, combined: bool, remainder: bytes = b"\x00\x00") -> Answer:
        if combined:
            return [(ReplyCode.VERSION_LOW, struct.pack("<I", version) + remainder)]
        return [(ReplyCode.VERSION_LOW, struct.pack("<H", version & 0xFFFF))]


@dataclass(frozen=True)
class VersionPart1(WinmonCommand[int]):
    command = Code.VERSION_PART1
    replies = frozenset({ReplyCode.VERSION_HIGH})

    def parse(self, code: int, data: bytes) -> int | None:
        return u16(data) if len(data) >= 2 else None

    def describe(self) -> str:
        return "firmware version"

    @staticmethod
    def answer(version: int) -> Answer:
        return [(ReplyCode.VERSION_HIGH, struct.pack("<H", version >> 16 & 0xFFFF))]


# --- device state ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceStateValue:
    state: int
    substate: int


@dataclass(frozen=True)
class GetSetDeviceState(WinmonCommand[DeviceStateValue]):
    """0x0E: 0 inquire; 1 equalise, 2 absorption, 3 float force the charge state."""

    command = Code.DEVICE_STATE
    replies = frozenset({ReplyCode.DEVICE_STATE})
    request: int = 0

    def args(self) -> bytes:
        return bytes((self.request, 0))

    def parse(self, code: int, data: bytes) -> DeviceStateValue | None:
        return DeviceStateValue(data[0], data[1]) if len(data) >= 2 else None

    def describe(self) -> str:
        return "device state"

    @classmethod
    def from_args(cls, letter: int, args: bytes) -> Self:
        return cls(args[0] if args else 0, letter=letter)

    @staticmethod
    def answer(state: int, substate: int) -> Answer:
        return [(ReplyCode.DEVICE_STATE, bytes((state, substate)))]


# --- snapshot, serial number ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReadSnapshot(WinmonCommand[list[int]]):
    """0x38: the values 'F' 6 took, one u16 per id; empty = no snapshot taken yet."""

    command = Code.READ_SNAPSHOT
    replies = frozenset({ReplyCode.SNAPSHOT})

    def parse(self, code: int, data: bytes) -> list[int]:
        return parse_u16_list(data)

    def describe(self) -> str:
        return "snapshot"

    @staticmethod
    def answer(values: list[int]) -> Answer:
        return [(ReplyCode.SNAPSHOT, u16_list(values))]


SERIAL_NUMBER_LENGTH = 11


@dataclass(frozen=True)
class GetSerialNumber(WinmonCommand[str]):
    """0x3B: eleven ASCII bytes (firmware 308 and later)."""

    command = Code.SERIAL_NUMBER
    replies = frozenset({ReplyCode.SERIAL_NUMBER})

    def parse(self, code: int, data: bytes) -> str:
        return data.rstrip(b"\x00").decode("ascii", errors="replace")

    def describe(self) -> str:
        return "serial number"

    @staticmethod
    def answer(serial: str) -> Answer:
        data = serial.encode("ascii")[:SERIAL_NUMBER_LENGTH].ljust(SERIAL_NUMBER_LENGTH, b"\x00")
        return [(ReplyCode.SERIAL_NUMBER, data)]


def unknown_command(offending: int) -> Answer:
    """0x80 and the byte it refuses (an unknown command, or a refused value)."""
    return [(ReplyCode.UNKNOWN_COMMAND, bytes((offending & 0xFF,)))]
