"""What was written RAM only still shows after a reload or a restart of Home Assistant, and
comes back when the unit restarted meanwhile (the ledger in the entry's storage)."""

from __future__ import annotations

from typing import Any

from homeassistant.const import STATE_OFF
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import DOMAIN
from custom_components.victron_vebus.diagnostics import async_get_config_entry_diagnostics
from tests.waiting import wait_for
from vebus_sim import Simulator

from .conftest import set_up

FLOAT = "number.multiplus_float_voltage"
LIMIT = "number.multiplus_ac_input_current_limit"
CHARGING = "switch.multiplus_charging_allowed"
ESS = "number.multiplus_ess_setpoint"
FLOAT_ID, FLAGS0_ID = 3, 0
DISABLE_CHARGE = 0x40  # flags0 bit 6


async def _write_ram_only(hass: HomeAssistant) -> None:
    """Float 14.10 V, charging not allowed, a 16 A input limit; and an ESS setpoint."""
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("number", "set_value", {"entity_id": FLOAT, "value": 14.1}),
        ("switch", "turn_off", {"entity_id": CHARGING}),
        ("number", "set_value", {"entity_id": LIMIT, "value": 16}),
        ("number", "set_value", {"entity_id": ESS, "value": 300}),
    ]
    for domain, service, data in calls:
        await hass.services.async_call(domain, service, data, blocking=True)


def _assert_runs_what_was_written(hass: HomeAssistant, sim: Simulator) -> None:
    """The unit runs the values written RAM only, the entities show them, and the stored
    value beside them; nothing went to the EEPROM."""
    device = sim.device
    assert device.setting(FLOAT_ID) == pytest.approx(14.1)
    assert device.setting_raw(FLAGS0_ID) & DISABLE_CHARGE
    assert device.current_limit == pytest.approx(16.0)
    float_state = hass.states.get(FLOAT)
    assert float_state.state == "14.1"
    assert float_state.attributes["stored_value"] == 13.8
    charging = hass.states.get(CHARGING)
    assert charging.state == STATE_OFF
    assert charging.attributes["stored_value"] is True
    assert hass.states.get(LIMIT).state == "16.0"
    assert sum(device.eeprom_writes.values()) == 0


async def _shown(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """A refresh with every entity's needs registered (the first one ran before they
    were added), as the next poll does."""
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def test_ram_only_values_show_after_a_reload(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    """The reported case: float written as 14.1 V showed 13.8 V after a reload while the
    unit went on at 14.1 V. The ESS setpoint is the exception: 0 W after a reload."""
    await _write_ram_only(hass)
    _assert_runs_what_was_written(hass, vebus_sim)

    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done()
    await _shown(hass, setup_integration)

    _assert_runs_what_was_written(hass, vebus_sim)
    assert vebus_sim.device.ess_setpoint == 0
    assert hass.states.get(ESS).state == "0"
    shown = await async_get_config_entry_diagnostics(hass, setup_integration)
    ram_only = shown["coordinator"]["ram_only_settings"]
    assert ram_only["float_voltage"] == {
        "value": 14.1,
        "stored": 13.8,
        "raw": 1410,
        "stored_raw": 1380,
    }
    assert shown["coordinator"]["ram_only_current_limit"] == 16.0


async def test_ram_only_values_survive_a_restart_and_a_unit_restart_after_it(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    vebus_sim: Simulator,
    setup_integration: MockConfigEntry,
) -> None:
    """Unloaded and set up again (a restart of Home Assistant): the ledger comes from the
    entry's storage; a unit restart after that is answered with the values written."""
    entry = setup_integration
    await _write_ram_only(hass)
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.ram_only"]["data"]
    assert stored["settings"][str(FLOAT_ID)] == {"raw": 1410, "stored": 1380}
    assert stored["current_limit"] == 16.0

    await set_up(hass, entry)
    await _shown(hass, entry)
    _assert_runs_what_was_written(hass, vebus_sim)

    coordinator = entry.runtime_data
    vebus_sim.heartbeat = 0.02
    session = coordinator.unit.client.session
    vebus_sim.device.restart()
    assert vebus_sim.device.setting(FLOAT_ID) == pytest.approx(13.8)  # the unit forgot
    assert vebus_sim.device.current_limit == pytest.approx(9.9)
    await wait_for(
        lambda: coordinator.unit.client.session != session,
        "the rebooted interface announces itself ('V' with 'B')",
    )
    await _shown(hass, entry)
    _assert_runs_what_was_written(hass, vebus_sim)


async def test_values_lost_to_a_unit_restart_while_home_assistant_was_down_come_back(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    entry = setup_integration
    await _write_ram_only(hass)
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    vebus_sim.device.restart()
    assert vebus_sim.device.setting(FLOAT_ID) == pytest.approx(13.8)

    await set_up(hass, entry)
    await _shown(hass, entry)
    _assert_runs_what_was_written(hass, vebus_sim)
    assert vebus_sim.device.ess_setpoint == 0  # never brought back


async def test_a_setting_stored_elsewhere_meanwhile_wins_over_the_ledger(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    """VEConfigure stored another float voltage (and restarted the unit) while Home
    Assistant was down: the stored value stands; what was not changed comes back."""
    entry = setup_integration
    await _write_ram_only(hass)
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    vebus_sim.device.restart()
    vebus_sim.device.set_setting_raw(FLOAT_ID, 1350, persist=True)

    await set_up(hass, entry)
    await _shown(hass, entry)
    assert vebus_sim.device.setting(FLOAT_ID) == pytest.approx(13.5)
    assert hass.states.get(FLOAT).state == "13.5"
    assert hass.states.get(CHARGING).state == STATE_OFF
    assert vebus_sim.device.current_limit == pytest.approx(16.0)
    assert "float_voltage" not in entry.runtime_data.diagnostics()["ram_only_settings"]


async def test_a_limit_set_elsewhere_meanwhile_wins_over_the_ledger(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    """Another panel set the limit while Home Assistant was down (the unit did not
    restart): that limit stands."""
    entry = setup_integration
    await _write_ram_only(hass)
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    vebus_sim.device.current_limit = 12.0

    await set_up(hass, entry)
    await _shown(hass, entry)
    assert vebus_sim.device.current_limit == pytest.approx(12.0)
    assert hass.states.get(LIMIT).state == "12.0"
    assert entry.runtime_data.diagnostics()["ram_only_current_limit"] is None
