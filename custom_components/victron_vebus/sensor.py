"""Sensors of both families: a VE.Bus unit's (AC per phase, battery, power, states, LEDs,
firmware, the ESS control) and a VE.Direct charger's (outputs, temperature, charge state,
error, preset voltages). Their descriptions: vebus_sensor_descriptions.py and
charger_sensor_descriptions.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfElectricPotential
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .base_coordinator import VictronCoordinator
from .charger_coordinator import ChargerCoordinator
from .charger_sensor_descriptions import (
    CHARGER_SENSORS,
    OUTPUT_SENSORS,
    TEMPERATURE,
    TEMPERATURE_FIELD,
    ChargerOutputSensorDescription,
)
from .coordinator import VEBusCoordinator
from .entity import VOLTAGE_KEYS, ChargerEntity, VEBusEntity, VEBusMemberEntity, VictronEntity
from .exists import has_input
from .needs import Part
from .runtime import VictronConfigEntry
from .sensor_description import DataSensorDescription
from .vebus_sensor_descriptions import (
    ENERGY_SENSORS,
    ESS_CONTROL,
    ESS_PHASE_SETPOINT,
    MEMBER_SENSORS,
    PHASE_SENSORS,
    SENSORS,
    TOTAL_SENSORS,
    VEBusEnergySensorDescription,
    VEBusMemberSensorDescription,
    VEBusPhaseSensorDescription,
)
from .victron_serial.vedirect import Reg, Register

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VictronConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data
    if isinstance(coordinator, ChargerCoordinator):
        async_add_entities(charger_sensors(coordinator))
        return
    entities: list[SensorEntity] = [
        VictronSensor(coordinator, description)
        for description in SENSORS
        if description.exists_fn(coordinator)
    ]
    for phase in range(1, coordinator.unit.phases + 1):
        entities.extend(
            VEBusPhaseSensor(coordinator, description, phase, coordinator.unit.phases)
            for description in PHASE_SENSORS
            if has_input(coordinator) or not description.key.startswith("ac_input")
        )
    if coordinator.unit.phases > 1:
        entities.extend(
            VictronSensor(coordinator, d) for d in TOTAL_SENSORS if d.exists_fn(coordinator)
        )
    for address in coordinator.unit.addresses:
        entities.extend(
            VEBusMemberSensor(coordinator, description, address)
            for description in MEMBER_SENSORS
            if has_input(coordinator) or not description.key.startswith("ac_input")
        )
    entities.extend(
        VEBusEnergySensor(coordinator, description)
        for description in ENERGY_SENSORS
        if description.exists_fn(coordinator)
    )
    ess = coordinator.unit.ess
    if ess is not None:
        entities.append(VEBusEssControlSensor(coordinator))
        if len(ess.phases) > 1:  # the total is the ESS setpoint number
            entities.extend(
                VEBusEssPhaseSetpointSensor(coordinator, phase)
                for phase in range(1, len(ess.phases) + 1)
            )
    async_add_entities(entities)


class VictronSensor[D](VictronEntity[D], SensorEntity):
    """A value (and attributes) its description reads from the coordinator's data: a VE.Bus
    unit's or a charger's."""

    entity_description: DataSensorDescription[D]

    def __init__(
        self, coordinator: VictronCoordinator[D], description: DataSensorDescription[D]
    ) -> None:
        super().__init__(coordinator, description, description.needs)

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if self.entity_description.live:
            coordinator: VictronCoordinator[Any] = self.coordinator
            assert isinstance(coordinator, VEBusCoordinator)  # a VE.Bus unit is sampled
            live = coordinator.live.async_add_listener(self._handle_coordinator_update)
            self.async_on_remove(live)

    @property
    def native_value(self) -> StateType:
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        return self.entity_description.attributes_fn(self.coordinator.data)


class VEBusPhaseSensor(VEBusEntity, SensorEntity):
    """One AC value of one phase; L2..L4 of multi-phase systems start disabled."""

    entity_description: VEBusPhaseSensorDescription
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(
        self,
        coordinator: VEBusCoordinator,
        description: VEBusPhaseSensorDescription,
        phase: int,
        phases: int,
    ) -> None:
        multi = phases > 1
        super().__init__(
            coordinator, description, (Part.AC,), key_suffix=f"_l{phase}" if multi else ""
        )
        self._phase = phase
        self._attr_translation_key = f"{description.key}_phase" if multi else description.key
        self._attr_translation_placeholders = {"phase": str(phase)}
        self._attr_entity_registry_enabled_default = phase == 1

    @property
    def native_value(self) -> StateType:
        phases = self.coordinator.data.status.ac
        if len(phases) < self._phase:
            return None
        value = self.entity_description.value_fn(phases[self._phase - 1])
        return None if value is None else round(value, 2)


class VEBusEnergySensor(VEBusEntity, RestoreSensor):
    """A kWh total for the Energy dashboard, kept by the library (it integrates power
    several times a second); restored after a restart and counted on from there.

    Never unavailable: what was counted stays true while the unit sleeps or the port is
    gone (nothing is added for that time), and a total that comes and goes would gap the
    Energy dashboard.
    """

    @property
    def available(self) -> bool:
        return True

    entity_description: VEBusEnergySensorDescription

    def __init__(
        self, coordinator: VEBusCoordinator, description: VEBusEnergySensorDescription
    ) -> None:
        super().__init__(coordinator, description, description.needs)

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and isinstance(last.native_value, int | float):
            self.coordinator.unit.energy.restore(
                self.entity_description.counter, float(last.native_value)
            )

    @property
    def native_value(self) -> float:
        return round(self.coordinator.unit.energy.kwh[self.entity_description.counter], 6)


class VEBusMemberSensor(VEBusMemberEntity, SensorEntity):
    """One unit's own value, on that unit's device."""

    entity_description: VEBusMemberSensorDescription

    def __init__(
        self,
        coordinator: VEBusCoordinator,
        description: VEBusMemberSensorDescription,
        address: int,
    ) -> None:
        super().__init__(coordinator, description, address)

    @property
    def native_value(self) -> StateType:
        member = self.member
        return None if member is None else self.entity_description.value_fn(member)


class VEBusEssControlSensor(VEBusEntity, SensorEntity):
    """What the ESS control does: off, holding the grid, charging to a SOC, stopped..."""

    def __init__(self, coordinator: VEBusCoordinator) -> None:
        super().__init__(coordinator, ESS_CONTROL)

    @property
    def native_value(self) -> str | None:
        control = self.coordinator.unit.ess_control
        return None if control is None else str(control.state)


class VEBusEssPhaseSetpointSensor(VEBusEntity, SensorEntity):
    """One phase master's share of the ESS setpoint (+ = charging)."""

    def __init__(self, coordinator: VEBusCoordinator, phase: int) -> None:
        super().__init__(coordinator, ESS_PHASE_SETPOINT, key_suffix=f"_l{phase}")
        self._index = phase - 1
        self._attr_translation_placeholders = {"phase": str(phase)}

    @property
    def native_value(self) -> int | None:
        ess = self.coordinator.unit.ess
        return None if ess is None else ess.phase_watts[self._index]


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
        yield VictronSensor(
            coordinator, replace(TEMPERATURE, entity_registry_enabled_default=fitted)
        )
    for description in CHARGER_SENSORS:
        yield VictronSensor(coordinator, description)
    charger = coordinator.charger
    if charger.user_defined_battery is False:  # a preset fixes them: shown, not set
        registers = (Reg.ABSORPTION_VOLTAGE, Reg.FLOAT_VOLTAGE)
        for register, key in zip(registers, VOLTAGE_KEYS, strict=True):
            if charger.setting(register) is not None:
                yield ChargerPresetVoltageSensor(coordinator, register, key)


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
        super().__init__(coordinator, description, "" if outputs == 1 else f"_{number}")
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
