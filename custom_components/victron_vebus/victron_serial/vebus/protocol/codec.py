"""The shape every exchange is declared in: a request names its reply (design.md §2).

A ``Request`` encodes itself and makes a ``Matcher``: a callable that is shown every frame
arriving while the request is in flight and returns the decoded reply once one answers it
(``None`` for frames that do not). A matcher may keep state, so a reply spread over several
frames is one ordinary exchange. A ``Command`` is a request with no reply ('F' 6, sleep).

Every class can also decode itself from a frame (``decode``) and encode itself, so the
simulator answers from the same declarations the client sends.

Winmon error replies become typed errors here and nowhere else (protocol.md §3.4).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
import struct
from typing import ClassVar, Protocol

from ..errors import VEBusAccessDeniedError, VEBusUnsupportedError
from .framing import MK2_FRAME, Frame

type Matcher[R] = Callable[[Frame], R | None]


class Command(Protocol):
    """Something sent to the interface (a Request, or a frame no frame answers). A protocol,
    not a base: a request is a command by what it does, and stays one class deep."""

    def encode(self) -> bytes:
        """The wire bytes, length byte to checksum."""
        ...


class Request[R](ABC):
    """Something sent that one frame (or a known series of frames) answers."""

    slow: ClassVar[bool] = False  # 'F' 5: real units need more than 750 ms

    @abstractmethod
    def encode(self) -> bytes:
        """The wire bytes, length byte to checksum."""

    @abstractmethod
    def matcher(self) -> Matcher[R]:
        """A fresh matcher for one attempt."""

    def describe(self) -> str:
        """What the request is about, for error messages."""
        return type(self).__name__


def mk2_data(frame: Frame, letter: str) -> bytes | None:
    """The data of an MK2 frame with command ``letter``, else None."""
    if frame.frame_type != MK2_FRAME or frame.command != ord(letter):
        return None
    return frame.data


def u16(data: bytes, offset: int = 0) -> int:
    value: int = struct.unpack_from("<H", data, offset)[0]
    return value


def i16(data: bytes, offset: int = 0) -> int:
    value: int = struct.unpack_from("<h", data, offset)[0]
    return value


def u16_list(values: list[int] | tuple[int, ...]) -> bytes:
    return b"".join(struct.pack("<H", value & 0xFFFF) for value in values)


def parse_u16_list(data: bytes) -> list[int]:
    return [u16(data, i) for i in range(0, len(data) - 1, 2)]


# Winmon reply codes that mean "no" (protocol.md §3.4).
UNKNOWN_COMMAND = 0x80
RAM_VAR_NOT_SUPPORTED = 0x90
SETTING_NOT_SUPPORTED = 0x91
ACCESS_DENIED = 0x9B
ERROR_CODES = frozenset(
    {UNKNOWN_COMMAND, RAM_VAR_NOT_SUPPORTED, SETTING_NOT_SUPPORTED, ACCESS_DENIED}
)


def raise_for_error(code: int, data: bytes, what: str) -> None:
    """The typed error a winmon error reply stands for; nothing for other codes."""
    if code == ACCESS_DENIED:
        raise VEBusAccessDeniedError(what, data[0] if data else 0)
    if code in (RAM_VAR_NOT_SUPPORTED, SETTING_NOT_SUPPORTED):
        raise VEBusUnsupportedError(f"{what}: not supported by the device")
    if code == UNKNOWN_COMMAND:
        raise VEBusUnsupportedError(f"{what}: the device refused the request")
