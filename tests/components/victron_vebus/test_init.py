"""Setting up and unloading an entry against the simulator; losing and regaining it."""

from __future__ import annotations

from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import DOMAIN
from vebus_sim import Simulator

from .conftest import add_entry

BATTERY_VOLTAGE = "sensor.multiplus_battery_voltage"


async def test_setup_and_unload_close_the_port(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    entry = setup_integration
    assert entry.state is ConfigEntryState.LOADED
    client = entry.runtime_data.unit.client
    assert client.connected
    # async_get_device raises from Home Assistant 2026.x on (identifiers are unique per
    # config entry only); the entry's own devices are listed the same way in every release.
    devices = [
        device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if (DOMAIN, entry.unique_id) in device.identifiers
    ]
    assert len(devices) == 1
    device = devices[0]
    assert device.manufacturer == "Victron Energy"
    assert device.serial_number == vebus_sim.device.serial
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not client.connected


async def test_missing_port_retries_setup_and_closes(hass: HomeAssistant, tmp_path: Path) -> None:
    entry = await add_entry(hass, str(tmp_path / "ttyUSB7"))
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_silent_device_retries_setup(hass: HomeAssistant, vebus_sim: Simulator) -> None:
    vebus_sim.faults.silent = True
    entry = await add_entry(hass, await vebus_sim.start_pty())
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_busy_port_raises_a_repair_issue_until_it_is_free(
    hass: HomeAssistant, vebus_sim: Simulator
) -> None:
    from custom_components.victron_vebus.vebus import VEBusClient

    path = await vebus_sim.start_pty()
    holder = VEBusClient(path)
    await holder.connect()
    entry = await add_entry(hass, path)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"port_busy_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"port": path}
    await holder.close()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"port_busy_{entry.entry_id}") is None


async def test_unplug_makes_entities_unavailable_and_they_recover(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    assert hass.states.get(BATTERY_VOLTAGE).state != STATE_UNAVAILABLE
    await vebus_sim.unplug()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(BATTERY_VOLTAGE).state == STATE_UNAVAILABLE
    assert hass.states.get("button.multiplus_wake_up").state != STATE_UNAVAILABLE
    await coordinator.async_refresh()  # still gone: stays unavailable, no crash
    assert hass.states.get(BATTERY_VOLTAGE).state == STATE_UNAVAILABLE
    await vebus_sim.replug()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    state = hass.states.get(BATTERY_VOLTAGE)
    assert state.state == f"{vebus_sim.device.ram_value(4):.2f}".rstrip("0").rstrip(".")


async def test_sleeping_device_goes_unavailable_and_wakes(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.multiplus_sleep"}, blocking=True
    )
    assert vebus_sim.device.asleep
    await coordinator.async_refresh()
    assert hass.states.get(BATTERY_VOLTAGE).state == STATE_UNAVAILABLE
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.multiplus_wake_up"}, blocking=True
    )
    assert not vebus_sim.device.asleep
    await coordinator.async_refresh()
    assert hass.states.get(BATTERY_VOLTAGE).state != STATE_UNAVAILABLE
