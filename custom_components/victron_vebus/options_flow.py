"""Options of an entry: polling interval, saving settings permanently, the ESS power limit."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import UnitOfPower, UnitOfTime
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import voluptuous as vol

from .const import (
    CONF_ESS_MAX_POWER,
    CONF_PERSIST_SETTINGS,
    CONF_SCAN_INTERVAL,
    DEFAULT_ESS_MAX_POWER,
    DEFAULT_PERSIST_SETTINGS,
    DEFAULT_SCAN_INTERVAL,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
)

MIN_ESS_MAX_POWER = 100
MAX_ESS_MAX_POWER = 20000

OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SCAN_INTERVAL, default=DEFAULT_SCAN_INTERVAL): vol.All(
            NumberSelector(
                NumberSelectorConfig(
                    min=MIN_SCAN_INTERVAL,
                    max=MAX_SCAN_INTERVAL,
                    step=1,
                    unit_of_measurement=UnitOfTime.SECONDS,
                    mode=NumberSelectorMode.BOX,
                )
            ),
            vol.Coerce(int),
        ),
        vol.Required(CONF_PERSIST_SETTINGS, default=DEFAULT_PERSIST_SETTINGS): BooleanSelector(),
        vol.Required(CONF_ESS_MAX_POWER, default=DEFAULT_ESS_MAX_POWER): vol.All(
            NumberSelector(
                NumberSelectorConfig(
                    min=MIN_ESS_MAX_POWER,
                    max=MAX_ESS_MAX_POWER,
                    step=1,
                    unit_of_measurement=UnitOfPower.WATT,
                    mode=NumberSelectorMode.BOX,
                )
            ),
            vol.Coerce(int),
        ),
    }
)


class VictronVEBusOptionsFlow(OptionsFlow):
    """Polling interval, saving settings permanently and the ESS power limit."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only step. The entry's update listener reloads it with the new options."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, self.config_entry.options
            ),
        )
