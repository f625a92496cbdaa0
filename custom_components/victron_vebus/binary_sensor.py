"""Binary sensors: alarms, pre-alarms and the remote panel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import VEBusConfigEntry, VEBusCoordinator
from .entity import VEBusEntity
from .needs import Need, Part
from .vebus import ALARM_NAMES, UnitState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class VEBusBinarySensorDescription(BinarySensorEntityDescription):
    value_fn: Callable[[UnitState], bool | None]
    needs: tuple[Need, ...]


def _alarm(index: int) -> Callable[[UnitState], bool | None]:
    def value(data: UnitState) -> bool | None:
        leds = data.status.leds
        return None if leds is None else bool(leds.alarms >> index & 1)

    return value


def _panel_detected(data: UnitState) -> bool | None:
    config = data.status.ac_input
    return None if config is None else config.panel_detected


BINARY_SENSORS: tuple[VEBusBinarySensorDescription, ...] = (
    *(
        VEBusBinarySensorDescription(
            key=name,
            translation_key=name,
            device_class=BinarySensorDeviceClass.PROBLEM,
            entity_registry_enabled_default="prealarm" not in name,
            value_fn=_alarm(index),
            needs=(Part.LEDS,),
        )
        for index, name in enumerate(ALARM_NAMES)
    ),
    VEBusBinarySensorDescription(
        key="remote_panel_detected",
        translation_key="remote_panel_detected",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_panel_detected,
        needs=(Part.AC_INPUT,),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VEBusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data
    async_add_entities(VEBusBinarySensor(coordinator, d) for d in BINARY_SENSORS)


class VEBusBinarySensor(VEBusEntity, BinarySensorEntity):
    entity_description: VEBusBinarySensorDescription

    def __init__(
        self, coordinator: VEBusCoordinator, description: VEBusBinarySensorDescription
    ) -> None:
        super().__init__(coordinator, description, description.needs)

    @property
    def is_on(self) -> bool | None:
        return self.entity_description.value_fn(self.coordinator.data)
