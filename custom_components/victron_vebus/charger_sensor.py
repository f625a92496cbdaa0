"""Sensors of a VE.Direct charger: output voltage and current (per output on models with
more than one), battery temperature where the charger sends one, charge state and error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfTemperature,
)
from homeassistant.helpers.typing import StateType

from .charger_coordinator import ChargerCoordinator
from .charger_entity import VOLTAGE_KEYS, ChargerEntity
from .victron_serial.vedirect import ChargerError, ChargerState, ChargeState, Output, Reg, Register

OTHER = "other"  # a code the tables do not know; its number is the "code" attribute
TEMPERATURE_FIELD = "T"  # in the text block; "---" without a sensor, absent on the IP65
# "Not available" is the charger saying it has no state: shown as unknown, not as a state.
CHARGE_STATES = [s.name.lower() for s in ChargeState if s is not ChargeState.NOT_AVAILABLE]
CHARGER_ERRORS = [code.name.lower() for code in ChargerError]


@dataclass(frozen=True, kw_only=True)
class ChargerSensorDescription(SensorEntityDescription):
    value_fn: Callable[[ChargerState], StateType]
    attributes_fn: Callable[[ChargerState], dict[str, Any] | None] = lambda _: None


@dataclass(frozen=True, kw_only=True)
class ChargerOutputSensorDescription(SensorEntityDescription):
    value_fn: Callable[[Output], float | None]


def _charge_state(state: ChargerState) -> StateType:
    raw = state.reading.charge_state_raw
    if raw is None or raw == ChargeState.NOT_AVAILABLE:
        return None
    known = state.charge_state
    return OTHER if known is None else known.name.lower()


def _error(state: ChargerState) -> StateType:
    raw = state.reading.error_raw
    if raw is None:
        return None
    known = state.error
    return OTHER if known is None else known.name.lower()


SENSORS: tuple[ChargerSensorDescription, ...] = (
    ChargerSensorDescription(
        key="charge_state",
        translation_key="charger_state",
        device_class=SensorDeviceClass.ENUM,
        options=[*CHARGE_STATES, OTHER],
        value_fn=_charge_state,
        attributes_fn=lambda state: {"code": state.reading.charge_state_raw},
    ),
    ChargerSensorDescription(
        key="error",
        translation_key="charger_error",
        device_class=SensorDeviceClass.ENUM,
        options=[*CHARGER_ERRORS, OTHER],
        value_fn=_error,
        attributes_fn=lambda state: {"code": state.reading.error_raw},
    ),
)
TEMPERATURE = ChargerSensorDescription(
    key="battery_temperature",
    translation_key="battery_temperature",
    device_class=SensorDeviceClass.TEMPERATURE,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfTemperature.CELSIUS,
    value_fn=lambda state: state.temperature,
)
OUTPUT_SENSORS: tuple[ChargerOutputSensorDescription, ...] = (
    ChargerOutputSensorDescription(
        key="output_voltage",
        translation_key="output_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=2,
        value_fn=lambda output: output.voltage,
    ),
    ChargerOutputSensorDescription(
        key="output_current",
        translation_key="output_current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        value_fn=lambda output: output.current,
    ),
)


def charger_sensors(coordinator: ChargerCoordinator) -> Iterator[SensorEntity]:
    """The sensors of what this charger sends (its outputs, a temperature field)."""
    state = coordinator.data
    outputs = state.outputs
    for output in outputs:
        for output_description in OUTPUT_SENSORS:
            yield ChargerOutputSensor(coordinator, output_description, output.number, len(outputs))
    if TEMPERATURE_FIELD in state.reading.fields:
        # "---": no sensor fitted now; the entity is there for one, disabled until enabled.
        fitted = state.temperature is not None
        yield ChargerSensor(
            coordinator, replace(TEMPERATURE, entity_registry_enabled_default=fitted)
        )
    for description in SENSORS:
        yield ChargerSensor(coordinator, description)
    charger = coordinator.charger
    if charger.user_defined_battery is False:  # a preset fixes them: shown, not set
        registers = (Reg.ABSORPTION_VOLTAGE, Reg.FLOAT_VOLTAGE)
        for register, key in zip(registers, VOLTAGE_KEYS, strict=True):
            if charger.setting(register) is not None:
                yield ChargerPresetVoltageSensor(coordinator, register, key)


class ChargerSensor(ChargerEntity, SensorEntity):
    entity_description: ChargerSensorDescription

    @property
    def native_value(self) -> StateType:
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        return self.entity_description.attributes_fn(self.coordinator.data)


class ChargerOutputSensor(ChargerEntity, SensorEntity):
    """Voltage or current of one output: "Output voltage", or "Output 2 voltage" on a
    charger with more than one."""

    entity_description: ChargerOutputSensorDescription

    def __init__(
        self,
        coordinator: ChargerCoordinator,
        description: ChargerOutputSensorDescription,
        number: int,
        outputs: int,
    ) -> None:
        key = description.key if outputs == 1 else f"{description.key}_{number}"
        super().__init__(coordinator, description, key)
        self._number = number
        if outputs > 1:
            self._attr_translation_key = f"{description.translation_key}_numbered"
            self._attr_translation_placeholders = {"output": str(number)}

    @property
    def native_value(self) -> float | None:
        for output in self.coordinator.data.outputs:
            if output.number == self._number:
                return self.entity_description.value_fn(output)
        return None


class ChargerPresetVoltageSensor(ChargerEntity, SensorEntity):
    """A charge voltage the battery type's preset fixes: read-only, and says why (the
    ``battery_type`` attribute, translated: choose the user-defined type to set it)."""

    _attr_device_class = SensorDeviceClass.VOLTAGE
    _attr_native_unit_of_measurement = UnitOfElectricPotential.VOLT
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_extra_state_attributes = {"battery_type": "preset"}

    def __init__(self, coordinator: ChargerCoordinator, register: Register, key: str) -> None:
        super().__init__(coordinator, SensorEntityDescription(key=key, translation_key=key))
        self._register = register

    @property
    def native_value(self) -> float | None:
        return self.coordinator.charger.setting(self._register)
