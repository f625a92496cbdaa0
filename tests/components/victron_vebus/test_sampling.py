"""Samples of the key values between refreshes, from the coordinator's point of view."""

from __future__ import annotations

import asyncio

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.coordinator import VEBusCoordinator
from tests.waiting import wait_for
from vebus_sim import Simulator
from victron_serial.vebus import SAMPLE_PERIOD

ENERGY = (
    "sensor.multiplus_battery_energy_in",
    "sensor.multiplus_battery_energy_out",
    "sensor.multiplus_grid_energy_import",
    "sensor.multiplus_grid_energy_export",
    "sensor.multiplus_ac_output_energy",
)
# The key values, which show the newest sample between refreshes (live_values.py).
LIVE = (
    "sensor.multiplus_battery",
    "sensor.multiplus_battery_voltage",
    "sensor.multiplus_battery_current",
    "sensor.multiplus_battery_power",
    "sensor.multiplus_ac_input_power",
    "sensor.multiplus_ac_output_power",
)


async def test_samples_run_while_loaded_and_stop_with_the_entry(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator: VEBusCoordinator = setup_integration.runtime_data
    await wait_for(lambda: coordinator.counters["samples"] >= 3, "three samples")
    assert coordinator.unit.last_sample is not None
    assert coordinator.unit.last_sample.battery_voltage is not None
    await hass.config_entries.async_unload(setup_integration.entry_id)
    await hass.async_block_till_done()
    samples, requests = coordinator.counters["samples"], len(vebus_sim.requests)
    await asyncio.sleep(3 * SAMPLE_PERIOD)  # long enough for three more, had one been left
    assert coordinator.counters["samples"] == samples
    assert len(vebus_sim.requests) == requests  # the port stays closed
    assert not coordinator.unit.client.connected


async def test_no_samples_while_no_entity_uses_them(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    for entity_id in (*ENERGY, *LIVE):
        registry.async_update_entity(entity_id, disabled_by=er.RegistryEntryDisabler.USER)
    await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done()
    coordinator: VEBusCoordinator = setup_integration.runtime_data
    for _ in range(3):
        await coordinator.async_refresh()
        await asyncio.sleep(SAMPLE_PERIOD)
    assert coordinator.last_update_success
    assert coordinator.counters["samples"] == 0
    assert "samples" not in coordinator.diagnostics()["polled"]
