"""The Blue Smart chargers (IP22, IP65): the family this library was written for.

Text fields as the chargers send them (vedirect.md §2.2; captures), in that order: PID, FWE
(FW on older firmware), SER#, V and I per output (V2, I2, V3, I3 on three-output models),
T where the model has a sensor input, ERR, CS, and the undocumented HC#. Every row of
``Reg`` is a charger register (vedirect.md §3.3). The controls are what this library writes;
the charge current's bounds come from the charger itself, never from a table of models.
"""

from __future__ import annotations

from ..registers import REGISTERS, Reg
from ..settings import VOLTAGE_RANGE, LowCurrentMode
from .family import (
    Choices,
    Control,
    FromRegisters,
    ProductFamily,
    ProductIds,
    Requires,
    SystemVoltage,
)
from .fields import FieldKind, TextField

USER_DEFINED_BATTERY = 0xFF  # 0xEDF1: voltages can be written only then

# A name to show until the charger says its own (register 0x010B). Never used for limits:
# those come from the charger (0xEDC8, 0xEDDF).
PRODUCT_NAMES: dict[int, str] = {
    0xA30A: "Blue Smart IP65 Charger 12|25",
    0xA30B: "Blue Smart IP65 Charger 24|13",
    0xA330: "Blue Smart IP22 Charger 12|30 (1)",
    0xA332: "Blue Smart IP22 Charger 24|8",
    0xA334: "Blue Smart IP22 Charger 24|12",
    0xA336: "Blue Smart IP22 Charger 24|16",
}


def _output(number: int) -> tuple[TextField, TextField]:
    suffix = "" if number == 1 else str(number)
    name_suffix = "" if number == 1 else f"_{number}"
    return (
        TextField(f"V{suffix}", f"voltage{name_suffix}", scale=0.001, unit="V",
                  quantity="voltage", output=number, entity="output_voltage"),
        TextField(f"I{suffix}", f"current{name_suffix}", scale=0.001, unit="A",
                  quantity="current", output=number, entity="output_current"),
    )  # fmt: skip


_VOLTAGE_NEEDS = Requires(Reg.BATTERY_TYPE, USER_DEFINED_BATTERY, "a user-defined battery type")

BLUE_SMART = ProductFamily(
    name="Blue Smart charger",
    products=ProductIds(PRODUCT_NAMES, "Victron charger (PID 0x{:04X})"),
    fields=(
        TextField("PID", "product_id", FieldKind.HEX),
        TextField("FWE", "firmware", FieldKind.STR),
        TextField("FW", "firmware", FieldKind.STR),
        TextField("SER#", "serial", FieldKind.STR),
        *_output(1),
        *_output(2),
        *_output(3),
        TextField(
            "T", "temperature", unit="°C", quantity="temperature", entity="battery_temperature"
        ),  # "---": no sensor
        TextField("ERR", "error"),
        TextField("CS", "charge_state"),
        TextField("HC#", "hc", FieldKind.STR),  # undocumented; sent as captured
    ),
    registers=tuple(REGISTERS.values()),
    settings=(
        Reg.CHARGE_CURRENT_LIMIT,
        Reg.BATTERY_TYPE,
        Reg.LOW_CURRENT_MODE,
        Reg.ABSORPTION_VOLTAGE,
        Reg.FLOAT_VOLTAGE,
    ),
    controls=(
        # Victron: a minimum current "when not specified 0 A"
        Control(
            Reg.CHARGE_CURRENT_LIMIT,
            FromRegisters(Reg.MINIMUM_CURRENT, Reg.MAXIMUM_CURRENT, minimum_when_absent=0.0),
        ),
        Control(Reg.ABSORPTION_VOLTAGE, SystemVoltage(*VOLTAGE_RANGE), _VOLTAGE_NEEDS),
        Control(
            Reg.FLOAT_VOLTAGE,
            SystemVoltage(*VOLTAGE_RANGE),
            _VOLTAGE_NEEDS,
            not_above=Reg.ABSORPTION_VOLTAGE,
        ),
        Control(Reg.LOW_CURRENT_MODE, Choices(tuple(LowCurrentMode))),
    ),
)
