"""Options of an entry. A VE.Bus unit: polling interval, saving settings permanently, the ESS
power limit. A VE.Direct charger: how often a setting may be written to its memory."""

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
    CONF_NVM_INTERVAL,
    CONF_PERSIST_SETTINGS,
    CONF_SCAN_INTERVAL,
    DEFAULT_ESS_MAX_POWER,
    DEFAULT_NVM_INTERVAL,
    DEFAULT_PERSIST_SETTINGS,
    DEFAULT_SCAN_INTERVAL,
    FAMILY_VEDIRECT,
    MAX_NVM_INTERVAL,
    MAX_SCAN_INTERVAL,
    MIN_NVM_INTERVAL,
    MIN_SCAN_INTERVAL,
)
from .identify import entry_family

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


CHARGER_OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NVM_INTERVAL, default=DEFAULT_NVM_INTERVAL): vol.All(
            NumberSelector(
                NumberSelectorConfig(
                    min=MIN_NVM_INTERVAL,
                    max=MAX_NVM_INTERVAL,
                    step=1,
                    unit_of_measurement=UnitOfTime.MINUTES,
                    mode=NumberSelectorMode.BOX,
                )
            ),
            vol.Coerce(int),
        ),
    }
)


class VictronVEBusOptionsFlow(OptionsFlow):
    """One step per family; the entry's update listener reloads it with the new options."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A VE.Bus unit's options (a charger's are in their own step)."""
        if entry_family(self.config_entry.data) == FAMILY_VEDIRECT:
            return await self.async_step_charger(user_input)
        return self._form("init", OPTIONS_SCHEMA, user_input)

    async def async_step_charger(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A VE.Direct charger's option: the interval between two writes of a setting."""
        return self._form("charger", CHARGER_OPTIONS_SCHEMA, user_input)

    def _form(
        self, step_id: str, schema: vol.Schema, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )
