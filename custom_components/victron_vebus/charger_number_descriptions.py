"""Number descriptions of a VE.Direct charger: the charge current limit, the absorption and
float voltages.

Each is a control the family declares: its key and translation key are the register's name,
its step the register's scale, its unit and device class follow the register's unit. Their
bounds come from the charger at run time (number.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfElectricCurrent, UnitOfElectricPotential

from .victron_serial.vedirect import (
    BLUE_SMART,
    Reg,
    Register,
)

# The unit of a control's register, as Home Assistant shows it.
_UNITS: dict[str | None, tuple[NumberDeviceClass, str]] = {
    "A": (NumberDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE),
    "V": (NumberDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT),
}


def _control(register: Register) -> dict[str, Any]:
    """What the description of ``register``'s control says, the register being the source."""
    device_class, unit = _UNITS[register.unit]
    return {
        "key": register.name,
        "translation_key": register.name,
        "device_class": device_class,
        "native_unit_of_measurement": unit,
        "native_step": register.scale,
        "mode": NumberMode.BOX,
    }


@dataclass(frozen=True, kw_only=True)
class ChargerVoltageDescription(NumberEntityDescription):
    register: Register


CHARGE_CURRENT_LIMIT = NumberEntityDescription(**_control(Reg.CHARGE_CURRENT_LIMIT))
# The charge voltages: settings (config), shown as numbers only with a user-defined battery.
VOLTAGES: tuple[ChargerVoltageDescription, ...] = tuple(
    ChargerVoltageDescription(
        register=control.register,
        **_control(control.register),
        entity_category=EntityCategory.CONFIG,
    )
    for control in BLUE_SMART.controls
    if control.register.unit == "V"
)
