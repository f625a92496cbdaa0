"""Number descriptions of a VE.Direct charger: the charge current limit, the absorption and
float voltages."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfElectricCurrent, UnitOfElectricPotential

from .victron_serial.vedirect import (
    Reg,
    Register,
)

CHARGE_CURRENT_LIMIT = NumberEntityDescription(
    key="charge_current_limit",
    translation_key="charge_current_limit",
    device_class=NumberDeviceClass.CURRENT,
    native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
    native_step=Reg.CHARGE_CURRENT_LIMIT.scale,
    mode=NumberMode.BOX,
)


@dataclass(frozen=True, kw_only=True)
class ChargerVoltageDescription(NumberEntityDescription):
    register: Register


VOLTAGES: tuple[ChargerVoltageDescription, ...] = (
    ChargerVoltageDescription(
        register=Reg.ABSORPTION_VOLTAGE,
        key="absorption_voltage",
        translation_key="absorption_voltage",
        device_class=NumberDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        native_step=Reg.ABSORPTION_VOLTAGE.scale,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
    ),
    ChargerVoltageDescription(
        register=Reg.FLOAT_VOLTAGE,
        key="float_voltage",
        translation_key="float_voltage",
        device_class=NumberDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        native_step=Reg.FLOAT_VOLTAGE.scale,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
    ),
)
