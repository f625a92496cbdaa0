"""Switches: charger and inverter (the remote switch as two halves), standby,
charging allowed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import STATE_ON, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from . import VEBusConfigEntry
from .coordinator import FLAGS0, NEED_AC_INPUT, VEBusCoordinator
from .entity import VEBusEntity
from .vebus import Mode

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class VEBusSwitchDescription(SwitchEntityDescription):
    is_on_fn: Callable[[VEBusCoordinator], bool | None]
    set_fn: Callable[[VEBusCoordinator, bool], Awaitable[None]]
    needs: tuple[str, ...] = ()
    exists_fn: Callable[[VEBusCoordinator], bool] = lambda _: True


async def _set_charger(coordinator: VEBusCoordinator, on: bool) -> None:
    mode = coordinator.remote_mode or Mode.ON
    await coordinator.async_set_mode(Mode.from_flags(on, mode.inverter))


async def _set_inverter(coordinator: VEBusCoordinator, on: bool) -> None:
    mode = coordinator.remote_mode or Mode.ON
    await coordinator.async_set_mode(Mode.from_flags(mode.charger, on))


async def _set_charging_allowed(coordinator: VEBusCoordinator, on: bool) -> None:
    await coordinator.async_set_charging_allowed(on)


def _charger_on(coordinator: VEBusCoordinator) -> bool | None:
    mode = coordinator.remote_mode
    return None if mode is None else mode.charger


def _inverter_on(coordinator: VEBusCoordinator) -> bool | None:
    mode = coordinator.remote_mode
    return None if mode is None else mode.inverter


SWITCHES: tuple[VEBusSwitchDescription, ...] = (
    VEBusSwitchDescription(
        key="charger",
        translation_key="charger",
        is_on_fn=_charger_on,
        set_fn=_set_charger,
        needs=(NEED_AC_INPUT,),
    ),
    VEBusSwitchDescription(
        key="inverter",
        translation_key="inverter",
        is_on_fn=_inverter_on,
        set_fn=_set_inverter,
        needs=(NEED_AC_INPUT,),
    ),
    VEBusSwitchDescription(
        key="charging_allowed",
        translation_key="charging_allowed",
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda coordinator: coordinator.data.charging_allowed,
        set_fn=_set_charging_allowed,
        exists_fn=lambda coordinator: FLAGS0 in coordinator.setting_scales,
    ),
)

STANDBY = SwitchEntityDescription(
    key="standby", translation_key="standby", entity_category=EntityCategory.CONFIG
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VEBusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data
    entities: list[SwitchEntity] = [
        VEBusSwitch(coordinator, description)
        for description in SWITCHES
        if description.exists_fn(coordinator)
    ]
    if coordinator.client.is_mk3:
        entities.append(VEBusStandbySwitch(coordinator))
    async_add_entities(entities)


class VEBusSwitch(VEBusEntity, SwitchEntity):
    entity_description: VEBusSwitchDescription

    def __init__(self, coordinator: VEBusCoordinator, description: VEBusSwitchDescription) -> None:
        super().__init__(coordinator, description, description.needs)

    @property
    def is_on(self) -> bool | None:
        return self.entity_description.is_on_fn(self.coordinator)

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self.entity_description.set_fn(self.coordinator, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self.entity_description.set_fn(self.coordinator, False)


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
            self.coordinator.restore_standby(True)
            await self.coordinator.async_request_refresh()

    @property
    def is_on(self) -> bool:
        return self.coordinator.data.standby

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self.coordinator.async_set_standby(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self.coordinator.async_set_standby(False)
