"""'F' info requests and the VE.Bus frames that answer them; the snapshot set-up
(protocol.md §3.3)."""

from __future__ import annotations

from dataclasses import dataclass
import struct
from typing import Self

from .codec import Command, Matcher, Request, mk2_data, u16
from .framing import AC_INPUT_CONFIG_FRAME, INFO_FRAME, Frame, encode_frame, encode_mk2

INFO_DC = 0
INFO_AC_FIRST, INFO_AC_LAST = 1, 4
INFO_AC_INPUT = 5
INFO_SNAPSHOT = 6
INFO_DEVICE_RESET = 8
MAX_SNAPSHOT_IDS = 6

PHASE_DC = 0x0C
PHASE_L1_BASE = 0x07  # 0x08..0x0B: L1 of a 1..4 phase system
# Phase info byte -> (phase, phases in the system; 0 on L2..L4).
AC_PHASE_INFO = {0x08: (1, 1), 0x09: (1, 2), 0x0A: (1, 3), 0x0B: (1, 4)}
AC_PHASE_INFO |= {0x07: (2, 0), 0x06: (3, 0), 0x05: (4, 0)}


def phase_info_for(phase: int, phase_count: int) -> int:
    """The phase info byte of ``phase`` in a system of ``phase_count`` phases."""
    return PHASE_L1_BASE + phase_count if phase == 1 else 0x09 - phase


def _u24(data: bytes, offset: int) -> int:
    return data[offset] | data[offset + 1] << 8 | data[offset + 2] << 16


@dataclass(frozen=True, slots=True)
class InfoRequest:
    """Any 'F' request as the interface sees it: the number and its argument bytes."""

    number: int
    args: bytes = b""

    def encode(self) -> bytes:
        return encode_mk2("F", bytes((self.number,)) + self.args)

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        data = mk2_data(frame, "F")
        if not data:
            return None
        return cls(data[0], bytes(data[1:]))


# --- DC -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DcInfoReply:
    """F0 reply: a 0x20 frame with phase info 0x0C; the currents are 24-bit unsigned."""

    voltage: int
    inverter_current: int
    charger_current: int
    period: int
    header: bytes = b"\x00\x00\x00\x00"  # bytes 0-3, used by no parser

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
        return cls(u16(data, 5), _u24(data, 7), _u24(data, 10), data[13], bytes(data[:4]))


@dataclass(frozen=True, slots=True)
class DcInfoRequest(Request[DcInfoReply]):
    def encode(self) -> bytes:
        return InfoRequest(INFO_DC).encode()

    def matcher(self) -> Matcher[DcInfoReply]:
        return DcInfoReply.decode

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        request = InfoRequest.decode(frame)
        return cls() if request is not None and request.number == INFO_DC else None


# --- AC -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AcInfoReply:
    """F1..F4 reply: a 0x20 frame with an AC phase info byte; the currents are signed."""

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
        if frame.frame_type != INFO_FRAME or len(data) != 14 or data[4] not in AC_PHASE_INFO:
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


@dataclass(frozen=True, slots=True)
class AcInfoRequest(Request[AcInfoReply]):
    phase: int = 1

    def __post_init__(self) -> None:
        if not INFO_AC_FIRST <= self.phase <= INFO_AC_LAST:
            raise ValueError("phase is 1..4")

    def encode(self) -> bytes:
        return InfoRequest(self.phase).encode()

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        request = InfoRequest.decode(frame)
        if request is None or not INFO_AC_FIRST <= request.number <= INFO_AC_LAST:
            return None
        return cls(request.number)

    def matcher(self) -> Matcher[AcInfoReply]:
        def match(frame: Frame) -> AcInfoReply | None:
            reply = AcInfoReply.decode(frame)
            return reply if reply is not None and reply.phase == self.phase else None

        return match


# --- AC-input configuration ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AcInputConfigReply:
    """F5 reply: a 0x41 frame with the AC-input config, limits (0.1 A), switch register."""

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


@dataclass(frozen=True, slots=True)
class AcInputConfigRequest(Request[AcInputConfigReply]):
    slow = True

    def encode(self) -> bytes:
        return InfoRequest(INFO_AC_INPUT).encode()

    def matcher(self) -> Matcher[AcInputConfigReply]:
        return AcInputConfigReply.decode

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        request = InfoRequest.decode(frame)
        return cls() if request is not None and request.number == INFO_AC_INPUT else None


# --- snapshot -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TakeSnapshot(Command):
    """'F' 6: take a snapshot of up to six RAM variables; read it with winmon 0x38."""

    ram_ids: tuple[int, ...]

    def __post_init__(self) -> None:
        if not 0 < len(self.ram_ids) <= MAX_SNAPSHOT_IDS or not all(
            0 <= i <= 0xFF for i in self.ram_ids
        ):
            raise ValueError("a snapshot takes 1 to 6 RAM ids in 0..255")

    def encode(self) -> bytes:
        return InfoRequest(INFO_SNAPSHOT, bytes(self.ram_ids)).encode()

    @classmethod
    def decode(cls, frame: Frame) -> Self | None:
        request = InfoRequest.decode(frame)
        if request is None or request.number != INFO_SNAPSHOT:
            return None
        ids = tuple(request.args[:MAX_SNAPSHOT_IDS])
        return cls(ids) if ids else None
