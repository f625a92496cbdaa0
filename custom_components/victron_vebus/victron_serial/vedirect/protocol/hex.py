"""The HEX protocol: frames, and one class per exchange this library makes (vedirect.md §3).

A frame is ``':'``, the command as one hex digit, the data bytes as two hex digits each, a
check byte and ``'\\n'``; command, data and check add up to 0x55 (mod 256). Numbers are little
endian. Get, Set and async frames carry ``<register u16><flags u8><value>``; the value's
width comes from the register, never from the frame's length alone (``registers``).

A request encodes itself and recognises the frame that answers it (``match``): a Get by its
reply command and register id, so async frames and text blocks in between are no answer.
Reply flags become typed errors here and nowhere else. The simulator answers from the same
classes, so both sides agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag
import struct

from ..errors import (
    VEDirectParameterError,
    VEDirectProtocolError,
    VEDirectUnknownRegisterError,
    VEDirectUnsupportedError,
)

CHECK_SUM = 0x55
FRAMING_ERROR = 0xAAAA  # the data of ':4AAAAFD', the reply to a frame the device cannot read


class Command(IntEnum):
    """Host to device. 0 (enter boot loader) and 6 (restart) are never sent by this library."""

    PING = 0x1
    APP_VERSION = 0x3
    PRODUCT_ID = 0x4
    RESTART = 0x6
    GET = 0x7
    SET = 0x8


class Response(IntEnum):
    """Device to host."""

    DONE = 0x1
    UNKNOWN = 0x3
    ERROR = 0x4
    PING = 0x5
    GET = 0x7
    SET = 0x8
    ASYNC = 0xA


class Flags(IntFlag):
    UNKNOWN_ID = 0x01
    NOT_SUPPORTED = 0x02  # e.g. a write to a register that can only be read
    PARAMETER_ERROR = 0x04  # out of range or inconsistent


def check_byte(command: int, data: bytes) -> int:
    return (CHECK_SUM - command - sum(data)) & 0xFF


@dataclass(frozen=True, slots=True)
class HexFrame:
    """One HEX frame; ``data`` without the check byte."""

    command: int
    data: bytes

    def encode(self) -> bytes:
        check = check_byte(self.command, self.data)
        return f":{self.command:X}{self.data.hex().upper()}{check:02X}\n".encode("ascii")

    @classmethod
    def parse(cls, digits: bytes) -> HexFrame | None:
        """The frame whose hex digits (after ':', before the end byte) are ``digits``; None
        when they are not a frame (an even count, too short, or a wrong check byte)."""
        if len(digits) < 3 or len(digits) % 2 == 0:
            return None
        try:
            command = int(digits[:1], 16)
            body = bytes.fromhex(digits[1:].decode("ascii"))
        except ValueError:
            return None
        if (command + sum(body)) & 0xFF != CHECK_SUM:
            return None
        return cls(command, body[:-1])

    @classmethod
    def decode(cls, line: bytes) -> HexFrame | None:
        """A whole frame as on the wire (``b':154\\n'``), end byte optional."""
        line = line.rstrip(b"\n")
        return cls.parse(line[1:]) if line.startswith(b":") else None


@dataclass(frozen=True, slots=True)
class RegisterFrame:
    """A Get or Set reply or an async frame: ``<register u16><flags u8><value>``."""

    command: int
    register: int
    flags: int
    value: bytes

    @classmethod
    def decode(cls, frame: HexFrame) -> RegisterFrame | None:
        if frame.command not in (Response.GET, Response.SET, Response.ASYNC):
            return None
        if len(frame.data) < 3:
            return None
        register, flags = struct.unpack_from("<HB", frame.data)
        return cls(frame.command, register, flags, frame.data[3:])

    def frame(self) -> HexFrame:
        return HexFrame(self.command, struct.pack("<HB", self.register, self.flags) + self.value)

    def encode(self) -> bytes:
        return self.frame().encode()


def raise_for_flags(reply: RegisterFrame, what: str) -> None:
    """The typed error a reply's flags stand for; nothing when they are 0."""
    if not reply.flags:
        return
    if reply.flags & Flags.UNKNOWN_ID:
        raise VEDirectUnknownRegisterError(f"{what}: the charger has no such register")
    if reply.flags & Flags.NOT_SUPPORTED:
        raise VEDirectUnsupportedError(f"{what}: not supported by the charger (read only?)")
    if reply.flags & Flags.PARAMETER_ERROR:
        raise VEDirectParameterError(f"{what}: the charger refused the value")
    raise VEDirectProtocolError(f"{what}: reply flags 0x{reply.flags:02X}")


class FramingErrorReply(VEDirectProtocolError):
    """The charger answered ':4AAAAFD': it could not read what it got (sent again once)."""


class Request[R]:
    """Something sent to the charger that one frame answers.

    (Not an ABC: Python 3.13.0 mixes up the fields of dataclasses under a generic ABC.)
    """

    def frame(self) -> HexFrame:
        raise NotImplementedError

    def answer(self, frame: HexFrame) -> R | None:
        """The decoded reply if ``frame`` answers this request, else None; may raise."""
        raise NotImplementedError

    def encode(self) -> bytes:
        return self.frame().encode()

    def match(self, frame: HexFrame) -> R | None:
        """Like ``answer``, and the replies that answer any request turned into errors."""
        if frame.command == Response.ERROR and frame.data == struct.pack("<H", FRAMING_ERROR):
            raise FramingErrorReply(f"{self.describe()}: the charger could not read the request")
        if frame.command == Response.UNKNOWN and frame.data[:1] == bytes((self.frame().command,)):
            raise VEDirectUnsupportedError(f"{self.describe()}: the charger does not know it")
        return self.answer(frame)

    def describe(self) -> str:
        return type(self).__name__


def _u16(data: bytes) -> int | None:
    return int.from_bytes(data[:2], "little") if len(data) >= 2 else None


@dataclass(frozen=True, slots=True)
class Ping(Request[int]):
    """':154': the reply (command 5) carries the firmware version (top 2 bits: its kind)."""

    def frame(self) -> HexFrame:
        return HexFrame(Command.PING, b"")

    def answer(self, frame: HexFrame) -> int | None:
        return _u16(frame.data) if frame.command == Response.PING else None

    def describe(self) -> str:
        return "ping"


@dataclass(frozen=True, slots=True)
class GetAppVersion(Request[int]):
    def frame(self) -> HexFrame:
        return HexFrame(Command.APP_VERSION, b"")

    def answer(self, frame: HexFrame) -> int | None:
        return _u16(frame.data) if frame.command == Response.DONE else None

    def describe(self) -> str:
        return "application version"


@dataclass(frozen=True, slots=True)
class GetProductId(Request[int]):
    def frame(self) -> HexFrame:
        return HexFrame(Command.PRODUCT_ID, b"")

    def answer(self, frame: HexFrame) -> int | None:
        return _u16(frame.data) if frame.command == Response.DONE else None

    def describe(self) -> str:
        return "product id"


@dataclass(frozen=True, slots=True)
class GetRegister(Request[RegisterFrame]):
    """':7' register, flags 0; answered by a command 7 frame naming the same register."""

    register: int
    name: str = ""

    def frame(self) -> HexFrame:
        return HexFrame(Command.GET, struct.pack("<HB", self.register, 0))

    def answer(self, frame: HexFrame) -> RegisterFrame | None:
        reply = RegisterFrame.decode(frame)
        if reply is None or reply.command != Response.GET or reply.register != self.register:
            return None
        raise_for_flags(reply, self.describe())
        return reply

    def describe(self) -> str:
        return f"get {self.name or 'register'} 0x{self.register:04X}"


@dataclass(frozen=True, slots=True)
class SetRegister(Request[RegisterFrame]):
    """':8' register, flags 0, value; the reply echoes the value the charger accepted."""

    register: int
    value: bytes
    name: str = ""

    def frame(self) -> HexFrame:
        return HexFrame(Command.SET, struct.pack("<HB", self.register, 0) + self.value)

    def answer(self, frame: HexFrame) -> RegisterFrame | None:
        reply = RegisterFrame.decode(frame)
        if reply is None or reply.command != Response.SET or reply.register != self.register:
            return None
        raise_for_flags(reply, self.describe())
        return reply

    def describe(self) -> str:
        return f"set {self.name or 'register'} 0x{self.register:04X}"


def decode_request(frame: HexFrame) -> Request[object] | None:
    """The request a host frame is (for the simulator); None for anything else."""
    if frame.command == Command.PING and not frame.data:
        return Ping()
    if frame.command == Command.APP_VERSION and not frame.data:
        return GetAppVersion()
    if frame.command == Command.PRODUCT_ID and not frame.data:
        return GetProductId()
    if frame.command in (Command.GET, Command.SET) and len(frame.data) >= 3:
        register = int.from_bytes(frame.data[:2], "little")
        if frame.command == Command.GET:
            return GetRegister(register) if len(frame.data) == 3 else None
        return SetRegister(register, frame.data[3:])
    return None
