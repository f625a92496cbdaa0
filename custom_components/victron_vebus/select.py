"""Select: the unit's remote switch (on, charger only, inverter only, off)."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import VEBusConfigEntry, VEBusCoordinator
from .entity import VEBusEntity
from .needs import Part
from .victron_serial.vebus import Mode

PARALLEL_UPDATES = 1

MODE = SelectEntityDescription(
    key="mode", translation_key="mode", options=[str(mode) for mode in Mode]
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VEBusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_add_entities([VEBusModeSelect(entry.runtime_data)])


class VEBusModeSelect(VEBusEntity, SelectEntity):
    """The position of the remote switch this integration commands."""

    def __init__(self, coordinator: VEBusCoordinator) -> None:
        super().__init__(coordinator, MODE, (Part.AC_INPUT,))
        self._attr_options = [str(mode) for mode in coordinator.unit.modes]

    @property
    def current_option(self) -> str | None:
        mode = self.coordinator.unit.remote_mode
        return None if mode is None else str(mode)

    async def async_select_option(self, option: str) -> None:
        await self.coordinator.async_control(lambda unit: unit.set_mode(Mode(option)))
