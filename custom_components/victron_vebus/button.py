"""Buttons: standby, sleep, wake up, forced charge states."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import VEBusConfigEntry, VEBusCoordinator
from .entity import VEBusEntity
from .victron_serial.vebus import ForcedChargeState, VEBusUnit

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class VEBusButtonDescription(ButtonEntityDescription):
    press_fn: Callable[[VEBusUnit], Awaitable[object]]
    mk3_only: bool = False
    charger_only: bool = False  # not on an inverter without charger (a Phoenix)
    # Wake must work exactly when the unit is gone quiet and everything else is unavailable.
    available_when_silent: bool = False


def _force(state: ForcedChargeState) -> Callable[[VEBusUnit], Awaitable[object]]:
    return lambda unit: unit.force_charge_state(state)


BUTTONS: tuple[VEBusButtonDescription, ...] = (
    VEBusButtonDescription(
        key="standby",
        translation_key="standby",
        press_fn=lambda unit: unit.standby(),
        mk3_only=True,
    ),
    VEBusButtonDescription(
        key="sleep", translation_key="sleep", press_fn=lambda unit: unit.sleep()
    ),
    VEBusButtonDescription(
        key="wake",
        translation_key="wake",
        press_fn=lambda unit: unit.wake(),
        available_when_silent=True,
    ),
    VEBusButtonDescription(
        key="force_absorption",
        translation_key="force_absorption",
        charger_only=True,
        press_fn=_force(ForcedChargeState.ABSORPTION),
    ),
    VEBusButtonDescription(
        key="force_float",
        translation_key="force_float",
        charger_only=True,
        press_fn=_force(ForcedChargeState.FLOAT),
    ),
    VEBusButtonDescription(
        key="force_equalise",
        translation_key="force_equalise",
        charger_only=True,
        press_fn=_force(ForcedChargeState.EQUALISE),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VEBusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data
    async_add_entities(
        VEBusButton(coordinator, description)
        for description in BUTTONS
        if (coordinator.unit.client.is_mk3 or not description.mk3_only)
        and (coordinator.unit.has_charger or not description.charger_only)
    )


class VEBusButton(VEBusEntity, ButtonEntity):
    entity_description: VEBusButtonDescription

    def __init__(self, coordinator: VEBusCoordinator, description: VEBusButtonDescription) -> None:
        super().__init__(coordinator, description)

    @property
    def available(self) -> bool:
        return self.entity_description.available_when_silent or super().available

    async def async_press(self) -> None:
        await self.coordinator.async_control(self.entity_description.press_fn)
