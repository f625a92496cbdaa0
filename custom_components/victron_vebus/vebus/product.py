"""What a unit is, as far as VE.Bus tells: the family, the system voltage, the firmware.

No frame names the product. The family follows from the AC inputs the 'F' 5 frame counts
(none: a Phoenix inverter; two: a Quattro; one: a MultiPlus), the system voltage from the
absorption voltage's maximum. The VE.Bus firmware number is AA BB CCC (type, model,
version: 2629508 is version 508 of firmware type 2629), and Victron names a version by
its last three digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Family(StrEnum):
    MULTIPLUS = "MultiPlus"
    QUATTRO = "Quattro"
    PHOENIX = "Phoenix"


def family_of(ac_inputs: int | None) -> Family:
    if ac_inputs == 0:
        return Family.PHOENIX
    if ac_inputs is not None and ac_inputs >= 2:
        return Family.QUATTRO
    return Family.MULTIPLUS


def firmware_version_text(firmware: int) -> str:
    """The version as Victron writes it: 2629508 -> "508"."""
    return str(firmware % 1000)


def firmware_type(firmware: int) -> int:
    """The firmware type (AA BB): 2629508 -> 2629."""
    return firmware // 1000


@dataclass(frozen=True, slots=True)
class Product:
    family: Family
    nominal_voltage: float | None = None  # V: 12, 24 or 48
    firmware: int | None = None

    @property
    def name(self) -> str:
        """E.g. "MultiPlus 12 V" (or the family alone when the voltage is not known)."""
        if self.nominal_voltage is None:
            return str(self.family)
        return f"{self.family} {self.nominal_voltage:g} V"

    @property
    def has_charger(self) -> bool:
        return self.family is not Family.PHOENIX

    @property
    def firmware_text(self) -> str | None:
        return None if self.firmware is None else firmware_version_text(self.firmware)
