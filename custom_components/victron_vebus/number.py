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
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import slugify

from .charger_coordinator import ChargerCoordinator
from .charger_number import charger_numbers
from .coordinator import VEBusCoordinator
from .entity import VEBusEntity
from .needs import Part, SettingRead
from .runtime import VictronConfigEntry
from .victron_serial.vebus import SETTING_CONTROLS, SETTING_UNITS, SettingControl

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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VictronConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data
    if isinstance(coordinator, ChargerCoordinator):
        async_add_entities(charger_numbers(coordinator))
        return
    entities: list[NumberEntity] = []
    if coordinator.unit.ac_inputs != 0:  # a Phoenix has no AC input to limit
        entities.append(VEBusCurrentLimitNumber(coordinator))
    if coordinator.unit.ess is not None:
        entities.append(VEBusEssSetpointNumber(coordinator))
    entities.extend(
        VEBusSettingNumber(coordinator, description)
        for description in SETTING_NUMBERS
        if coordinator.unit.offers(description.control)
    )
    async_add_entities(entities)


class VEBusCurrentLimitNumber(VEBusEntity, NumberEntity):
    """Remote AC input current limit (RAM only, never EEPROM)."""

    def __init__(self, coordinator: VEBusCoordinator) -> None:
        super().__init__(coordinator, CURRENT_LIMIT, (Part.AC_INPUT,))

    @property
    def available(self) -> bool:
        # The bounds as last read: they hold while the unit sleeps.
        return super().available and self.coordinator.unit.ac_input_config is not None

    @property
    def native_value(self) -> float | None:
        return self.coordinator.unit.current_limit

    @property
    def native_min_value(self) -> float:
        config = self.coordinator.unit.ac_input_config
        return 0.0 if config is None else config.minimum

    @property
    def native_max_value(self) -> float:
        config = self.coordinator.unit.ac_input_config
        return 100.0 if config is None else config.maximum

    async def async_set_native_value(self, value: float) -> None:
        await self.coordinator.async_control(lambda unit: unit.set_current_limit(value))


class VEBusEssSetpointNumber(VEBusEntity, NumberEntity):
    """ESS mode 3 setpoint: + charges the battery from AC-in, - feeds into the grid."""

    def __init__(self, coordinator: VEBusCoordinator) -> None:
        super().__init__(coordinator, ESS_SETPOINT)
        # The name carries the sign convention (where the value is set, it must be seen);
        # the entity id stays number.<unit>_ess_setpoint without it.
        device = slugify(coordinator.unit.product.line)
        self.entity_id = f"number.{device}_ess_setpoint"
        self._attr_native_min_value = -coordinator.unit.ess_max_power
        self._attr_native_max_value = coordinator.unit.ess_max_power

    _attr_extra_state_attributes = {
        "direction": "positive charges the battery from AC-in, negative feeds into the grid"
    }

    @property
    def native_value(self) -> int | None:
        """The setpoint the unit holds now (the ESS control moves it between refreshes),
        the total over the phase masters; whole watts, shown without ".0"."""
        ess = self.coordinator.unit.ess
        return None if ess is None else ess.watts

    async def async_set_native_value(self, value: float) -> None:
        self.coordinator.refuse_hand_setpoint()
        await self.coordinator.async_control(lambda unit: unit.set_ess_setpoint(value))


class VEBusSettingNumber(VEBusEntity, NumberEntity):
    """A device setting: shows the value in force, the EEPROM value as an attribute."""

    entity_description: VEBusSettingNumberDescription

    def __init__(
        self, coordinator: VEBusCoordinator, description: VEBusSettingNumberDescription
    ) -> None:
        super().__init__(coordinator, description, (SettingRead(description.control.setting_id),))
        self._setting_id = description.control.setting_id
        scale = coordinator.unit.setting_scales[self._setting_id]
        # A whole step (1 V, 15 min) gives whole values: shown as 230, not 230.0.
        self._whole = scale.step.is_integer()
        self._attr_native_min_value = self._shown(scale.minimum)
        self._attr_native_max_value = self._shown(scale.maximum)
        self._attr_native_step = round(scale.step) if self._whole else scale.step

    def _shown(self, value: float) -> float:
        return round(value) if self._whole else round(value, 3)

    @property
    def native_value(self) -> float | None:
        state = self.coordinator.unit.setting_state(self._setting_id)
        return None if state is None else self._shown(state.value)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        state = self.coordinator.unit.setting_state(self._setting_id)
        return None if state is None else {"stored_value": self._shown(state.stored)}

    async def async_set_native_value(self, value: float) -> None:
        setting_id = self._setting_id
        await self.coordinator.async_control(lambda unit: unit.write_setting(setting_id, value))
