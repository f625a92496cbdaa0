"""Sensor descriptions of a VE.Direct charger: output voltage and current (per output on
models with more than one), battery temperature where the charger sends one, charge state
and error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfTemperature,
)
from homeassistant.helpers.typing import StateType

from .sensor_description import DataSensorDescription
from .victron_serial.vedirect import ChargerError, ChargerState, ChargeState, Output

OTHER = "other"  # a code the tables do not know; its number is the "code" attribute
TEMPERATURE_FIELD = "T"  # in the text block; "---" without a sensor, absent on the IP65
# "Not available" is the charger saying it has no state: shown as unknown, not as a state.
CHARGE_STATES = [s.name.lower() for s in ChargeState if s is not ChargeState.NOT_AVAILABLE]
CHARGER_ERRORS = [code.name.lower() for code in ChargerError]


@dataclass(frozen=True, kw_only=True)
class ChargerSensorDescription(DataSensorDescription[ChargerState]):
    """A value of the charger's state (it polls nothing: the charger sends)."""


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


CHARGER_SENSORS: tuple[ChargerSensorDescription, ...] = (
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
