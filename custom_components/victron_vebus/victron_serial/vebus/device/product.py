"""What a unit is, as far as VE.Bus tells: the family, the system voltage, the firmware,
and from the firmware the product id that names the model.

The family follows from the AC inputs the 'F' 5 frame counts (none: a Phoenix inverter;
two: a Quattro; one: a MultiPlus), the system voltage from the absorption voltage's maximum.
The VE.Bus firmware number is AA BB CCC: its first four digits are the firmware type, which
is the product id Victron's tools show (``product_ids``), the last three the version
Victron writes as "v508". 2623508 is version 508 of product 2623, a MultiPlus-II
48/5000/70-50. A product id's model is used only where it agrees with the family and the
system voltage the frames tell; otherwise the model is those two ("MultiPlus 12 V").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import re

from .product_ids import PRODUCT_IDS


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
    """The firmware type (AA BB), the product id: 2629508 -> 2629."""
    return firmware // 1000


def version_display(firmware: int) -> str:
    """A VE.Bus (or MK2/MK3) firmware as Victron's tools show it: "v508 (2623508)", the
    version as VictronConnect and VRM write it, the whole number as VEConfigure and the
    firmware file (2623508.vff) do."""
    return f"v{firmware_version_text(firmware)} ({firmware})"


_RATING = re.compile(r"\s(\d+)/")  # "MultiPlus-II 48/5000/70-50": the system voltage, 48


def _line_of(model: str) -> str:
    """The product line of a model name: "MultiPlus-II 48/5000/70-50" -> "MultiPlus-II"."""
    match = _RATING.search(model)
    return model[: match.start()] if match else model


def _family_of_model(model: str) -> Family:
    line = _line_of(model)
    if line.startswith("Quattro"):
        return Family.QUATTRO
    if line == "Phoenix":  # an inverter; a Phoenix Multi is an inverter/charger
        return Family.PHOENIX
    return Family.MULTIPLUS


@dataclass(frozen=True, slots=True)
class Product:
    family: Family
    nominal_voltage: float | None = None  # V: 12, 24 or 48
    firmware: int | None = None

    @property
    def product_id(self) -> int | None:
        """The firmware type, as a GX device shows it ("Product ID 2623")."""
        return None if self.firmware is None else firmware_type(self.firmware)

    @property
    def known_model(self) -> str | None:
        """The model the product id names, where it agrees with what the frames tell."""
        model = PRODUCT_IDS.get(self.product_id) if self.product_id is not None else None
        if model is None or _family_of_model(model) is not self.family:
            return None
        match = _RATING.search(model)
        if self.nominal_voltage is not None and match and float(match[1]) != self.nominal_voltage:
            return None
        return model

    @property
    def name(self) -> str:
        """The model: "MultiPlus-II 48/5000/70-50" where the product id names it, else the
        family and system voltage, "MultiPlus 12 V" (the family alone without either)."""
        known = self.known_model
        if known is not None:
            return known
        if self.nominal_voltage is None:
            return str(self.family)
        return f"{self.family} {self.nominal_voltage:g} V"

    @property
    def line(self) -> str:
        """The product line a person calls the unit: "MultiPlus-II", "Quattro", "MultiPlus
        Compact"; the family where the product id does not tell."""
        known = self.known_model
        return str(self.family) if known is None else _line_of(known)

    @property
    def has_charger(self) -> bool:
        return self.family is not Family.PHOENIX

    @property
    def firmware_text(self) -> str | None:
        return None if self.firmware is None else firmware_version_text(self.firmware)

    @property
    def firmware_display(self) -> str | None:
        """ "v508 (2623508)" (``version_display``)."""
        return None if self.firmware is None else version_display(self.firmware)


def unit_position(address: int, phases: int, addresses: tuple[int, ...]) -> str:
    """Where one unit of a system sits, as its device is named: "L2" on a system of one unit
    per phase, "L1 unit 2" with several on a phase, "unit 2" on a single phase. Address a
    is on phase a mod phases + 1 (the order in which the ESS setpoint takes addresses 0, 1,
    2 as the phase masters, protocol.md §8); its place on that phase counts from 1."""
    if phases <= 1:
        return f"unit {address + 1}"
    phase = address % phases + 1
    on_phase = [a for a in addresses if a % phases + 1 == phase]
    if len(on_phase) <= 1:
        return f"L{phase}"
    return f"L{phase} unit {sorted(on_phase).index(address) + 1}"
