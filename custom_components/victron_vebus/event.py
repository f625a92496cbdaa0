"""Events: an alarm, pre-alarm or VE.Bus error raised, a charger's error raised, for
automations that trigger on them without templates (README, "Events").

An event is a change seen: what stands at the first reading after a start is shown by the
alarm binary sensors and the error sensors, and raises no event.
"""

from __future__ import annotations

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .charger_coordinator import ChargerCoordinator
from .charger_sensor_descriptions import CHARGER_ERRORS, OTHER, charger_error_name
from .coordinator import VEBusCoordinator
from .entity import ChargerEntity, VEBusEntity
from .needs import Part
from .runtime import VictronConfigEntry
from .vebus_sensor_descriptions import vebus_error_name
from .victron_serial.vebus import ALARM_NAMES

PARALLEL_UPDATES = 0

VEBUS_ERROR = "vebus_error"
NO_ERROR = "no_error"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VictronConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data
    if isinstance(coordinator, ChargerCoordinator):
        async_add_entities([ChargerErrorEvent(coordinator)])
    else:
        async_add_entities([VEBusAlarmEvent(coordinator)])


class VEBusAlarmEvent(VEBusEntity, EventEntity):
    """An alarm or pre-alarm that came on, or a VE.Bus error that appeared or changed."""

    _attr_event_types = [*ALARM_NAMES, VEBUS_ERROR]

    def __init__(self, coordinator: VEBusCoordinator) -> None:
        description = EventEntityDescription(key="alarm_raised", translation_key="alarm_raised")
        super().__init__(coordinator, description, (Part.LEDS,))
        self._alarms: int | None = None
        self._error: int | None = None

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if (leds := self.coordinator.data.status.leds) is not None:
            self._alarms, self._error = leds.alarms, leds.vebus_error

    @callback
    def _handle_coordinator_update(self) -> None:
        leds = self.coordinator.data.status.leds
        if leds is not None:  # None while asleep or not yet read: nothing seen
            seen_before = self._alarms is not None
            raised = leds.alarms & ~(self._alarms or 0)
            for index, name in enumerate(ALARM_NAMES):
                if seen_before and raised >> index & 1:
                    self._raise(name)
            if seen_before and leds.vebus_error not in (0, self._error):
                code = leds.vebus_error
                self._raise(VEBUS_ERROR, {"error": vebus_error_name(code), "code": code})
            self._alarms, self._error = leds.alarms, leds.vebus_error
        super()._handle_coordinator_update()

    def _raise(self, event_type: str, data: dict[str, object] | None = None) -> None:
        # Each event its own state: two alarms in one reading are two triggers.
        self._trigger_event(event_type, data)
        self.async_write_ha_state()


class ChargerErrorEvent(ChargerEntity, EventEntity):
    """A charger error that appeared or changed; its event type is the error."""

    _attr_event_types = [*(name for name in CHARGER_ERRORS if name != NO_ERROR), OTHER]

    def __init__(self, coordinator: ChargerCoordinator) -> None:
        description = EventEntityDescription(
            key="charger_error_raised", translation_key="charger_error_raised"
        )
        super().__init__(coordinator, description)
        self._error: int | None = coordinator.data.reading.error_raw

    @callback
    def _handle_coordinator_update(self) -> None:
        state = self.coordinator.data
        raw = state.reading.error_raw
        if raw is not None:
            if self._error is not None and raw not in (0, self._error):
                self._trigger_event(charger_error_name(state) or OTHER, {"code": raw})
                self.async_write_ha_state()
            self._error = raw
        super()._handle_coordinator_update()
