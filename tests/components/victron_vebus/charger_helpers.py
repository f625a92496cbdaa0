"""Shared by the charger tests: a charger entry set up through the config flow, the entity
ids a fresh entry gets, and a wait for the charger's wish keeper to settle."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.victron_vebus.charger_coordinator import ChargerCoordinator
from custom_components.victron_vebus.const import CONF_PORT, DOMAIN
from tests.waiting import wait_for
from vebus_sim.vedirect import ChargerSimulator

SERIAL = "HQ2230XY6XR"  # what the simulated chargers report (SER#)
NAME = "Blue Smart IP22 Charger 24|12"
PREFIX = "blue_smart_ip22_charger_24_12"
VOLTAGE = f"sensor.{PREFIX}_output_voltage"
CURRENT = f"sensor.{PREFIX}_output_current"
TEMPERATURE = f"sensor.{PREFIX}_battery_temperature"
CHARGE_STATE = f"sensor.{PREFIX}_charge_state"
ERROR = f"sensor.{PREFIX}_error"
LIMIT = f"number.{PREFIX}_charge_current_limit"
ABSORPTION = f"number.{PREFIX}_absorption_voltage"
FLOAT = f"number.{PREFIX}_float_voltage"
# With a preset battery type (the simulator's, as a new charger's) the voltages are sensors.
ABSORPTION_SENSOR = f"sensor.{PREFIX}_absorption_voltage"
FLOAT_SENSOR = f"sensor.{PREFIX}_float_voltage"


def listing(*ports: Any) -> Any:
    """Replace the OS port listing."""
    return patch("serialx.async_list_serial_ports", return_value=list(ports))


async def add_charger_through_flow(
    hass: HomeAssistant, port: str
) -> tuple[dict[str, Any], ConfigEntry]:
    """The user step with nothing listed, the manual step with ``port``: the flow's last
    result and the entry it made, set up (with the real integration)."""
    with listing():
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    assert result["step_id"] == "manual"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: port})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry: ConfigEntry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    return result, entry


def coordinator_of(entry: ConfigEntry) -> ChargerCoordinator:
    coordinator = entry.runtime_data
    assert isinstance(coordinator, ChargerCoordinator)
    return coordinator


def nvm_writes(sim: ChargerSimulator, register_id: int) -> int:
    """Writes the simulated charger counted to its non-volatile memory for one register."""
    return sim.charger.nvm_writes[register_id]


async def wish_settled(coordinator: ChargerCoordinator) -> None:
    """Until the wish keeper waits for the clock (or has nothing to do) and writes nothing."""
    wishes = coordinator.charger.limit_wish

    def settled() -> bool:
        return not wishes.writing and (wishes.pending is None or wishes.apply_at is not None)

    await wait_for(settled, "the charge current limit wish settles")
