"""Faults on demand: the spec string that switches them on, and what they do to the bytes.

A protocol's faults are a dataclass on ``FaultSpec`` that declares its keys: chances
(0..1), seconds (>= 0), flags (a bare key, no value), switches (a bare key, or
``key=BOOL``), and keys of its own (``_read``). ``parse`` reads a comma-separated list of
items (whitespace around them ignored); a bad item raises ValueError naming it. The
simulator reads its faults at every frame, so changes apply at once.

``noise_burst`` and ``corrupt`` are the line's faults, the same on every protocol: a burst
of random bytes before an item, and per byte a lost byte or a flipped bit.
"""

from __future__ import annotations

from collections.abc import Mapping
import math
import random
from typing import ClassVar, Self

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class FaultSpec:
    """The spec grammar; a subclass declares its keys and the attributes they set."""

    CHANCES: ClassVar[Mapping[str, str]] = {}  # key -> attribute
    SECONDS: ClassVar[Mapping[str, str]] = {}
    FLAGS: ClassVar[Mapping[str, str]] = {}
    SWITCHES: ClassVar[Mapping[str, str]] = {}
    OTHERS: ClassVar[frozenset[str]] = frozenset()  # read by ``_read``

    @classmethod
    def parse(cls, spec: str) -> Self:
        faults = cls()
        for item in (part.strip() for part in spec.split(",")):
            if item:
                faults.apply(item)
        return faults

    @classmethod
    def keys(cls) -> list[str]:
        return sorted({*cls.CHANCES, *cls.SECONDS, *cls.FLAGS, *cls.SWITCHES, *cls.OTHERS})

    def apply(self, item: str) -> None:
        """Switch on the fault of one item, ``key=value`` or ``key``."""
        key, sep, value = (part.strip() for part in item.partition("="))
        key = key.lower()
        if key in self.SWITCHES:
            setattr(self, self.SWITCHES[key], boolean(value, item) if sep else True)
            return
        if key not in self.keys():
            raise ValueError(f"unknown fault {key!r} in {item!r}; known: {', '.join(self.keys())}")
        if key in self.FLAGS:
            if sep:
                raise ValueError(f"fault {key!r} takes no value, in {item!r}")
            setattr(self, self.FLAGS[key], True)
            return
        if not value:
            raise ValueError(f"fault {key!r} needs a value: {key}=…")
        if key in self.CHANCES:
            setattr(self, self.CHANCES[key], chance(value, item))
        elif key in self.SECONDS:
            setattr(self, self.SECONDS[key], seconds(value, item))
        else:
            self._read(key, value, item)

    def _read(self, key: str, value: str, item: str) -> None:
        """A key of the subclass's own (``OTHERS``) with its value."""
        raise NotImplementedError(key)


# --- values ---------------------------------------------------------------------------------


def number(value: str, item: str) -> float:
    try:
        result = float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r} in {item!r}") from None
    if not math.isfinite(result):
        raise ValueError(f"not a finite number: {value!r} in {item!r}")
    return result


def chance(value: str, item: str) -> float:
    result = number(value, item)
    if not 0.0 <= result <= 1.0:
        raise ValueError(f"a chance must be within 0..1 in {item!r}")
    return result


def seconds(value: str, item: str) -> float:
    result = number(value, item)
    if result < 0:
        raise ValueError(f"seconds must not be negative in {item!r}")
    return result


def boolean(value: str, item: str) -> bool:
    text = value.lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected a boolean in {item!r}")


def integer(value: str, item: str) -> int:
    try:
        return int(value, 0)
    except ValueError:
        raise ValueError(f"not an integer: {value!r} in {item!r}") from None


# --- on the line ----------------------------------------------------------------------------


def noise_burst(rng: random.Random, probability: float) -> bytes:
    """With ``probability``, 1 to 8 random bytes (line noise before an item); else none."""
    if probability and rng.random() < probability:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return b""


def corrupt(data: bytes, rng: random.Random, *, drop: float, bit_flip: float) -> bytes:
    """``data`` as a faulty line delivers it: each byte lost with chance ``drop``, else one
    of its bits flipped with chance ``bit_flip``."""
    if not drop and not bit_flip:
        return data
    delivered = bytearray()
    for byte in data:
        if drop and rng.random() < drop:
            continue
        flip = bit_flip and rng.random() < bit_flip
        delivered.append(byte ^ (1 << rng.randrange(8)) if flip else byte)
    return bytes(delivered)
