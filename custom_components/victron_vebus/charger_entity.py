"""Base entity of a VE.Direct charger: its device (named after the model) and unique ids."""

from __future__ import annotations

from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .charger_coordinator import ChargerCoordinator
from .const import DOMAIN, MANUFACTURER
from .device_ids import entry_key
from .identify import CHARGER_FALLBACK_NAME


class ChargerEntity(CoordinatorEntity[ChargerCoordinator]):
    """An entity of one Blue Smart charger."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: ChargerCoordinator, description: EntityDescription, key: str = ""
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        base_id = entry_key(coordinator.config_entry)
        self._attr_unique_id = f"{base_id}_{key or description.key}"
        charger = coordinator.charger
        reading = charger.reading
        product_id = reading.product_id if reading is not None else None
        model = charger.model or CHARGER_FALLBACK_NAME
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, base_id)},
            manufacturer=MANUFACTURER,
            # Named after the charger, never the port: sensor.blue_smart_ip22_charger_24_12_…
            name=model,
            model=model,
            model_id=None if product_id is None else f"0x{product_id:04X}",
            sw_version=reading.firmware if reading is not None else None,
            serial_number=reading.serial if reading is not None else None,
        )


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
