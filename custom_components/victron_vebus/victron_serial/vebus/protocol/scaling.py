"""Raw values <-> engineering units, with scales the device reports (protocol.md §3.5).

Nothing here hard-codes a scale: a ``VarScale`` is built from the device's 0x36
answer, a ``SettingScale`` from its 0x35 answer.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from .ids import to_signed16
from .variables import RawSettingInfo, RawVarInfo

BIT_VARIABLE_OFFSET = -0x8000
RECIPROCAL_THRESHOLD = 0x4000
_RECIPROCAL_BASE = 0x8000
_WORD_BITS = 16


@dataclass(frozen=True, slots=True)
class VarScale:
    """How to read one RAM variable."""

    factor: float
    offset: int
    signed: bool
    bit: int | None = None

    @classmethod
    def from_info(cls, info: RawVarInfo) -> VarScale:
        magnitude = abs(info.scale)
        if info.offset == BIT_VARIABLE_OFFSET:
            return cls(1.0, 0, False, magnitude - 1)
        if magnitude >= RECIPROCAL_THRESHOLD:
            # -0x8000 would divide by zero; no device sends it (info.supported is False).
            denominator = _RECIPROCAL_BASE - magnitude
            factor = 1.0 / denominator if denominator else 0.0
        else:
            factor = float(magnitude)
        return cls(factor, info.offset, info.scale < 0)

    def value(self, raw: int) -> float:
        """Engineering value of a raw 16-bit word (a bit variable gives 0.0 or 1.0)."""
        if self.bit is not None:
            return float((raw >> self.bit) & 1) if 0 <= self.bit < _WORD_BITS else 0.0
        number = to_signed16(raw) if self.signed else raw & 0xFFFF
        return self.factor * (number + self.offset)

    def value_wide(self, raw: int) -> float:
        """Value of a raw word wider than 16 bits (the DC frame's 24-bit currents)."""
        return self.factor * (raw + self.offset)

    def raw(self, value: float) -> int:
        """Raw 16-bit word for ``value``; raises ValueError when it does not fit.

        Not a number, infinity or a variable without a scale never fit.
        """
        if self.bit is not None:
            if not 0 <= self.bit < _WORD_BITS:
                raise ValueError(f"bit {self.bit} is not in a 16-bit word")
            return (1 << self.bit) if value else 0
        if not self.factor or not math.isfinite(value / self.factor):
            raise ValueError(f"{value} does not fit this variable")
        number = round(value / self.factor) - self.offset
        low, high = (-0x8000, 0x7FFF) if self.signed else (0, 0xFFFF)
        if not low <= number <= high:
            raise ValueError(f"{value} does not fit this variable")
        return number & 0xFFFF

    def frequency(self, raw: int) -> float:
        """Hz from a period byte: f = 10 / (scale · (raw + offset)); 0 and 0xFF mean none."""
        if raw in (0x00, 0xFF):
            return 0.0
        period = self.value(raw)
        return 0.0 if period <= 0 else 10.0 / period


@dataclass(frozen=True, slots=True)
class SettingScale:
    """How to read, write and bound one setting."""

    info: RawSettingInfo

    @property
    def _multiply(self) -> bool:
        return self.info.scale > 0

    @property
    def _magnitude(self) -> int:
        # Scale 0 means "not supported" and never becomes a SettingScale; read it as 1.
        return abs(self.info.scale) or 1

    def value(self, raw: int) -> float:
        number = raw + self.info.offset
        scale = self._magnitude
        return number * scale if self._multiply else number / scale

    def raw(self, value: float) -> int:
        """Raw value for ``value`` (unbounded); ValueError when it is no finite number."""
        scale = self._magnitude
        number = value / scale if self._multiply else value * scale
        if not math.isfinite(number):
            raise ValueError(f"{value} is not a finite number")
        return round(number) - self.info.offset

    @property
    def minimum(self) -> float:
        return self.value(self.info.minimum)

    @property
    def maximum(self) -> float:
        return self.value(self.info.maximum)

    @property
    def default(self) -> float:
        return self.value(self.info.default)

    @property
    def whole_steps(self) -> bool:
        """The setting counts in whole steps of 1 or more (whole volts, minutes, Ah)."""
        return self._multiply

    @property
    def step(self) -> float:
        scale = self._magnitude
        return float(scale) if self._multiply else 1.0 / scale

    def check(self, value: float) -> int:
        """Raw value for ``value`` if the device's min/max allow it, else ValueError."""
        if not math.isfinite(value):
            raise ValueError("not a number")
        raw = self.raw(value)
        if not self.info.minimum <= raw <= self.info.maximum:
            raise ValueError(f"{value} is outside {self.minimum}..{self.maximum}")
        return raw
