"""Switches: charger and inverter (the remote switch as two halves), standby, the flag
switches of the library's table (charging allowed, PowerAssist, UPS function...) and the
battery monitor; each where the unit has it. The ESS grid target."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import STATE_ON, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .const import DOMAIN
from .coordinator import VEBusConfigEntry, VEBusCoordinator
from .entity import VEBusEntity
from .grid_control import GRID_TARGET_KEY, GridControl
from .needs import Need, Part, SettingRead
from .victron_serial.vebus import BATTERY_MONITOR_SETTING, FLAG_SWITCHES, FlagSwitch, VEBusUnit

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class VEBusSwitchDescription(SwitchEntityDescription):
    is_on_fn: Callable[[VEBusCoordinator], bool | None]
    set_fn: Callable[[VEBusUnit, bool], Awaitable[None]]
    needs: tuple[Need, ...] = ()
    charger: bool = False  # none on a unit without a charger (a Phoenix)


def _charger_on(coordinator: VEBusCoordinator) -> bool | None:
    mode = coordinator.unit.remote_mode
    return None if mode is None else mode.charger


def _inverter_on(coordinator: VEBusCoordinator) -> bool | None:
    mode = coordinator.unit.remote_mode
    return None if mode is None else mode.inverter


SWITCHES: tuple[VEBusSwitchDescription, ...] = (
    VEBusSwitchDescription(
        key="charger",
        translation_key="charger",
        is_on_fn=_charger_on,
        set_fn=lambda unit, on: unit.set_charger(on),
        needs=(Part.AC_INPUT,),
        charger=True,
    ),
    VEBusSwitchDescription(
        key="inverter",
        translation_key="inverter",
        is_on_fn=_inverter_on,
        set_fn=lambda unit, on: unit.set_inverter(on),
        needs=(Part.AC_INPUT,),
    ),
)


@dataclass(frozen=True, kw_only=True)
class VEBusFlagSwitchDescription(SwitchEntityDescription):
    """A switch of one flag bit (or complementary pair) of a flags word."""

    flag: FlagSwitch


FLAG_SWITCH_DESCRIPTIONS: tuple[VEBusFlagSwitchDescription, ...] = tuple(
    VEBusFlagSwitchDescription(
        key=flag.key,
        translation_key=flag.key,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=not flag.advanced,
        flag=flag,
    )
    for flag in FLAG_SWITCHES
)
BATTERY_MONITOR = SwitchEntityDescription(
    key="battery_monitor", translation_key="battery_monitor", entity_category=EntityCategory.CONFIG
)

STANDBY = SwitchEntityDescription(
    key="standby", translation_key="standby", entity_category=EntityCategory.CONFIG
)
GRID_TARGET = SwitchEntityDescription(key=GRID_TARGET_KEY, translation_key=GRID_TARGET_KEY)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VEBusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data
    unit = coordinator.unit
    entities: list[SwitchEntity] = [
        VEBusSwitch(coordinator, description)
        for description in SWITCHES
        if unit.has_charger or not description.charger
    ]
    entities.extend(
        VEBusFlagSwitch(coordinator, description)
        for description in FLAG_SWITCH_DESCRIPTIONS
        if unit.offers(description.flag)
    )
    if unit.offers_battery_monitor:
        entities.append(VEBusBatteryMonitorSwitch(coordinator))
    if unit.client.is_mk3:
        entities.append(VEBusStandbySwitch(coordinator))
    grid_control = coordinator.grid_control
    if grid_control is not None and grid_control.sensor is not None:
        entities.append(VEBusGridTargetSwitch(coordinator, grid_control))
    async_add_entities(entities)


class VEBusSwitch(VEBusEntity, SwitchEntity):
    entity_description: VEBusSwitchDescription

    def __init__(self, coordinator: VEBusCoordinator, description: VEBusSwitchDescription) -> None:
        super().__init__(coordinator, description, description.needs)

    @property
    def is_on(self) -> bool | None:
        return self.entity_description.is_on_fn(self.coordinator)

    async def async_turn_on(self, **kwargs: Any) -> None:
        set_fn = self.entity_description.set_fn
        await self.coordinator.async_control(lambda unit: set_fn(unit, True))

    async def async_turn_off(self, **kwargs: Any) -> None:
        set_fn = self.entity_description.set_fn
        await self.coordinator.async_control(lambda unit: set_fn(unit, False))


class VEBusFlagSwitch(VEBusEntity, SwitchEntity):
    """One flag of a flags word: RAM only unless settings are saved permanently."""

    entity_description: VEBusFlagSwitchDescription

    def __init__(
        self, coordinator: VEBusCoordinator, description: VEBusFlagSwitchDescription
    ) -> None:
        super().__init__(coordinator, description, (SettingRead(description.flag.setting_id),))

    @property
    def is_on(self) -> bool | None:
        return self.coordinator.unit.flag(self.entity_description.flag)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """As stored in EEPROM: differs from the state while a RAM-only write holds."""
        stored = self.coordinator.unit.flag_stored(self.entity_description.flag)
        return None if stored is None else {"stored_value": stored}

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self._set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self._set(False)

    async def _set(self, on: bool) -> None:
        flag = self.entity_description.flag
        await self.coordinator.async_control(lambda unit: unit.set_flag(flag, on))


class VEBusBatteryMonitorSwitch(VEBusEntity, SwitchEntity):
    """The battery monitor: on while the battery capacity is above 0."""

    def __init__(self, coordinator: VEBusCoordinator) -> None:
        super().__init__(coordinator, BATTERY_MONITOR, (SettingRead(BATTERY_MONITOR_SETTING),))

    @property
    def is_on(self) -> bool | None:
        return self.coordinator.unit.battery_monitor

    async def async_turn_on(self, **kwargs: Any) -> None:
        if not self.coordinator.unit.battery_monitor_can_resume:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="battery_capacity_needed"
            )
        await self.coordinator.async_control(lambda unit: unit.set_battery_monitor(True))

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self.coordinator.async_control(lambda unit: unit.set_battery_monitor(False))


class VEBusStandbySwitch(VEBusEntity, SwitchEntity, RestoreEntity):
    """Holds the MK3's standby line so the unit stays reachable while switched off.

    Restored after a restart of Home Assistant.
    """

    def __init__(self, coordinator: VEBusCoordinator) -> None:
        super().__init__(coordinator, STANDBY)

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state == STATE_ON and not self.coordinator.data.standby:
            self.coordinator.unit.restore_standby(True)
            await self.coordinator.async_request_refresh()

    @property
    def is_on(self) -> bool:
        return self.coordinator.data.standby

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self.coordinator.async_control(lambda unit: unit.set_standby(True))

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self.coordinator.async_control(lambda unit: unit.set_standby(False))


class VEBusGridTargetSwitch(VEBusEntity, SwitchEntity, RestoreEntity):
    """Holds the grid meter at the target with the ESS setpoint (the options say how).

    Restored after a restart; off returns the setpoint to 0 W.
    """

    def __init__(self, coordinator: VEBusCoordinator, grid_control: GridControl) -> None:
        super().__init__(coordinator, GRID_TARGET)
        self._grid_control = grid_control

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state == STATE_ON:
            await self._grid_control.async_enable()

    @property
    def is_on(self) -> bool:
        return self._grid_control.control.enabled

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self._grid_control.async_enable()

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self._grid_control.async_disable()
