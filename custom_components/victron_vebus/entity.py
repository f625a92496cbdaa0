"""Base entities of both families: device info, unique id, what a VE.Bus entity needs polled."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .base_coordinator import VictronCoordinator
from .charger_coordinator import ChargerCoordinator
from .const import DOMAIN, MANUFACTURER
from .coordinator import VEBusCoordinator
from .device_ids import entry_key, interface_key, member_key
from .identify import CHARGER_FALLBACK_NAME
from .needs import Need, Part
from .victron_serial.vebus import (
    UnitState,
    UnitStatus,
    firmware_type,
    unit_position,
    version_display,
)
from .victron_serial.vedirect import ChargerState


def interface_device_info(coordinator: VEBusCoordinator) -> DeviceInfo | None:
    """The MK2/MK3 the unit is reached through, a device of its own ("Connected via MK3
    interface"), with its firmware as Victron writes it; None until it answered."""
    device = coordinator.unit.device
    if device is None:
        return None
    version = device.interface_version
    return DeviceInfo(
        identifiers={(DOMAIN, interface_key(entry_key(coordinator.config_entry)))},
        manufacturer=MANUFACTURER,
        name=f"{device.interface_model} interface",
        model=device.interface_model,
        model_id=str(firmware_type(version)),
        sw_version=version_display(version),
    )


def unit_device_info(coordinator: VEBusCoordinator) -> DeviceInfo:
    """The unit (or the system of several): named by its model line, never the port
    (entity ids read select.multiplus_mode, select.multiplus_ii_mode); the exact model and
    product id, the VE.Bus firmware as Victron's tools show it."""
    unit = coordinator.unit
    device, product = unit.device, unit.product
    info = DeviceInfo(
        identifiers={(DOMAIN, entry_key(coordinator.config_entry))},
        manufacturer=MANUFACTURER,
        name=product.line,
        model=product.name,
        model_id=None if product.product_id is None else str(product.product_id),
        sw_version=product.firmware_display,
        serial_number=device.serial_number if device else None,
    )
    if (interface := interface_device_info(coordinator)) is not None:
        info["via_device"] = next(iter(interface["identifiers"]))
    return info


class VictronEntity[D](CoordinatorEntity[VictronCoordinator[D]]):
    """An entity of either family: its device, its unique id, what it needs polled
    (a VE.Bus unit's coordinator polls what its entities need)."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: VictronCoordinator[D],
        description: EntityDescription,
        needs: Iterable[Need] = (),
        key_suffix: str = "",
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        base_id = entry_key(coordinator.config_entry)
        self._attr_unique_id = f"{base_id}_{description.key}{key_suffix}"
        self._needs = tuple(needs)
        if isinstance(coordinator, VEBusCoordinator):
            self._attr_device_info = unit_device_info(coordinator)
        else:
            assert isinstance(coordinator, ChargerCoordinator)
            self._attr_device_info = charger_device_info(coordinator)

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        coordinator: VictronCoordinator[Any] = self.coordinator
        if self._needs:
            assert isinstance(coordinator, VEBusCoordinator)  # only a VE.Bus unit is polled
            self.async_on_remove(coordinator.async_add_needs(self._needs))


class VEBusEntity(VictronEntity[UnitState]):
    """An entity of one VE.Bus unit.

    Available while the unit sleeps (README, "A sleeping unit"): what it holds shows as
    before, what only a reading tells is unknown, and a control says it is asleep.
    """

    coordinator: VEBusCoordinator

    def __init__(
        self,
        coordinator: VEBusCoordinator,
        description: EntityDescription,
        needs: Iterable[Need] = (),
        key_suffix: str = "",
    ) -> None:
        super().__init__(coordinator, description, needs, key_suffix)


class VEBusMemberEntity(VictronEntity[UnitState]):
    """An entity of one unit in a system of several: a device of its own, via the system."""

    coordinator: VEBusCoordinator

    def __init__(
        self,
        coordinator: VEBusCoordinator,
        description: EntityDescription,
        address: int,
        needs: Iterable[Need] = (),
    ) -> None:
        super().__init__(coordinator, description, (*needs, Part.UNITS), f"_unit_{address}")
        self.address = address
        unit = coordinator.unit
        product = unit.product
        system_id = entry_key(coordinator.config_entry)
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, member_key(system_id, address))},
            manufacturer=MANUFACTURER,
            # By model line and place: "MultiPlus-II L2", never two alike.
            name=f"{product.line} {unit_position(address, unit.phases, unit.addresses)}",
            model=product.name,
            model_id=None if product.product_id is None else str(product.product_id),
            via_device=(DOMAIN, system_id),
        )

    @property
    def member(self) -> UnitStatus | None:
        """What the last refresh read from this unit (None until read)."""
        for unit in self.coordinator.data.status.units:
            if unit.address == self.address:
                return unit
        return None


def charger_device_info(coordinator: ChargerCoordinator) -> DeviceInfo:
    """A Blue Smart charger, named after its model."""
    state = coordinator.data
    product_id = state.product_id
    model = state.model or CHARGER_FALLBACK_NAME
    return DeviceInfo(
        identifiers={(DOMAIN, entry_key(coordinator.config_entry))},
        manufacturer=MANUFACTURER,
        # Named after the charger, never the port: sensor.blue_smart_ip22_charger_24_12_…
        name=model,
        model=model,
        model_id=None if product_id is None else f"0x{product_id:04X}",
        sw_version=state.firmware,
        serial_number=state.serial,
    )


class ChargerEntity(VictronEntity[ChargerState]):
    """An entity of one Blue Smart charger."""

    coordinator: ChargerCoordinator

    def __init__(
        self, coordinator: ChargerCoordinator, description: EntityDescription, key_suffix: str = ""
    ) -> None:
        super().__init__(coordinator, description, key_suffix=key_suffix)


VOLTAGE_KEYS = ("absorption_voltage", "float_voltage")


def drop_voltages_of_kind(coordinator: ChargerCoordinator, domain: str) -> None:
    """The charge voltages are numbers with a user-defined battery type and sensors with a
    preset: after a change of type, the registry entries of the kind not created go."""
    entry = coordinator.config_entry
    base_id = entry.unique_id or entry.entry_id
    registry = er.async_get(coordinator.hass)
    for key in VOLTAGE_KEYS:
        entity_id = registry.async_get_entity_id(domain, DOMAIN, f"{base_id}_{key}")
        if entity_id is not None:
            registry.async_remove(entity_id)
