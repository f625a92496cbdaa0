"""Base entity: device info, unique id, what it needs polled."""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, MANUFACTURER
from .coordinator import VEBusCoordinator
from .device_ids import entry_key, member_key
from .needs import Need, Part
from .vebus import UnitStatus, firmware_type


class VEBusEntity(CoordinatorEntity[VEBusCoordinator]):
    """An entity of one VE.Bus unit.

    Available while the unit sleeps (README, "A sleeping unit"): what it holds shows as
    before, what only a reading tells is unknown, and a control says it is asleep.
    """

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: VEBusCoordinator,
        description: EntityDescription,
        needs: Iterable[Need] = (),
        key_suffix: str = "",
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        base_id = entry_key(coordinator.config_entry)
        self._attr_unique_id = f"{base_id}_{description.key}{key_suffix}"
        self._needs = tuple(needs)
        unit = coordinator.unit
        device, product = unit.device, unit.product
        firmware = product.firmware
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, base_id)},
            manufacturer=MANUFACTURER,
            # Named after the unit, never the port: entity ids read select.multiplus_mode.
            name=str(product.family),
            model=product.name,
            sw_version=product.firmware_text,
            hw_version=(
                f"firmware type {firmware_type(firmware)}, via {device.interface_model} "
                f"{device.interface_version}"
                if device is not None and firmware is not None
                else None
            ),
            serial_number=device.serial_number if device else None,
        )

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if self._needs:
            self.async_on_remove(self.coordinator.async_add_needs(self._needs))


class VEBusMemberEntity(VEBusEntity):
    """An entity of one unit in a system of several: a device of its own, via the system."""

    def __init__(
        self,
        coordinator: VEBusCoordinator,
        description: EntityDescription,
        address: int,
        needs: Iterable[Need] = (),
    ) -> None:
        super().__init__(coordinator, description, (*needs, Part.UNITS), f"_unit_{address}")
        self.address = address
        system_id = entry_key(coordinator.config_entry)
        product = coordinator.unit.product
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, member_key(system_id, address))},
            manufacturer=MANUFACTURER,
            name=f"{product.family} unit {address}",
            model=product.name,
            via_device=(DOMAIN, system_id),
        )

    @property
    def member(self) -> UnitStatus | None:
        """What the last refresh read from this unit (None until read)."""
        for unit in self.coordinator.data.status.units:
            if unit.address == self.address:
                return unit
        return None
