"""Options of an entry. A VE.Bus unit: polling interval, saving settings permanently, the ESS
power limit and the grid-target ESS control (a section of its own). A VE.Direct charger: how
often a setting may be written to its memory."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import PERCENTAGE, UnitOfPower, UnitOfTime
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import voluptuous as vol

from .const import (
    CONF_DEADBAND,
    CONF_ESS_MAX_POWER,
    CONF_GRID_CONTROL,
    CONF_GRID_SENSOR,
    CONF_GRID_SIGN,
    CONF_GRID_TARGET,
    CONF_LIVE_INTERVAL,
    CONF_MAX_CHARGE_POWER,
    CONF_MAX_DISCHARGE_POWER,
    CONF_MAX_SOC,
    CONF_METER_STALE_TIME,
    CONF_MIN_SOC,
    CONF_NVM_INTERVAL,
    CONF_PERSIST_SETTINGS,
    CONF_RAMP,
    CONF_SCAN_INTERVAL,
    DEFAULT_ESS_MAX_POWER,
    DEFAULT_LIVE_INTERVAL,
    DEFAULT_NVM_INTERVAL,
    DEFAULT_PERSIST_SETTINGS,
    DEFAULT_SCAN_INTERVAL,
    FAMILY_VEDIRECT,
    GRID_SIGN_EXPORT_POSITIVE,
    GRID_SIGN_IMPORT_POSITIVE,
    MAX_LIVE_INTERVAL,
    MAX_NVM_INTERVAL,
    MAX_SCAN_INTERVAL,
    MIN_LIVE_INTERVAL,
    MIN_NVM_INTERVAL,
    MIN_SCAN_INTERVAL,
)
from .identify import entry_family
from .victron_serial.vebus import GridTargetSettings

MIN_ESS_MAX_POWER = 100
MAX_ESS_MAX_POWER = 20000
MAX_GRID_TARGET = 20000  # W either way
MIN_DEADBAND, MAX_DEADBAND = 5, 2000
MIN_RAMP, MAX_RAMP = 10, 20000  # W/s
MIN_STALE_TIME, MAX_STALE_TIME = 5, 600  # s

DEFAULTS = GridTargetSettings()


def _number(low: float, high: float, unit: str, step: float = 1) -> vol.All:
    return vol.All(
        NumberSelector(
            NumberSelectorConfig(
                min=low, max=high, step=step, unit_of_measurement=unit, mode=NumberSelectorMode.BOX
            )
        ),
        vol.Coerce(int),
    )


def _grid_control_schema(ess_max_power: int) -> vol.Schema:
    """The grid-target control's options; the maximum powers default to the ESS maximum."""
    max_power = min(int(DEFAULTS.max_charge), ess_max_power)
    return vol.Schema(
        {
            vol.Optional(CONF_GRID_SENSOR): EntitySelector(
                EntitySelectorConfig(domain="sensor", device_class=SensorDeviceClass.POWER)
            ),
            vol.Required(CONF_GRID_SIGN, default=GRID_SIGN_IMPORT_POSITIVE): SelectSelector(
                SelectSelectorConfig(
                    options=[GRID_SIGN_IMPORT_POSITIVE, GRID_SIGN_EXPORT_POSITIVE],
                    translation_key=CONF_GRID_SIGN,
                    mode=SelectSelectorMode.LIST,
                )
            ),
            vol.Required(CONF_GRID_TARGET, default=int(DEFAULTS.target)): _number(
                -MAX_GRID_TARGET, MAX_GRID_TARGET, UnitOfPower.WATT
            ),
            vol.Required(CONF_DEADBAND, default=int(DEFAULTS.deadband)): _number(
                MIN_DEADBAND, MAX_DEADBAND, UnitOfPower.WATT
            ),
            vol.Required(CONF_MAX_CHARGE_POWER, default=max_power): _number(
                0, MAX_ESS_MAX_POWER, UnitOfPower.WATT
            ),
            vol.Required(CONF_MAX_DISCHARGE_POWER, default=max_power): _number(
                0, MAX_ESS_MAX_POWER, UnitOfPower.WATT
            ),
            vol.Required(CONF_RAMP, default=int(DEFAULTS.ramp)): _number(
                MIN_RAMP, MAX_RAMP, f"{UnitOfPower.WATT}/{UnitOfTime.SECONDS}"
            ),
            vol.Required(CONF_MIN_SOC, default=int(DEFAULTS.min_soc)): _number(0, 100, PERCENTAGE),
            vol.Required(CONF_MAX_SOC, default=int(DEFAULTS.max_soc)): _number(0, 100, PERCENTAGE),
            vol.Required(CONF_METER_STALE_TIME, default=int(DEFAULTS.stale_after)): _number(
                MIN_STALE_TIME, MAX_STALE_TIME, UnitOfTime.SECONDS
            ),
        }
    )


def options_schema(ess_max_power: int = DEFAULT_ESS_MAX_POWER) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_SCAN_INTERVAL, default=DEFAULT_SCAN_INTERVAL): _number(
                MIN_SCAN_INTERVAL, MAX_SCAN_INTERVAL, UnitOfTime.SECONDS
            ),
            vol.Required(CONF_LIVE_INTERVAL, default=DEFAULT_LIVE_INTERVAL): _number(
                MIN_LIVE_INTERVAL, MAX_LIVE_INTERVAL, UnitOfTime.SECONDS
            ),
            vol.Required(
                CONF_PERSIST_SETTINGS, default=DEFAULT_PERSIST_SETTINGS
            ): BooleanSelector(),
            vol.Required(CONF_ESS_MAX_POWER, default=DEFAULT_ESS_MAX_POWER): _number(
                MIN_ESS_MAX_POWER, MAX_ESS_MAX_POWER, UnitOfPower.WATT
            ),
            vol.Required(CONF_GRID_CONTROL): section(
                _grid_control_schema(ess_max_power), {"collapsed": True}
            ),
        }
    )


CHARGER_OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NVM_INTERVAL, default=DEFAULT_NVM_INTERVAL): _number(
            MIN_NVM_INTERVAL, MAX_NVM_INTERVAL, UnitOfTime.MINUTES
        ),
    }
)


def grid_control_errors(options: dict[str, Any]) -> dict[str, str]:
    """What the form cannot take: maximum powers above the ESS maximum, SOC limits crossed."""
    grid = options[CONF_GRID_CONTROL]
    ess_max_power = options[CONF_ESS_MAX_POWER]
    if max(grid[CONF_MAX_CHARGE_POWER], grid[CONF_MAX_DISCHARGE_POWER]) > ess_max_power:
        return {"base": "above_ess_max_power"}
    if grid[CONF_MIN_SOC] >= grid[CONF_MAX_SOC]:
        return {"base": "soc_limits"}
    return {}


class VictronVEBusOptionsFlow(OptionsFlow):
    """One step per family; the entry's update listener reloads it with the new options."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A VE.Bus unit's options (a charger's are in their own step)."""
        if entry_family(self.config_entry.data) == FAMILY_VEDIRECT:
            return await self.async_step_charger(user_input)
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = grid_control_errors(user_input)
            if not errors:
                return self.async_create_entry(data=user_input)
        current = user_input or self.config_entry.options
        schema = options_schema(int(current.get(CONF_ESS_MAX_POWER, DEFAULT_ESS_MAX_POWER)))
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, current),
            errors=errors,
        )

    async def async_step_charger(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A VE.Direct charger's option: the interval between two writes of a setting."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        return self.async_show_form(
            step_id="charger",
            data_schema=self.add_suggested_values_to_schema(
                CHARGER_OPTIONS_SCHEMA, self.config_entry.options
            ),
        )
