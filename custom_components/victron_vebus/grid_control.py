"""Home Assistant's side of the ESS control: options in, meter readings in, repairs out.

The control itself runs in the library (``VEBusUnit.ess_control``). Here: its settings from
the options, the chosen grid sensor's readings (every state written, also an unchanged one)
turned into watts drawn from the grid, the sampler asked for while it runs, repair issues
while the meter is stale or the unit lost, and the entities told when it moved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import math
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfPower,
)
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, State, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
)
from homeassistant.util.unit_conversion import PowerConverter

from .const import (
    CONF_DEADBAND,
    CONF_GRID_CONTROL,
    CONF_GRID_SENSOR,
    CONF_GRID_SIGN,
    CONF_GRID_TARGET,
    CONF_MAX_CHARGE_POWER,
    CONF_MAX_DISCHARGE_POWER,
    CONF_MAX_SOC,
    CONF_METER_STALE_TIME,
    CONF_MIN_SOC,
    CONF_RAMP,
    DOMAIN,
    GRID_SIGN_EXPORT_POSITIVE,
    LOGGER,
)
from .errors import translated_errors
from .needs import Need, Part
from .victron_serial.vebus import EssController, EssControlState, GridTargetSettings

GRID_TARGET_KEY = "ess_grid_target"  # the switch that turns the control on
# A repair issue while the control is in one of these states.
ISSUES = {
    EssControlState.METER_STALE: "grid_meter_stale",
    EssControlState.UNIT_LOST: "ess_unit_lost",
}


def settings_from(options: Mapping[str, Any]) -> GridTargetSettings:
    """The library's settings from the options section (defaults where it is missing)."""
    grid = options.get(CONF_GRID_CONTROL, {})
    defaults = GridTargetSettings()
    return GridTargetSettings(
        target=float(grid.get(CONF_GRID_TARGET, defaults.target)),
        deadband=float(grid.get(CONF_DEADBAND, defaults.deadband)),
        max_charge=float(grid.get(CONF_MAX_CHARGE_POWER, defaults.max_charge)),
        max_discharge=float(grid.get(CONF_MAX_DISCHARGE_POWER, defaults.max_discharge)),
        ramp=float(grid.get(CONF_RAMP, defaults.ramp)),
        min_soc=float(grid.get(CONF_MIN_SOC, defaults.min_soc)),
        max_soc=float(grid.get(CONF_MAX_SOC, defaults.max_soc)),
        stale_after=float(grid.get(CONF_METER_STALE_TIME, defaults.stale_after)),
    )


def grid_watts(state: State | None, export_positive: bool) -> float | None:
    """W drawn from the grid by a power sensor's state; None when it has no power value."""
    if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    if not math.isfinite(value) or unit not in PowerConverter.VALID_UNITS:
        return None
    watts = PowerConverter.convert(value, unit, UnitOfPower.WATT)
    return -watts if export_positive else watts


class GridControl:
    """One entry's ESS control, seen from Home Assistant.

    Given what it uses of the entry's coordinator (asking for polled parts, telling the
    entities), not the coordinator itself, which creates it.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        control: EssController,
        add_needs: Callable[[Iterable[Need]], CALLBACK_TYPE],
        update_listeners: Callable[[], None],
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.control = control
        self._add_needs = add_needs
        self._update_listeners = update_listeners
        grid = entry.options.get(CONF_GRID_CONTROL, {})
        self.sensor: str | None = grid.get(CONF_GRID_SENSOR) or None
        self._export_positive = grid.get(CONF_GRID_SIGN) == GRID_SIGN_EXPORT_POSITIVE
        control.configure(settings_from(entry.options))
        control.on_change = self._changed
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._remove_need: CALLBACK_TYPE | None = None
        self._issues: set[str] = set()

    # --- on and off -----------------------------------------------------------------------

    async def async_enable(self) -> None:
        """Hold the grid at the target: follow the sensor from its state now on."""
        assert self.sensor is not None  # the switch exists only with a sensor
        if self.control.enabled:
            return
        with translated_errors():  # asleep, closed: said, and nothing starts
            await self.control.enable()
        sensors = [self.sensor]
        self._unsubscribe = [
            async_track_state_change_event(self.hass, sensors, self._reading),
            async_track_state_report_event(self.hass, sensors, self._reading),
        ]
        self._feed(self.hass.states.get(self.sensor))
        self._changed()

    async def async_disable(self) -> None:
        """Grid target off: 0 W (a running state-of-charge program goes on)."""
        self._stop_following()
        await self.control.disable()
        self._changed()

    def refuse_hand_setpoint(self) -> None:
        """While the grid target runs it owns the setpoint: one set by hand would be
        overwritten within a second, so it is refused, naming the control's switch."""
        if not self.control.enabled:
            return
        entry = self.entry
        unique_id = f"{entry.unique_id or entry.entry_id}_{GRID_TARGET_KEY}"
        switch = er.async_get(self.hass).async_get_entity_id("switch", DOMAIN, unique_id)
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="ess_setpoint_held",
            translation_placeholders={"entity": switch or "ESS grid target"},
        )

    @callback
    def async_unload(self) -> None:
        """The entry unloads (the unit's close sets 0 W): listeners and issues go."""
        self._stop_following()
        self.control.on_change = None
        if self._remove_need is not None:
            self._remove_need()
            self._remove_need = None
        for issue in list(self._issues):
            self._delete_issue(issue)

    def _stop_following(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    # --- readings -----------------------------------------------------------------------------

    @callback
    def _reading(self, event: Event[Any]) -> None:
        self._feed(event.data.get("new_state"))

    def _feed(self, state: State | None) -> None:
        watts = grid_watts(state, self._export_positive)
        if watts is None:
            if state is not None and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN):
                LOGGER.debug("%s: %s is not a power reading", self.sensor, state.state)
            self.control.meter_unavailable()
        else:
            self.control.meter(watts)

    # --- what follows from the control's state -------------------------------------------

    @callback
    def _changed(self) -> None:
        """The control's state or setpoint moved: sampling, repairs, entities follow."""
        if not self.control.enabled:  # ended by the unit too (Sleep, Standby)
            self._stop_following()
        if self.control.active and self._remove_need is None:
            self._remove_need = self._add_needs((Part.SAMPLES,))
        elif not self.control.active and self._remove_need is not None:
            self._remove_need()
            self._remove_need = None
        wanted = ISSUES.get(self.control.state)
        for issue in list(self._issues):
            if issue != wanted:
                self._delete_issue(issue)
        if wanted is not None and wanted not in self._issues:
            self._create_issue(wanted)
        self._update_listeners()

    def _issue_id(self, issue: str) -> str:
        return f"{issue}_{self.entry.entry_id}"

    def _create_issue(self, issue: str) -> None:
        self._issues.add(issue)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id(issue),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=issue,
            translation_placeholders={
                "title": self.entry.title,
                "sensor": self.sensor or "",
                "stale_time": f"{self.control.settings.stale_after:g}",
            },
        )

    def _delete_issue(self, issue: str) -> None:
        self._issues.discard(issue)
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(issue))
