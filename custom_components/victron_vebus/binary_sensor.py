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
from .entity import VEBusEntity, VEBusMemberEntity
from .exists import has_input, supports
from .needs import Need, Part, Ram
from .victron_serial.vebus import ALARM_NAMES, RamVar, UnitState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class VEBusBinarySensorDescription(BinarySensorEntityDescription):
    value_fn: Callable[[UnitState], bool | None]
    needs: tuple[Need, ...]
    exists_fn: Callable[[VEBusCoordinator], bool] = lambda _: True


def _alarm(index: int) -> Callable[[UnitState], bool | None]:
    def value(data: UnitState) -> bool | None:
        leds = data.status.leds
        return None if leds is None else bool(leds.alarms >> index & 1)

    return value


def _ac_input(attr: str) -> Callable[[UnitState], bool | None]:
    def value(data: UnitState) -> bool | None:
        config = data.status.ac_input
        return None if config is None else bool(getattr(config, attr))

    return value


def _ram_bit(ram_id: int) -> Callable[[UnitState], bool | None]:
    def value(data: UnitState) -> bool | None:
        raw = data.status.ram.get(ram_id)
        return None if raw is None else bool(raw)

    return value


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
        value_fn=_ac_input("panel_detected"),
        needs=(Part.AC_INPUT,),
    ),
    VEBusBinarySensorDescription(
        key="remote_generator_selected",
        translation_key="remote_generator_selected",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_ac_input("remote_generator_selected"),
        needs=(Part.AC_INPUT,),
        exists_fn=has_input,
    ),
    VEBusBinarySensorDescription(
        # F5 AC-input byte bit 2: Victron's library calls it "current limit changeable";
        # off while a panel (a Digital Multi Control) holds the limit.
        key="current_limit_adjustable",
        translation_key="current_limit_adjustable",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_ac_input("limit_adjustable"),
        needs=(Part.AC_INPUT,),
        exists_fn=has_input,
    ),
    *(
        VEBusBinarySensorDescription(
            key=key,
            translation_key=key,
            entity_registry_enabled_default=False,
            value_fn=_ram_bit(ram_id),
            needs=(Ram(ram_id),),
            exists_fn=supports(ram_id),
        )
        for key, ram_id in (
            ("ignore_ac_input", RamVar.IGNORE_AC_INPUT),
            ("multifunction_relay", RamVar.MULTIFUNCTION_RELAY),
        )
    ),
)


MEMBER_ALARMS = ("temperature_alarm", "low_battery_alarm", "overload_alarm")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VEBusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data
    entities: list[BinarySensorEntity] = [
        VEBusBinarySensor(coordinator, d) for d in BINARY_SENSORS if d.exists_fn(coordinator)
    ]
    entities.extend(
        VEBusMemberAlarm(coordinator, description, address)
        for address in coordinator.unit.addresses
        for description in BINARY_SENSORS
        if description.key in MEMBER_ALARMS
    )
    async_add_entities(entities)


class VEBusBinarySensor(VEBusEntity, BinarySensorEntity):
    entity_description: VEBusBinarySensorDescription

    def __init__(
        self, coordinator: VEBusCoordinator, description: VEBusBinarySensorDescription
    ) -> None:
        super().__init__(coordinator, description, description.needs)

    @property
    def is_on(self) -> bool | None:
        return self.entity_description.value_fn(self.coordinator.data)


class VEBusMemberAlarm(VEBusMemberEntity, BinarySensorEntity):
    """One unit's own alarm ('L' at its address), on that unit's device."""

    entity_description: VEBusBinarySensorDescription

    def __init__(
        self,
        coordinator: VEBusCoordinator,
        description: VEBusBinarySensorDescription,
        address: int,
    ) -> None:
        super().__init__(coordinator, description, address)
        self._index = ALARM_NAMES.index(description.key)

    @property
    def is_on(self) -> bool | None:
        member = self.member
        if member is None or member.leds is None:
            return None
        return bool(member.leds.alarms >> self._index & 1)
