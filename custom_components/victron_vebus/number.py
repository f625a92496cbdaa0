"""Numbers of both families, each bounded by what the device itself reports.

A VE.Bus unit: AC input current limit, ESS setpoint and device settings.

A VE.Direct charger: the charge current limit, and the absorption and float
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
from typing import Any

from homeassistant.components.number import NumberEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util, slugify

from .charger_coordinator import ChargerCoordinator
from .charger_number_descriptions import (
    CHARGE_CURRENT_LIMIT,
    VOLTAGES,
    ChargerVoltageDescription,
)
from .coordinator import VEBusCoordinator
from .entity import ChargerEntity, VEBusEntity, drop_voltages_of_kind
from .needs import Part, SettingRead
from .runtime import VictronConfigEntry
from .vebus_number_descriptions import (
    CURRENT_LIMIT,
    ESS_SETPOINT,
    SETTING_NUMBERS,
    VEBusSettingNumberDescription,
)
from .victron_serial.vedirect import BlueSmartCharger, VEDirectUnsupportedError, WriteResult

PARALLEL_UPDATES = 1


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


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else dt_util.utc_from_timestamp(timestamp).isoformat()


def charger_numbers(coordinator: ChargerCoordinator) -> Iterator[NumberEntity]:
    """The settings this charger lets be written: none when it does not answer HEX."""
    state, charger = coordinator.data, coordinator.charger
    if state.minimum_current is not None and state.maximum_current is not None:
        yield ChargeCurrentLimitNumber(coordinator, (state.minimum_current, state.maximum_current))
    try:
        bounds = charger.voltage_bounds
    except VEDirectUnsupportedError:
        return
    if not charger.user_defined_battery:  # a preset fixes them: sensors (sensor.py)
        drop_voltages_of_kind(coordinator, "number")
        return
    drop_voltages_of_kind(coordinator, "sensor")
    for description in VOLTAGES:
        if charger.setting(description.register) is not None:
            yield ChargerVoltageNumber(coordinator, description, bounds)


class ChargeCurrentLimitNumber(ChargerEntity, NumberEntity):
    """The charge current limit in force (read back); bounds from the charger itself."""

    def __init__(self, coordinator: ChargerCoordinator, bounds: tuple[float, float]) -> None:
        super().__init__(coordinator, CHARGE_CURRENT_LIMIT)
        self._attr_native_min_value, self._attr_native_max_value = bounds

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
