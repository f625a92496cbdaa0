"""Number descriptions of a VE.Bus unit: AC input current limit, ESS setpoint, device
settings."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfPower,
    UnitOfTime,
)

from .victron_serial.vebus import SETTING_CONTROLS, SETTING_UNITS, SettingControl

CURRENT_LIMIT = NumberEntityDescription(
    key="ac_input_current_limit",
    translation_key="ac_input_current_limit",
    device_class=NumberDeviceClass.CURRENT,
    native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
    native_step=0.1,
    mode=NumberMode.BOX,
)
ESS_SETPOINT = NumberEntityDescription(
    key="ess_setpoint",
    translation_key="ess_setpoint",
    device_class=NumberDeviceClass.POWER,
    native_unit_of_measurement=UnitOfPower.WATT,
    native_step=1,
    mode=NumberMode.BOX,
)


@dataclass(frozen=True, kw_only=True)
class VEBusSettingNumberDescription(NumberEntityDescription):
    """A number for one setting; bounds and step come from the unit's setting info."""

    control: SettingControl


# Home Assistant's device class and unit for the unit each setting is in (SETTING_UNITS).
_KINDS: dict[str, tuple[NumberDeviceClass | None, str]] = {
    "V": (NumberDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT),
    "A": (NumberDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE),
    "min": (NumberDeviceClass.DURATION, UnitOfTime.MINUTES),
    "%": (None, PERCENTAGE),
    "Ah": (None, "Ah"),
}


def _description(control: SettingControl) -> VEBusSettingNumberDescription:
    device_class, unit = _KINDS.get(SETTING_UNITS.get(control.setting_id, ""), (None, None))
    return VEBusSettingNumberDescription(
        key=control.key,
        translation_key=control.key,
        device_class=device_class,
        native_unit_of_measurement=unit,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=not control.advanced,
        mode=NumberMode.BOX,
        control=control,
    )


SETTING_NUMBERS: tuple[VEBusSettingNumberDescription, ...] = tuple(
    _description(control) for control in SETTING_CONTROLS
)
