"""Numbers of a VE.Direct charger: the charge current limit, and the absorption and float
voltages. Every one of them is written to the charger's non-volatile memory, so each write
keeps the NVM rule (charger_coordinator.py): bounded by the charger, skipped when it holds
the value already, at most once per setting per interval, read back.

Who asks decides how a write that comes too soon is met. A person (a call with a user in
its context: the dashboard, Developer tools) gets a refusal naming the time it may be
retried. An automation or script gets the library's wish mode for the charge current limit:
the newest wanted value is kept and written as soon as the interval allows, so one that
follows solar surplus every few seconds costs one write per interval. The voltages have no
wish mode: they are refused within the interval whoever asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfElectricCurrent, UnitOfElectricPotential
from homeassistant.util import dt as dt_util

from .charger_coordinator import ChargerCoordinator
from .charger_entity import ChargerEntity, drop_voltages_of_kind
from .victron_serial.vedirect import (
    BlueSmartCharger,
    Reg,
    Register,
    VEDirectUnsupportedError,
    WriteResult,
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


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else dt_util.utc_from_timestamp(timestamp).isoformat()


def charger_numbers(coordinator: ChargerCoordinator) -> Iterator[NumberEntity]:
    """The settings this charger lets be written: none when it does not answer HEX."""
    charger = coordinator.charger
    if charger.minimum_current is not None and charger.maximum_current is not None:
        yield ChargeCurrentLimitNumber(coordinator)
    try:
        bounds = charger.voltage_bounds
    except VEDirectUnsupportedError:
        return
    if not charger.user_defined_battery:  # a preset fixes them: sensors (charger_sensor.py)
        drop_voltages_of_kind(coordinator, "number")
        return
    drop_voltages_of_kind(coordinator, "sensor")
    for description in VOLTAGES:
        if charger.setting(description.register) is not None:
            yield ChargerVoltageNumber(coordinator, description, bounds)


class ChargeCurrentLimitNumber(ChargerEntity, NumberEntity):
    """The charge current limit in force (read back); bounds from the charger itself."""

    def __init__(self, coordinator: ChargerCoordinator) -> None:
        super().__init__(coordinator, CHARGE_CURRENT_LIMIT)
        low, high = coordinator.charger.current_limit_bounds
        self._attr_native_min_value = low
        self._attr_native_max_value = high

    @property
    def native_value(self) -> float | None:
        return self.coordinator.data.charge_current_limit

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The wish waiting for the interval, and when the limit may be written next."""
        wish = self.coordinator.charger.limit_wish
        pending = wish.pending
        return {
            "wanted": None if pending is None else pending.value,
            "next_write": _iso(self.coordinator.retry_at()),
        }

    async def async_set_native_value(self, value: float) -> None:
        if self._context is not None and self._context.user_id is not None:
            await self.coordinator.async_control(
                lambda charger: charger.set_charge_current_limit(value)
            )
        else:
            self.coordinator.async_wish_limit(value)


class ChargerVoltageNumber(ChargerEntity, NumberEntity):
    """Absorption or float voltage, while the battery type is user defined (with a preset,
    they are read-only sensors; a change of battery type reloads the entry)."""

    entity_description: ChargerVoltageDescription

    def __init__(
        self,
        coordinator: ChargerCoordinator,
        description: ChargerVoltageDescription,
        bounds: tuple[float, float],
    ) -> None:
        super().__init__(coordinator, description)
        self._attr_native_min_value, self._attr_native_max_value = bounds

    @property
    def native_value(self) -> float | None:
        return self.coordinator.charger.setting(self.entity_description.register)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        return {
            "user_defined_battery": self.coordinator.charger.user_defined_battery,
            "next_write": _iso(self.coordinator.retry_at(self.entity_description.register)),
        }

    async def async_set_native_value(self, value: float) -> None:
        register = self.entity_description.register

        async def write(charger: BlueSmartCharger) -> WriteResult:
            return await charger.write_setting(register, value)

        await self.coordinator.async_control(write)
