"""Numbers: AC input current limit, ESS setpoint and device settings, each bounded by
what the device itself reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfPower,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import slugify

from .coordinator import VEBusConfigEntry, VEBusCoordinator
from .entity import VEBusEntity
from .needs import Part
from .vebus import Setting

PARALLEL_UPDATES = 1

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

    setting_id: int


SETTING_NUMBERS: tuple[VEBusSettingNumberDescription, ...] = (
    VEBusSettingNumberDescription(
        setting_id=Setting.ABSORPTION_VOLTAGE,
        key="absorption_voltage",
        translation_key="absorption_voltage",
        device_class=NumberDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
    ),
    VEBusSettingNumberDescription(
        setting_id=Setting.FLOAT_VOLTAGE,
        key="float_voltage",
        translation_key="float_voltage",
        device_class=NumberDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
    ),
    VEBusSettingNumberDescription(
        setting_id=Setting.CHARGE_CURRENT,
        key="charge_current",
        translation_key="charge_current",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
    ),
    VEBusSettingNumberDescription(
        setting_id=Setting.LOW_BATTERY_SHUTDOWN,
        key="low_battery_shutdown",
        translation_key="low_battery_shutdown",
        device_class=NumberDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        mode=NumberMode.BOX,
    ),
    VEBusSettingNumberDescription(
        setting_id=Setting.LOW_BATTERY_RESTART_HYSTERESIS,
        key="low_battery_restart_hysteresis",
        translation_key="low_battery_restart_hysteresis",
        device_class=NumberDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        mode=NumberMode.BOX,
    ),
    VEBusSettingNumberDescription(
        setting_id=Setting.BATTERY_CAPACITY,
        key="battery_capacity",
        translation_key="battery_capacity",
        native_unit_of_measurement="Ah",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        mode=NumberMode.BOX,
    ),
)
SETTING_IDS = tuple(description.setting_id for description in SETTING_NUMBERS)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VEBusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data
    entities: list[NumberEntity] = [VEBusCurrentLimitNumber(coordinator)]
    if coordinator.unit.ess is not None:
        entities.append(VEBusEssSetpointNumber(coordinator))
    entities.extend(
        VEBusSettingNumber(coordinator, description)
        for description in SETTING_NUMBERS
        if description.setting_id in coordinator.unit.setting_scales
    )
    async_add_entities(entities)


class VEBusCurrentLimitNumber(VEBusEntity, NumberEntity):
    """Remote AC input current limit (RAM only, never EEPROM)."""

    def __init__(self, coordinator: VEBusCoordinator) -> None:
        super().__init__(coordinator, CURRENT_LIMIT, (Part.AC_INPUT,))

    @property
    def available(self) -> bool:
        return super().available and self.coordinator.data.status.ac_input is not None

    @property
    def native_value(self) -> float | None:
        return self.coordinator.unit.current_limit

    @property
    def native_min_value(self) -> float:
        config = self.coordinator.data.status.ac_input
        return 0.0 if config is None else config.minimum

    @property
    def native_max_value(self) -> float:
        config = self.coordinator.data.status.ac_input
        return 100.0 if config is None else config.maximum

    async def async_set_native_value(self, value: float) -> None:
        await self.coordinator.async_control(lambda unit: unit.set_current_limit(value))


class VEBusEssSetpointNumber(VEBusEntity, NumberEntity):
    """ESS mode 3 setpoint: + charges the battery from AC-in, - feeds into the grid."""

    def __init__(self, coordinator: VEBusCoordinator) -> None:
        super().__init__(coordinator, ESS_SETPOINT)
        # The name carries the sign convention (where the value is set, it must be seen);
        # the entity id stays number.<unit>_ess_setpoint without it.
        family = slugify(str(coordinator.unit.product.family))
        self.entity_id = f"number.{family}_ess_setpoint"
        self._attr_native_min_value = -coordinator.unit.ess_max_power
        self._attr_native_max_value = coordinator.unit.ess_max_power

    _attr_extra_state_attributes = {
        "direction": "positive charges the battery from AC-in, negative feeds into the grid"
    }

    @property
    def native_value(self) -> float | None:
        value = self.coordinator.data.ess_setpoint
        return None if value is None else float(value)

    async def async_set_native_value(self, value: float) -> None:
        await self.coordinator.async_control(lambda unit: unit.set_ess_setpoint(value))


class VEBusSettingNumber(VEBusEntity, NumberEntity):
    """A device setting: shows the value in force, the EEPROM value as an attribute."""

    entity_description: VEBusSettingNumberDescription

    def __init__(
        self, coordinator: VEBusCoordinator, description: VEBusSettingNumberDescription
    ) -> None:
        super().__init__(coordinator, description)
        self._setting_id = description.setting_id
        scale = coordinator.unit.setting_scales[description.setting_id]
        self._attr_native_min_value = scale.minimum
        self._attr_native_max_value = scale.maximum
        self._attr_native_step = scale.step

    @property
    def native_value(self) -> float | None:
        state = self.coordinator.data.settings.get(self._setting_id)
        return None if state is None else round(state.value, 3)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        state = self.coordinator.data.settings.get(self._setting_id)
        return None if state is None else {"stored_value": round(state.stored, 3)}

    async def async_set_native_value(self, value: float) -> None:
        setting_id = self._setting_id
        await self.coordinator.async_control(lambda unit: unit.write_setting(setting_id, value))
