"""Sensor descriptions of a VE.Bus unit: AC per phase, battery, power, states, LEDs,
firmware, the members of a system, energy totals, the ESS control."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, cast

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.helpers.typing import StateType

from .coordinator import VEBusCoordinator
from .exists import has_input, input_supports, supports
from .needs import Need, Part, Ram, Snapshot
from .sensor_description import DataSensorDescription
from .victron_serial.vebus import (
    LED_NAMES,
    SNAPSHOT_POWER_IDS,
    AcInfo,
    ChargeState,
    DeviceState,
    Energy,
    EssControlState,
    LedState,
    Mode,
    RamVar,
    UnitState,
    UnitStatus,
    VEBusErrorCode,
)

# "sleeping": sent to sleep and silent since (the unit reports nothing then).
DEVICE_STATES = [s.name.lower() for s in DeviceState] + ["sleeping"]
CHARGE_STATES = [s.name.lower() for s in ChargeState]
MODES = [str(m) for m in Mode]
LED_STATES = [str(s) for s in LedState]
AC_INPUTS = ["ac_in_1", "ac_in_2"]  # F5 bits 0-1: the input in use (or last used)
# Each known VE.Bus error code by name; a code not listed shows as "other" with its number.
VEBUS_ERRORS = [code.name.lower() for code in VEBusErrorCode] + ["other"]
RAM_BATTERY_RIPPLE = 6
RAM_BATTERY_TEMPERATURE = 21
INVERTER_POWER, INPUT_POWER, OUTPUT_POWER = SNAPSHOT_POWER_IDS


def _enum_name(value: DeviceState | ChargeState | None) -> str | None:
    if value is None or value.name == "unknown":
        return None
    return value.name.lower()


def _ram(data: UnitState, ram_id: int) -> float | None:
    return data.status.ram.get(ram_id)


def _watts(data: UnitState, ram_id: int) -> int | None:
    value = _ram(data, ram_id)
    return None if value is None else round(value)


@dataclass(frozen=True, kw_only=True)
class VEBusSensorDescription(DataSensorDescription[UnitState]):
    needs: tuple[Need, ...]
    exists_fn: Callable[[VEBusCoordinator], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class VEBusPhaseSensorDescription(SensorEntityDescription):
    value_fn: Callable[[AcInfo], float | None]


def _dc(attr: str) -> Callable[[UnitState], StateType]:
    def value(data: UnitState) -> StateType:
        value = getattr(data.status.dc, attr, None)
        return None if value is None else round(value, 2)

    return value


def _battery_watts(data: UnitState) -> float | None:
    dc = data.status.dc
    if dc is None or dc.voltage is None or dc.current is None:
        return None
    return dc.voltage * dc.current


def _battery_power(data: UnitState) -> StateType:
    watts = _battery_watts(data)
    return None if watts is None else round(watts)


def _input_power(data: UnitState) -> StateType:
    value = _watts(data, INPUT_POWER)
    # The unit counts + as feeding into AC-in; users expect + = drawn from the grid.
    return None if value is None else -value


def _live(
    attr: str, refreshed: Callable[[UnitState], StateType], digits: int | None = None
) -> Callable[[UnitState], StateType]:
    """The newest sample's value when there is one since the refresh, else the refresh's
    (``LiveValues``: samples tell these entities once per live interval)."""

    def value(data: UnitState) -> StateType:
        sampled: float | None = None if data.live is None else getattr(data.live, attr)
        if sampled is None:
            return refreshed(data)
        return round(sampled) if digits is None else round(sampled, digits)

    return value


def _device_state(data: UnitState) -> StateType:
    if data.asleep:
        return "sleeping"
    return _enum_name(data.status.device.state if data.status.device else None)


def vebus_error_name(code: int) -> str:
    """A VE.Bus error code by its name; "other" for a code no list names (its number is the
    ``code`` attribute)."""
    known = VEBusErrorCode(code)
    return "other" if known.name == "unknown" else known.name.lower()


def _vebus_error(data: UnitState) -> StateType:
    leds = data.status.leds
    return None if leds is None else vebus_error_name(leds.vebus_error)


def _vebus_error_code(data: UnitState) -> dict[str, Any] | None:
    leds = data.status.leds
    return None if leds is None else {"code": leds.vebus_error}


def _ac_input(attr: str) -> Callable[[UnitState], StateType]:
    def value(data: UnitState) -> StateType:
        config = data.status.ac_input
        return None if config is None else getattr(config, attr)

    return value


def _modes(attr: str) -> Callable[[UnitState], StateType]:
    def value(data: UnitState) -> StateType:
        config = data.status.ac_input
        return None if config is None else str(getattr(config, attr))

    return value


def _led(index: int) -> Callable[[UnitState], StateType]:
    def value(data: UnitState) -> StateType:
        leds = data.status.leds
        return None if leds is None else str(leds.led(index))

    return value


def _active_input(data: UnitState) -> StateType:
    config = data.status.ac_input
    return None if config is None else AC_INPUTS[config.active_input % len(AC_INPUTS)]


def _ram_whole(ram_id: int) -> Callable[[UnitState], StateType]:
    def value(data: UnitState) -> StateType:
        raw = data.status.ram.get(ram_id)
        return None if raw is None else int(raw)

    return value


def _phase_total(attr: str) -> Callable[[UnitState], StateType]:
    def value(data: UnitState) -> StateType:
        values: list[float | None] = [getattr(ac, attr) for ac in data.status.ac]
        known = [v for v in values if v is not None]
        if not values or len(known) < len(values):
            return None
        return round(sum(known), 2)

    return value


SENSORS: tuple[VEBusSensorDescription, ...] = (
    VEBusSensorDescription(
        key="battery_voltage",
        translation_key="battery_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=2,
        value_fn=_live("battery_voltage", _dc("voltage"), 2),
        needs=(Part.DC, Part.SAMPLES),
        live=True,
    ),
    VEBusSensorDescription(
        key="battery_current",
        translation_key="battery_current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        value_fn=_live("battery_current", _dc("current"), 2),
        needs=(Part.DC, Part.SAMPLES),
        live=True,
    ),
    VEBusSensorDescription(
        key="charger_dc_current",
        translation_key="charger_dc_current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        value_fn=_dc("charger_current"),
        needs=(Part.DC,),
        exists_fn=has_input,
    ),
    VEBusSensorDescription(
        key="inverter_dc_current",
        translation_key="inverter_dc_current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        value_fn=_dc("inverter_current"),
        needs=(Part.DC,),
    ),
    VEBusSensorDescription(
        key="battery_power",
        translation_key="battery_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=_live("battery_power", _battery_power),
        needs=(Part.DC, Part.SAMPLES),
        live=True,
    ),
    VEBusSensorDescription(
        key="battery_ripple",
        translation_key="battery_ripple",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: _ram(data, RAM_BATTERY_RIPPLE),
        needs=(Ram(RAM_BATTERY_RIPPLE),),
        exists_fn=supports(RAM_BATTERY_RIPPLE),
    ),
    VEBusSensorDescription(
        key="battery_temperature",
        translation_key="battery_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_registry_enabled_default=False,
        value_fn=lambda data: _ram(data, RAM_BATTERY_TEMPERATURE),
        needs=(Ram(RAM_BATTERY_TEMPERATURE),),
        exists_fn=supports(RAM_BATTERY_TEMPERATURE),
    ),
    VEBusSensorDescription(
        key="state_of_charge",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        value_fn=_live("soc", lambda data: data.status.soc, 1),
        needs=(Snapshot(RamVar.STATE_OF_CHARGE), Part.SAMPLES),
        exists_fn=supports(RamVar.STATE_OF_CHARGE),
        live=True,
    ),
    VEBusSensorDescription(
        key="ac_input_power",
        translation_key="ac_input_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=_live("grid_power", _input_power),
        needs=(Snapshot(INPUT_POWER), Part.SAMPLES),
        exists_fn=input_supports(INPUT_POWER),
        live=True,
    ),
    VEBusSensorDescription(
        key="ac_output_power",
        translation_key="ac_output_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=_live("output_power", lambda data: _watts(data, OUTPUT_POWER)),
        needs=(Snapshot(OUTPUT_POWER), Part.SAMPLES),
        exists_fn=supports(OUTPUT_POWER),
        live=True,
    ),
    VEBusSensorDescription(
        key="inverter_power",
        translation_key="inverter_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_registry_enabled_default=False,
        value_fn=_live("inverter_power", lambda data: _watts(data, INVERTER_POWER)),
        needs=(Snapshot(INVERTER_POWER), Part.SAMPLES),
        exists_fn=supports(INVERTER_POWER),
        live=True,
    ),
    VEBusSensorDescription(
        key="ac_output_frequency",
        translation_key="ac_output_frequency",
        device_class=SensorDeviceClass.FREQUENCY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        suggested_display_precision=2,
        value_fn=_dc("frequency"),
        needs=(Part.DC,),
    ),
    VEBusSensorDescription(
        key="ac_input_current_limit",
        translation_key="ac_input_current_limit",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        value_fn=_ac_input("current_limit"),
        needs=(Part.AC_INPUT,),
        exists_fn=has_input,
    ),
    VEBusSensorDescription(
        key="ac_input_current_limit_minimum",
        translation_key="ac_input_current_limit_minimum",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_ac_input("minimum"),
        needs=(Part.AC_INPUT,),
        exists_fn=has_input,
    ),
    VEBusSensorDescription(
        key="ac_input_current_limit_maximum",
        translation_key="ac_input_current_limit_maximum",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_ac_input("maximum"),
        needs=(Part.AC_INPUT,),
        exists_fn=has_input,
    ),
    VEBusSensorDescription(
        key="device_state",
        translation_key="device_state",
        device_class=SensorDeviceClass.ENUM,
        options=DEVICE_STATES,
        value_fn=_device_state,
        needs=(Part.DEVICE_STATE,),
    ),
    VEBusSensorDescription(
        key="charge_state",
        translation_key="charge_state",
        device_class=SensorDeviceClass.ENUM,
        options=CHARGE_STATES,
        value_fn=lambda data: _enum_name(
            data.status.device.charge_state if data.status.device else None
        ),
        needs=(Part.DEVICE_STATE,),
        exists_fn=has_input,
    ),
    VEBusSensorDescription(
        key="actual_mode",
        translation_key="actual_mode",
        device_class=SensorDeviceClass.ENUM,
        options=MODES,
        value_fn=_modes("mode"),
        needs=(Part.AC_INPUT,),
    ),
    VEBusSensorDescription(
        key="front_switch",
        translation_key="front_switch",
        device_class=SensorDeviceClass.ENUM,
        options=MODES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_modes("front_switch"),
        needs=(Part.AC_INPUT,),
    ),
    VEBusSensorDescription(
        key="vebus_error",
        translation_key="vebus_error",
        device_class=SensorDeviceClass.ENUM,
        options=VEBUS_ERRORS,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_vebus_error,
        attributes_fn=_vebus_error_code,
        needs=(Part.LEDS,),
    ),
    *(
        VEBusSensorDescription(
            key=f"led_{name}",
            translation_key=f"led_{name}",
            device_class=SensorDeviceClass.ENUM,
            options=LED_STATES,
            entity_category=EntityCategory.DIAGNOSTIC,
            # Off by default: the charge and device states carry the same news, without
            # filling the logbook with every blink.
            entity_registry_enabled_default=False,
            value_fn=_led(index),
            needs=(Part.LEDS,),
        )
        for index, name in enumerate(LED_NAMES)
    ),
    VEBusSensorDescription(
        key="active_ac_input",
        translation_key="active_ac_input",
        device_class=SensorDeviceClass.ENUM,
        options=AC_INPUTS,
        value_fn=_active_input,
        needs=(Part.AC_INPUT,),
        exists_fn=lambda coordinator: (coordinator.unit.ac_inputs or 0) >= 2,
    ),
    VEBusSensorDescription(
        key="ac_inputs",
        translation_key="ac_inputs",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_ac_input("inputs"),
        needs=(Part.AC_INPUT,),
        exists_fn=has_input,
    ),
    VEBusSensorDescription(
        key="virtual_switch_position",
        translation_key="virtual_switch_position",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_ram_whole(RamVar.VIRTUAL_SWITCH_POSITION),
        needs=(Ram(RamVar.VIRTUAL_SWITCH_POSITION),),
        exists_fn=supports(RamVar.VIRTUAL_SWITCH_POSITION),
    ),
    VEBusSensorDescription(
        key="interface_version",
        translation_key="interface_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.status.interface_version,
        needs=(),
    ),
)

PHASE_SENSORS: tuple[VEBusPhaseSensorDescription, ...] = tuple(
    VEBusPhaseSensorDescription(
        key=key,
        device_class=device_class,
        native_unit_of_measurement=unit,
        suggested_display_precision=precision,
        value_fn=attrgetter(key.removeprefix("ac_")),  # ac_input_voltage: AcInfo.input_voltage
    )
    for key, device_class, unit, precision in (
        ("ac_input_voltage", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 1),
        ("ac_input_current", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 2),
        ("ac_input_frequency", SensorDeviceClass.FREQUENCY, UnitOfFrequency.HERTZ, 2),
        ("ac_output_voltage", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 1),
        ("ac_output_current", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 2),
    )
)


@dataclass(frozen=True, kw_only=True)
class VEBusMemberSensorDescription(SensorEntityDescription):
    """One unit's own value, in a system of several."""

    value_fn: Callable[[UnitStatus], StateType]
    phases_only: bool = False


def _member_ac(attr: str) -> Callable[[UnitStatus], StateType]:
    def value(unit: UnitStatus) -> StateType:
        return None if unit.ac is None else cast(StateType, getattr(unit.ac, attr))

    return value


MEMBER_SENSORS: tuple[VEBusMemberSensorDescription, ...] = (
    *(
        VEBusMemberSensorDescription(
            key=description.key,
            translation_key=description.key,
            device_class=description.device_class,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=description.native_unit_of_measurement,
            suggested_display_precision=description.suggested_display_precision,
            value_fn=_member_ac(description.key.removeprefix("ac_")),
        )
        for description in PHASE_SENSORS
    ),
    VEBusMemberSensorDescription(
        key="battery_voltage",
        translation_key="battery_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda unit: None if unit.dc is None else unit.dc.voltage,
    ),
    VEBusMemberSensorDescription(
        key="battery_current",
        translation_key="battery_current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda unit: None if unit.dc is None else unit.dc.current,
    ),
)

# The system's totals over its phases, on the main device.
TOTAL_SENSORS: tuple[VEBusSensorDescription, ...] = tuple(
    VEBusSensorDescription(
        key=f"{key}_total",
        translation_key=f"{key}_total",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=2,
        value_fn=_phase_total(attr),
        needs=(Part.AC,),
        exists_fn=exists,
    )
    for key, attr, exists in (
        ("ac_input_current", "input_current", has_input),
        ("ac_output_current", "output_current", lambda _: True),
    )
)


@dataclass(frozen=True, kw_only=True)
class VEBusEnergySensorDescription(SensorEntityDescription):
    """A kWh total the library integrates from every power reading (``vebus.Energy``)."""

    counter: Energy
    needs: tuple[Need, ...]
    exists_fn: Callable[[VEBusCoordinator], bool] = lambda _: True


ENERGY_SENSORS = tuple(
    VEBusEnergySensorDescription(
        key=counter.value,
        translation_key=counter.value,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        counter=counter,
        needs=(Part.SAMPLES, *needs),
        exists_fn=exists,
    )
    for counter, needs, exists in (
        (Energy.BATTERY_IN, (Part.DC,), lambda _: True),
        (Energy.BATTERY_OUT, (Part.DC,), lambda _: True),
        (Energy.GRID_IMPORT, (Snapshot(INPUT_POWER),), input_supports(INPUT_POWER)),
        (Energy.GRID_EXPORT, (Snapshot(INPUT_POWER),), input_supports(INPUT_POWER)),
        (Energy.AC_OUTPUT, (Snapshot(OUTPUT_POWER),), supports(OUTPUT_POWER)),
    )
)


ESS_CONTROL = SensorEntityDescription(
    key="ess_control",
    translation_key="ess_control",
    device_class=SensorDeviceClass.ENUM,
    options=[str(state) for state in EssControlState],
)
ESS_PHASE_SETPOINT = SensorEntityDescription(
    key="ess_setpoint",
    translation_key="ess_setpoint_phase",
    device_class=SensorDeviceClass.POWER,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfPower.WATT,
)
