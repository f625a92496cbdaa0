"""Sensor descriptions of a VE.Direct charger: output voltage and current (per output on
models with more than one), battery temperature where the charger sends one, charge state
and error.

A measured text field the family declares with an entity key is one sensor: its key and
translation key are the field's ``entity``, its unit and device class follow the declared
unit. Charge state and error map codes to names, so they are written out here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

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
from .victron_serial.vedirect import (
    BLUE_SMART,
    ChargerError,
    ChargerState,
    ChargeState,
    Output,
    TextField,
)

OTHER = "other"  # a code the tables do not know; its number is the "code" attribute
_TEMPERATURE = BLUE_SMART.field("temperature")
TEMPERATURE_FIELD = _TEMPERATURE.label  # "---" without a sensor, absent on the IP65
# The declared unit of a measured field, as Home Assistant shows it.
_MEASURED: dict[str | None, tuple[SensorDeviceClass, str]] = {
    "V": (SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT),
    "A": (SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE),
    "°C": (SensorDeviceClass.TEMPERATURE, UnitOfTemperature.CELSIUS),
}
_PRECISION = {"output_voltage": 2, "output_current": 1}  # digits shown, by entity key
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


def charger_error_name(state: ChargerState) -> str | None:
    """The charger's error by its name; "other" for a code no list names; None unread."""
    if state.reading.error_raw is None:
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
        value_fn=charger_error_name,
        attributes_fn=lambda state: {"code": state.reading.error_raw},
    ),
)


def _measured(item: TextField) -> dict[str, Any]:
    """What a sensor of the declared ``item`` shows, whatever its value is read from."""
    device_class, unit = _MEASURED[item.unit]
    return {
        "key": item.entity,
        "translation_key": item.entity,
        "device_class": device_class,
        "state_class": SensorStateClass.MEASUREMENT,
        "native_unit_of_measurement": unit,
        "suggested_display_precision": _PRECISION.get(str(item.entity)),
    }


TEMPERATURE = ChargerSensorDescription(
    **_measured(_TEMPERATURE),
    value_fn=lambda state: state.reading.values.get(_TEMPERATURE.name),
)
# One per field of an output (each output's entities are numbered by the entity class).
OUTPUT_SENSORS: tuple[ChargerOutputSensorDescription, ...] = tuple(
    ChargerOutputSensorDescription(**_measured(item), value_fn=attrgetter(str(item.quantity)))
    for item in BLUE_SMART.outputs[0]
    if item.entity is not None
)
