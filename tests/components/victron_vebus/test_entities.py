"""Entities show what the simulator holds, and every control changes the simulator."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from custom_components.victron_vebus.const import DOMAIN
from custom_components.victron_vebus.victron_serial.vebus import ChargeState, SwitchState
from tests.clock import FakeClock
from tests.waiting import wait_for
from vebus_sim import Faults, Simulator

from .conftest import add_entry, control, write_requests


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, f"{entity_id} does not exist"
    return current.state


def number(hass: HomeAssistant, entity_id: str) -> float:
    return float(state(hass, entity_id))


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


@pytest.mark.usefixtures("setup_integration")
async def test_sensors_show_the_simulators_values(
    hass: HomeAssistant, vebus_sim: Simulator
) -> None:
    device = vebus_sim.device
    assert number(hass, "sensor.multiplus_battery_voltage") == pytest.approx(
        device.ram_value(4), abs=0.01
    )
    assert number(hass, "sensor.multiplus_battery_current") == pytest.approx(
        device.ram_value(5), abs=0.01
    )
    assert number(hass, "sensor.multiplus_ac_input_voltage") == pytest.approx(
        device.ram_value(0), abs=0.01
    )
    assert number(hass, "sensor.multiplus_ac_output_voltage") == pytest.approx(
        device.ram_value(2), abs=0.01
    )
    assert number(hass, "sensor.multiplus_ac_input_power") == -device.ram_value(15)
    assert number(hass, "sensor.multiplus_ac_output_power") == device.ram_value(16)
    assert number(hass, "sensor.multiplus_battery") == pytest.approx(device.soc, abs=0.1)
    assert number(hass, "sensor.multiplus_ac_input_current_limit_in_force") == device.current_limit
    assert state(hass, "sensor.multiplus_device_state") == device.device_state.name.lower()
    assert state(hass, "sensor.multiplus_charge_state") == device.charge_state.name.lower()
    assert state(hass, "sensor.multiplus_actual_mode") == "on"
    assert state(hass, "sensor.multiplus_ve_bus_error") == "no_error"
    assert hass.states.get("sensor.multiplus_mains_led") is None  # LEDs start disabled
    assert state(hass, "select.multiplus_mode") == "on"
    assert state(hass, "switch.multiplus_charger") == STATE_ON
    assert state(hass, "switch.multiplus_inverter") == STATE_ON
    assert number(hass, "number.multiplus_absorption_voltage") == pytest.approx(device.setting(2))
    assert state(hass, "binary_sensor.multiplus_low_battery_alarm") == STATE_OFF


async def test_entities_are_registered_with_unique_ids_and_categories(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    entries = er.async_entries_for_config_entry(registry, setup_integration.entry_id)
    unique_ids = {(entry.domain, entry.unique_id) for entry in entries}
    assert len(unique_ids) == len(entries)  # unique within each platform
    assert all(uid.startswith(f"{setup_integration.unique_id}_") for _, uid in unique_ids)
    ripple = registry.async_get("sensor.multiplus_battery_ripple")
    assert ripple is not None
    assert ripple.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # Per-phase entities exist only for multi-phase systems.
    assert registry.async_get("sensor.multiplus_ac_input_voltage_l2") is None


async def test_multi_phase_entities(hass: HomeAssistant) -> None:
    sim = Simulator("multiplus2-48", phases=3, paced=False, live=False)
    try:
        entry = await add_entry(hass, await sim.start_pty())
        registry = er.async_get(hass)
        l1 = registry.async_get("sensor.multiplus_ii_ac_input_voltage_l1")
        l3 = registry.async_get("sensor.multiplus_ii_ac_input_voltage_l3")
        assert l1 is not None and l1.disabled_by is None
        assert l3 is not None and l3.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert number(hass, "sensor.multiplus_ii_ac_input_voltage_l1") > 100
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_a_control_cancelled_during_its_refresh_leaves_the_entities_available(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    """An automation in restart mode cancels its running action when it triggers again.
    The refresh that follows a control must not go down with it: Home Assistant takes a
    cancelled refresh for a failed one, and every entity would be unavailable."""
    vebus_sim.faults = Faults(slow=0.05)  # a refresh of several exchanges takes a while
    call = hass.async_create_task(
        hass.services.async_call(
            "select",
            "select_option",
            {"entity_id": "select.multiplus_mode", "option": "charger_only"},
            blocking=True,
        )
    )
    await wait_for(
        lambda: vebus_sim.device.switch_state == SwitchState.CHARGER_ONLY, "the mode written"
    )
    written = len(vebus_sim.requests)
    await wait_for(lambda: len(vebus_sim.requests) > written, "the refresh under way")
    call.cancel()
    await asyncio.gather(call, return_exceptions=True)
    await hass.async_block_till_done()
    assert setup_integration.runtime_data.last_update_success
    assert state(hass, "select.multiplus_mode") == "charger_only"
    assert state(hass, "sensor.multiplus_battery_voltage") != STATE_UNAVAILABLE


async def test_mode_select_and_switches_drive_the_device(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.multiplus_mode", "option": "charger_only"},
        blocking=True,
    )
    assert vebus_sim.device.switch_state == SwitchState.CHARGER_ONLY
    await refresh(hass, setup_integration)
    assert state(hass, "select.multiplus_mode") == "charger_only"
    assert state(hass, "switch.multiplus_inverter") == STATE_OFF
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.multiplus_inverter"}, blocking=True
    )
    assert vebus_sim.device.switch_state == SwitchState.ON
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.multiplus_charger"}, blocking=True
    )
    assert vebus_sim.device.switch_state == SwitchState.INVERTER_ONLY
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.multiplus_inverter"}, blocking=True
    )
    assert vebus_sim.device.switch_state == SwitchState.OFF
    await refresh(hass, setup_integration)
    assert state(hass, "select.multiplus_mode") == "off"


async def test_current_limit_is_bounded_by_the_device(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    entity_id = "number.multiplus_ac_input_current_limit"
    attributes = hass.states.get(entity_id).attributes
    assert attributes["min"] == 9.4
    assert attributes["max"] == 50.0
    for limit in (16, 20, 16):  # back to back: each shows at once, no wait for a poll
        await hass.services.async_call(
            "number", "set_value", {"entity_id": entity_id, "value": limit}, blocking=True
        )
        assert vebus_sim.device.current_limit == limit
        assert number(hass, entity_id) == limit
    await refresh(hass, setup_integration)
    assert number(hass, entity_id) == 16  # and the unit confirms it on the next read
    assert vebus_sim.device.switch_state == SwitchState.ON  # mode untouched
    sent = len(vebus_sim.requests)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "number", "set_value", {"entity_id": entity_id, "value": 80}, blocking=True
        )
    assert len(vebus_sim.requests) == sent
    assert vebus_sim.device.current_limit == 16


async def test_voltage_setting_written_ram_only_and_bounded(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    entity_id = "number.multiplus_absorption_voltage"
    stored = vebus_sim.device.eeprom_raw(2)
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": 14.1}, blocking=True
    )
    assert vebus_sim.device.setting(2) == pytest.approx(14.1)
    assert vebus_sim.device.eeprom_raw(2) == stored
    assert vebus_sim.device.eeprom_writes.get(2, 0) == 0
    await refresh(hass, setup_integration)
    current = hass.states.get(entity_id)
    assert float(current.state) == pytest.approx(14.1)
    assert current.attributes["stored_value"] == pytest.approx(stored / 100)
    writes = len(write_requests(vebus_sim))
    with pytest.raises(ServiceValidationError):
        await control(setup_integration.runtime_data, "write_setting", 2, 17.5)
    assert len(write_requests(vebus_sim)) == writes


async def test_standby_switch_button_and_forced_charge_states(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.multiplus_keep_awake"}, blocking=True
    )
    assert vebus_sim.device.interface_lines & 0x02
    assert state(hass, "switch.multiplus_keep_awake") == STATE_ON
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.multiplus_keep_awake"}, blocking=True
    )
    assert not vebus_sim.device.interface_lines & 0x02
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.multiplus_standby"}, blocking=True
    )
    assert vebus_sim.device.switch_state == SwitchState.OFF
    assert vebus_sim.device.interface_lines & 0x02
    for button, expected in (
        ("force_float", ChargeState.FLOAT),  # from absorption, the simulator's default
        ("force_absorption", ChargeState.FORCED_ABSORPTION),
        ("force_equalise", ChargeState.EQUALISE),
    ):
        await hass.services.async_call(
            "button", "press", {"entity_id": f"button.multiplus_{button}"}, blocking=True
        )
        assert vebus_sim.device.charge_state == expected
        # The state the unit answered shows at once, not at the next slow read.
        assert state(hass, "sensor.multiplus_charge_state") == expected.name.lower()


async def test_a_forced_charge_state_the_unit_does_not_take_is_reported(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    vebus_sim.device.model = replace(vebus_sim.device.model, ac_inputs=0)  # no charger
    with pytest.raises(HomeAssistantError, match="the unit answered"):
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.multiplus_force_equalise"}, blocking=True
        )


async def test_charging_allowed_keeps_the_wave_check_bits_consistent(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    entity_id = "switch.multiplus_charging_allowed"
    assert state(hass, entity_id) == STATE_ON
    await hass.services.async_call("switch", "turn_off", {"entity_id": entity_id}, blocking=True)
    flags = vebus_sim.device.setting_raw(0)
    assert flags & 0x40
    assert bool(flags & 0x80) != bool(flags & 0x08)
    assert vebus_sim.device.eeprom_writes.get(0, 0) == 0
    assert state(hass, entity_id) == STATE_OFF
    await hass.services.async_call("switch", "turn_on", {"entity_id": entity_id}, blocking=True)
    assert not vebus_sim.device.setting_raw(0) & 0x40


async def test_a_failed_write_is_reported(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    vebus_sim.faults.silent = True
    with pytest.raises(HomeAssistantError, match="did not confirm"):
        await hass.services.async_call(
            "select",
            "select_option",
            {"entity_id": "select.multiplus_mode", "option": "off"},
            blocking=True,
        )
    assert vebus_sim.device.switch_state == SwitchState.ON


async def test_nothing_is_written_when_nothing_changed(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    writes: list[str] = []
    hass.bus.async_listen("state_changed", lambda event: writes.append(event.data["entity_id"]))
    for _ in range(3):
        await refresh(hass, setup_integration)
    # Only the energy totals count on (the simulator's battery charges all the time).
    assert writes
    energy = {
        f"sensor.multiplus_{name}"
        for name in (
            "battery_energy_in",
            "battery_energy_out",
            "grid_energy_import",
            "grid_energy_export",
            "ac_output_energy",
        )
    }
    assert set(writes) <= energy, writes


async def test_keep_awake_and_energy_survive_a_restart(
    hass: HomeAssistant, vebus_sim: Simulator
) -> None:
    mock_restore_cache_with_extra_data(
        hass,
        [
            (State("switch.multiplus_keep_awake", STATE_ON), {}),
            (
                State("sensor.multiplus_battery_energy_in", "12.5"),
                {"native_value": 12.5, "native_unit_of_measurement": "kWh"},
            ),
        ],
    )
    entry = await add_entry(hass, await vebus_sim.start_pty())
    await hass.async_block_till_done()
    assert vebus_sim.device.interface_lines & 0x02  # standby line held again
    assert state(hass, "switch.multiplus_keep_awake") == STATE_ON
    # Restored; samples since the start may have added a trace of charge.
    assert number(hass, "sensor.multiplus_battery_energy_in") == pytest.approx(12.5, abs=0.01)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_battery_energy_is_integrated_from_battery_power(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    clock = FakeClock()
    coordinator.unit.clock = clock
    before = number(hass, "sensor.multiplus_battery_energy_in")
    powers = []
    for _ in range(10):  # five minutes of refreshes 30 s apart (and samples between)
        await refresh(hass, setup_integration)
        dc = coordinator.data.status.dc
        powers.append(dc.voltage * dc.current)
        clock.advance(30)
    await refresh(hass, setup_integration)
    assert min(powers) > 0  # the simulator charges
    kwh = number(hass, "sensor.multiplus_battery_energy_in") - before
    assert min(powers) * 300 / 3_600_000 * 0.99 <= kwh <= max(powers) * 300 / 3_600_000 * 1.01
    assert number(hass, "sensor.multiplus_battery_energy_out") == 0


@pytest.mark.parametrize(
    ("error_byte", "shown", "code"),
    [
        (0, "no_error", 0),
        (17, "new_master", 17),
        (0xE0 | 26, "internal_error", 26),
        (31, "other", 31),
    ],
)
async def test_vebus_error_is_named_and_keeps_its_number(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    vebus_sim: Simulator,
    error_byte: int,
    shown: str,
    code: int,
) -> None:
    vebus_sim.device.error_byte = error_byte
    await refresh(hass, setup_integration)
    current = hass.states.get("sensor.multiplus_ve_bus_error")
    assert current is not None
    assert current.state == shown
    assert current.attributes["code"] == code


async def test_a_standing_vebus_error_is_a_repair_issue_until_it_clears(
    hass: HomeAssistant, setup_integration: MockConfigEntry, vebus_sim: Simulator
) -> None:
    issues = ir.async_get(hass)
    issue_id = f"vebus_error_{setup_integration.entry_id}"
    vebus_sim.device.error_byte = 17
    await refresh(hass, setup_integration)
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["code"] == "17"
    assert issue.translation_placeholders["name"] == "new master"
    vebus_sim.device.error_byte = 0
    await refresh(hass, setup_integration)
    assert issues.async_get_issue(DOMAIN, issue_id) is None
