"""A text-block field, declared: its label as sent and how its value reads (vedirect.md §2.2).

Every value in a text block is ASCII: decimal numbers, ``0x…`` hex numbers, ``ON``/``OFF``,
or free text; ``---`` means the device has no value now (a temperature without a sensor).
A ``TextField`` says which of these a label carries and, for numbers, the scale from what is
sent (mV, mA) to engineering units (V, A). A text that does not read as its kind is None:
the block's checksum held, so the field is kept, but its value is not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

NOT_AVAILABLE = "---"  # TXTDOC: "not available" in any numeric field
type FieldValue = float | int | str | bool | None


class FieldKind(Enum):
    INT = "int"  # decimal, scaled
    HEX = "hex"  # "0xA334"
    STR = "str"
    ON_OFF = "on-off"  # ON/OFF, compared case-insensitively


@dataclass(frozen=True, slots=True)
class TextField:
    """One label of a family's text block."""

    label: str  # as sent: "V", "SER#"
    name: str  # what the value is: "voltage", "serial"
    kind: FieldKind = FieldKind.INT
    scale: float = 1.0  # sent value times scale = value in ``unit``
    unit: str | None = None
    not_available: str | None = NOT_AVAILABLE
    quantity: str | None = None  # the plausibility bounds it is checked against
    output: int | None = None  # which output of a multi-output charger it measures
    entity: str | None = None  # the key of the sensor that shows it, where one does

    def text(self, value: FieldValue) -> str:
        """What a device sends for ``value`` (the simulator's side of ``parse``)."""
        if value is None:
            return self.not_available or ""
        if self.kind is FieldKind.STR:
            return str(value)
        if self.kind is FieldKind.ON_OFF:
            return "ON" if value else "OFF"
        if isinstance(value, str):
            raise TypeError(f"{self.label}: {value!r} is no number")
        if self.kind is FieldKind.HEX:
            return f"0x{int(value):04X}"
        return str(round(value * (1 / self.scale)))

    def parse(self, text: str | None) -> FieldValue:
        """The value of ``text`` in engineering units; None: absent, not available or
        not of this field's kind."""
        if text is None:
            return None
        if self.kind is FieldKind.STR:
            return text or None
        value = text.strip()
        if value == self.not_available:
            return None
        if self.kind is FieldKind.ON_OFF:
            return {"on": True, "off": False}.get(value.lower())
        if self.kind is FieldKind.HEX:
            value = value.removeprefix("0x").removeprefix("0X")
        try:
            raw = int(value, 16 if self.kind is FieldKind.HEX else 10)
        except ValueError:
            return None
        if self.scale == 1:
            return raw
        return round(raw * self.scale, 6)
