"""The registers this library knows, one line each (vedirect.md §3.3).

Each ``Register`` says its id, how its value is laid out (``Kind``), its engineering unit and
scale (the device step), whether it can be written, whether a write goes to non-volatile
memory, and the raw value that means "not available". The attribute name in ``Reg`` is the
register's name. Nothing else in the library repeats these facts.

Registers written only in non-volatile memory wear it out: every write of an ``nvm`` register
goes through ``NvmLimiter`` (``charger``). 0x2015, the VE.Smart link charge current limit, is
volatile but unproven on Blue Smart chargers (vedirect.md §5.1): it is listed so it can be
read, and nothing writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
import math
import struct

from .errors import VEDirectInvalidValueError, VEDirectOutOfRangeError, VEDirectProtocolError


class Kind(Enum):
    """How a value is laid out: struct format (little endian), or text and raw bytes."""

    U8 = "<B"
    U16 = "<H"
    U32 = "<I"
    S16 = "<h"
    S32 = "<i"
    STRING = "string"
    BYTES = "bytes"

    @property
    def size(self) -> int | None:
        """Bytes of a value; None: as many as the frame carries."""
        if self in (Kind.STRING, Kind.BYTES):
            return None
        return struct.calcsize(self.value)

    @property
    def bounds(self) -> tuple[int, int]:
        size = self.size
        assert size is not None
        if self in (Kind.S16, Kind.S32):
            half = 1 << (8 * size - 1)
            return -half, half - 1
        return 0, (1 << (8 * size)) - 1


class Access(Enum):
    READ = "r"
    READ_WRITE = "rw"


@dataclass(frozen=True, slots=True)
class Register:
    id: int
    kind: Kind
    unit: str | None = None
    scale: float = 1.0  # also the device step of a written value
    access: Access = Access.READ
    nvm: bool = False  # a write goes to non-volatile memory
    not_available: int | None = None  # the raw value that means "none"
    name: str = field(default="", init=False)  # set from the attribute name in Reg

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name.lower())

    @property
    def writable(self) -> bool:
        return self.access is Access.READ_WRITE

    @property
    def numeric(self) -> bool:
        return self.kind.size is not None

    def decode(self, data: bytes) -> int | str | bytes:
        """The raw value in a reply or async frame."""
        if self.kind is Kind.STRING:
            return data.split(b"\0", 1)[0].decode("ascii", "replace")
        if self.kind is Kind.BYTES:
            return data
        if len(data) != self.kind.size:
            raise VEDirectProtocolError(
                f"{self.name}: {len(data)} value bytes, expected {self.kind.size}"
            )
        value: int = struct.unpack(self.kind.value, data)[0]
        return value

    def value(self, data: bytes) -> float | int | str | bytes | None:
        """The value in engineering units; None when the charger says it has none."""
        raw = self.decode(data)
        if not isinstance(raw, int):
            return raw
        return self.scaled(raw)

    def scaled(self, raw: int) -> float | int | None:
        if raw == self.not_available:
            return None
        if self.scale == 1:
            return raw
        return round(raw * self.scale, 6)

    def takes(self, value: float) -> float:
        """``value`` if it is what the register takes, bounds aside: a number (not a
        boolean), a whole one for a whole-numbered register (a mode): nothing is rounded
        into shape. NaN and infinity pass, for the bounds to refuse."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise VEDirectInvalidValueError(self.name, value, "a number")
        if self.scale == 1 and math.isfinite(value) and value != int(value):
            raise VEDirectInvalidValueError(self.name, value, "a whole number")
        return float(value)

    def raw_for(self, value: float) -> int:
        """The raw value nearest ``value`` (to the device step); what the register does not
        take (``takes``) or out of the layout's range raises, nothing sent."""
        if not self.numeric:
            raise VEDirectProtocolError(f"{self.name}: only numbers can be written")
        raw = round(self.takes(value) / self.scale)
        low, high = self.kind.bounds
        if self.not_available == high:
            high -= 1
        if not low <= raw <= high:
            raise VEDirectOutOfRangeError(
                self.name, value, low * self.scale, high * self.scale, self.unit
            )
        return raw

    def encode(self, raw: int) -> bytes:
        if not self.numeric:
            raise VEDirectProtocolError(f"{self.name}: only numbers can be written")
        return struct.pack(self.kind.value, raw)


_RW = Access.READ_WRITE


class Reg:
    """The registers, by name (vedirect.md §3.3, Victron's ve_regs.h for layouts)."""

    PRODUCT_ID = Register(0x0100, Kind.U32)  # b0 instance, b1-2 PID, b3 0xFF
    APP_VERSION = Register(0x0102, Kind.U32)  # 0x0365FF = 3.65
    SERIAL_NUMBER = Register(0x010A, Kind.STRING)
    MODEL_NAME = Register(0x010B, Kind.STRING)
    DESCRIPTION = Register(0x010C, Kind.STRING)
    UPTIME = Register(0x0120, Kind.U32, "s")
    CAPABILITIES = Register(0x0140, Kind.U32)
    DEVICE_MODE = Register(0x0200, Kind.U8)  # not on the IP22: unknown id
    DEVICE_STATE = Register(0x0201, Kind.U8)  # = the text field CS
    DEVICE_FUNCTION = Register(0x0206, Kind.U8, access=_RW, nvm=True)  # 0 charger, 1 PSU
    OFF_REASON = Register(0x0207, Kind.U32)  # bit 0: no input power
    LOW_CURRENT_MODE = Register(0xE001, Kind.U8, access=_RW, nvm=True)  # NVM unsure: assumed
    LOW_CURRENT_TIME_LEFT = Register(0xE002, Kind.U32, "s")
    LOW_CURRENT = Register(0xEDCB, Kind.U16, "A", 0.1)
    MINIMUM_CURRENT = Register(0xEDC8, Kind.U16, "A", 0.1)  # absent: 0 A
    MAXIMUM_CURRENT = Register(0xEDDF, Kind.U16, "A", 0.1, not_available=0xFFFF)
    CHARGE_CURRENT_LIMIT = Register(0xEDF0, Kind.U16, "A", 0.1, _RW, nvm=True)
    BATTERY_TYPE = Register(0xEDF1, Kind.U8, access=_RW, nvm=True)  # 0xFF user defined
    ABSORPTION_VOLTAGE = Register(0xEDF7, Kind.U16, "V", 0.01, _RW, nvm=True)
    FLOAT_VOLTAGE = Register(0xEDF6, Kind.U16, "V", 0.01, _RW, nvm=True)
    STORAGE_VOLTAGE = Register(0xEDF5, Kind.U16, "V", 0.01, _RW, nvm=True)
    STORAGE_MODE = Register(0xEDEE, Kind.U8, access=_RW, nvm=True)
    PSU_VOLTAGE = Register(0xEDE9, Kind.U16, "V", 0.01, _RW, nvm=True)
    CHANNEL1_VOLTAGE = Register(0xED8D, Kind.S16, "V", 0.01, not_available=0x7FFF)
    CHANNEL1_CURRENT = Register(0xED8F, Kind.S16, "A", 0.1, not_available=0x7FFF)
    CHANNEL1_CURRENT_FINE = Register(0xED8C, Kind.S32, "A", 0.001, not_available=0x7FFFFFFF)
    CHARGER_VOLTAGE = Register(0xEDD5, Kind.U16, "V", 0.01, not_available=0xFFFF)
    CHARGER_CURRENT = Register(0xEDD7, Kind.S16, "A", 0.1, not_available=0x7FFF)
    CHARGER_ERROR = Register(0xEDDA, Kind.U8)  # = the text field ERR
    INTERNAL_TEMPERATURE = Register(0xEDDB, Kind.S16, "°C", 0.01, not_available=0x7FFF)
    PHYSICAL_OUTPUTS = Register(0xEDDE, Kind.U8)
    BATTERY_VSENSE = Register(0xEE16, Kind.U16, "V", 0.01, not_available=0xFFFF)
    LINK_VSET = Register(0x2001, Kind.U16, "V", 0.01, not_available=0xFFFF)
    LINK_VSENSE = Register(0x2002, Kind.U16, "V", 0.01, not_available=0xFFFF)
    LINK_TSENSE = Register(0x2003, Kind.S16, "°C", 0.01, not_available=0x7FFF)
    LINK_STATE_ELAPSED = Register(0x2007, Kind.U32, "ms")
    LINK_ABSORPTION_TIME = Register(0x2008, Kind.U16)
    LINK_ERROR = Register(0x2009, Kind.U8)
    LINK_BATTERY_CURRENT = Register(0x200A, Kind.S32, "A", 0.001, not_available=0x7FFFFFFF)
    LINK_DEVICE_STATE = Register(0x200C, Kind.U8, not_available=0xFF)
    NETWORK_INFO = Register(0x200D, Kind.U16)
    NETWORK_MODE = Register(0x200E, Kind.U8)
    LINK_TOTAL_CHARGE_CURRENT = Register(0x2013, Kind.S32, "A", 0.001, not_available=0x7FFFFFFF)
    LINK_CHARGE_CURRENT_LIMIT = Register(0x2015, Kind.U16, "A", 0.1, not_available=0xFFFF)
    LINK_ABSORPTION_END_TIME = Register(0x2042, Kind.U16, "h", 0.01)  # unsure (CSV)
    CUMULATIVE_HISTORY = Register(0x1042, Kind.BYTES)
    USER_HISTORY = Register(0x1043, Kind.BYTES)
    CYCLE_HISTORY_0 = Register(0x1070, Kind.BYTES)


REGISTERS: dict[int, Register] = {
    item.id: item for item in vars(Reg).values() if isinstance(item, Register)
}
_BY_NAME = {item.name: item for item in REGISTERS.values()}


def register(key: int | str) -> Register:
    """A register by id (0xEDF0, "0xEDF0", "edf0") or name ("charge_current_limit")."""
    if isinstance(key, int):
        if key in REGISTERS:
            return REGISTERS[key]
        raise KeyError(f"unknown register 0x{key:04X}")
    text = key.strip().lower().replace("-", "_")
    if text in _BY_NAME:
        return _BY_NAME[text]
    try:
        number = int(text, 16)
    except ValueError:
        raise KeyError(f"unknown register {key!r}; known: {', '.join(sorted(_BY_NAME))}") from None
    return register(number)


def unknown_register(register_id: int) -> Register:
    """A register not in the table: its value is shown as the bytes the frame carries."""
    item = Register(register_id, Kind.BYTES)
    object.__setattr__(item, "name", f"register_0x{register_id:04x}")
    return item
