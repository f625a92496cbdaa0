"""MK-level commands: 'V', 'A', 'L', 'S', 'H', 'R' and the raw sleep/wake frames
(protocol.md §2, §3.1, §3.2, §3.6, §3.7)."""

from __future__ import annotations

from dataclasses import dataclass
import struct
from typing import Self

from .codec import Command, Matcher, Request, mk2_data
from .framing import Frame, encode_frame, encode_mk2
from .ids import MK3_VERSION_THRESHOLD

MODE_NO_ADDRESS = 0x42  # 'B' in the 'V' frame until an address is selected

# 'S' flag bits (protocol.md §3.6).
S_FLAG_APPEND_LEDS = 0x02
S_FLAG_DO_NOT_SEND_STATE = 0x10
S_FLAG_VARIANT2 = 0x80
S_FLAGS_EXT0_COMPAT = 0x01  # split winmon replies (the power-on default)
S_LIMIT_UNCHANGED = 0x8000
S_VARIANT = 0x01


# --- 'V' --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionReply:
    """'V': the interface's firmware; also sent unsolicited about once a second."""

    version: int
    mode: int = MODE_NO_ADDRESS  # 'B' before an address is selected, else the address

    def encode(self) -> bytes:
        return encode_mk2("V", struct.pack("<IB", self.version, self.mode))

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = mk2_data(frame, "V")
        if data is None or len(data) < 5:
            return None
        return cls(struct.unpack_from("<I", data)[0], data[4])

    @property
    def is_mk3(self) -> bool:
        return self.version >= MK3_VERSION_THRESHOLD

    @property
    def no_address(self) -> bool:
        return self.mode == MODE_NO_ADDRESS


@dataclass(frozen=True, slots=True)
class VersionRequest(Request[VersionReply]):
    def encode(self) -> bytes:
        return encode_mk2("V")

    def matcher(self) -> Matcher[VersionReply]:
        return VersionReply.decode

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        return cls() if mk2_data(frame, "V") == b"" else None


@dataclass(frozen=True, slots=True)
class ResetRequest(Request[VersionReply]):
    """'R': the interface resets and announces itself with a 'V' frame."""

    def encode(self) -> bytes:
        return encode_mk2("R")

    def matcher(self) -> Matcher[VersionReply]:
        return VersionReply.decode

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        return cls() if mk2_data(frame, "R") == b"" else None


# --- 'A' --------------------------------------------------------------------------------


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
        data = mk2_data(frame, "A")
        if data is None or len(data) not in (2, 3):
            return None
        return cls(data[0], data[1], len(data) == 3)


@dataclass(frozen=True, slots=True)
class AddressRequest(Request[AddressReply]):
    """'A': select (action 1) or query (action 0) the VE.Bus address winmon talks to."""

    action: int
    address: int

    def encode(self) -> bytes:
        return encode_mk2("A", bytes((self.action, self.address)))

    def matcher(self) -> Matcher[AddressReply]:
        def match(frame: Frame) -> AddressReply | None:
            reply = AddressReply.decode(frame)
            if reply is None or (self.action & 0x01 and reply.address != self.address):
                return None
            return reply

        return match

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = mk2_data(frame, "A")
        if data is None or len(data) != 2:
            return None
        return cls(data[0], data[1])

    @classmethod
    def select(cls, address: int) -> AddressRequest:
        return cls(1, address)


# --- 'L' --------------------------------------------------------------------------------


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
        data = mk2_data(frame, "L")
        if data is None or len(data) < 2:
            return None
        alarms = data[2] if len(data) > 2 else 0
        error_byte = data[3] if len(data) > 3 else 0
        return cls(data[0], data[1], alarms, error_byte, bytes(data[4:]))

    @property
    def vebus_error(self) -> int:
        return self.error_byte & 0x1F


@dataclass(frozen=True, slots=True)
class LedRequest(Request[LedReply]):
    def encode(self) -> bytes:
        return encode_mk2("L")

    def matcher(self) -> Matcher[LedReply]:
        return LedReply.decode

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        return cls() if mk2_data(frame, "L") == b"" else None


# --- 'S' --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetStateReply:
    def encode(self) -> bytes:
        return encode_mk2("S")

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        return cls() if mk2_data(frame, "S") is not None else None


@dataclass(frozen=True, slots=True)
class SetStateRequest(Request[SetStateReply]):
    """'S': remote switch state, AC input current limit (0.1 A) and interface flags."""

    switch: int
    current_limit: int = S_LIMIT_UNCHANGED
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

    def matcher(self) -> Matcher[SetStateReply]:
        return SetStateReply.decode

    def describe(self) -> str:
        return "remote switch"

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = mk2_data(frame, "S")
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
        return self.current_limit < S_LIMIT_UNCHANGED


# --- 'H' (MK3 only) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InterfaceReply:
    lines: int

    def encode(self) -> bytes:
        return encode_mk2("H", bytes((self.lines,)))

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = mk2_data(frame, "H")
        if not data:
            return None
        return cls(data[0])


@dataclass(frozen=True, slots=True)
class InterfaceRequest(Request[InterfaceReply]):
    """'H': set the panel-detect and standby lines, or (``lines`` None) read them."""

    lines: int | None = None

    def encode(self) -> bytes:
        return encode_mk2("H", b"" if self.lines is None else bytes((self.lines,)))

    def matcher(self) -> Matcher[InterfaceReply]:
        return InterfaceReply.decode

    def describe(self) -> str:
        return "interface lines"

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = mk2_data(frame, "H")
        if data is None:
            return None
        return cls(data[0] if data else None)


# --- raw VE.Bus switch frames -------------------------------------------------------------

RAW_SWITCH_FRAME = 0x3F
RAW_SLEEP = 0x04
RAW_CHARGER_ONLY = 0x05
RAW_INVERTER_ONLY = 0x06
RAW_WAKE = 0x07  # "on"


@dataclass(frozen=True, slots=True)
class RawSwitchCommand(Command):
    """``05 3F <cmd> 00 00 00 <chk>`` written as is: 4 sleep, 5 charger only, 6 inverter
    only, 7 on (wake up). No reply (protocol.md §3.6); nibble-swap checksum (§1)."""

    command: int

    def encode(self) -> bytes:
        return encode_frame(RAW_SWITCH_FRAME, bytes((self.command, 0, 0, 0)))

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = frame.payload
        if frame.frame_type != RAW_SWITCH_FRAME or len(data) != 4 or any(data[1:]):
            return None
        return cls(data[0])
