"""Setting up and unloading an entry against the simulator; losing and regaining it."""

from __future__ import annotations

from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import CONF_PORT, DOMAIN
from custom_components.victron_vebus.victron_serial.vebus import Energy
from tests.waiting import wait_for, wait_for_async
from vebus_sim import Simulator

from .conftest import add_entry, loud, recovered

BATTERY_VOLTAGE = "sensor.multiplus_battery_voltage"
DEVICE_STATE = "sensor.multiplus_device_state"
ESS_SETPOINT = "number.multiplus_ess_setpoint"


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


async def test_unload_during_a_refresh_lets_it_end_and_logs_no_error(
    hass: HomeAssistant,
    vebus_sim: Simulator,
    setup_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = setup_integration
    coordinator = entry.runtime_data
    client = coordinator.unit.client
    vebus_sim.faults.slow = 0.2  # each reply late, but in time: the refresh takes a while
    asked = len(vebus_sim.requests)
    refresh = hass.async_create_task(coordinator.async_refresh())
    await wait_for(lambda: len(vebus_sim.requests) > asked, "the refresh's first request")
    caplog.clear()
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert refresh.done()
    assert coordinator.last_update_success  # it ended as it would have, then the port closed
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not client.connected
    assert loud(caplog) == []  # (asyncio's slow-callback notes on a busy machine are not ours)


async def test_missing_port_retries_setup_and_closes(hass: HomeAssistant, tmp_path: Path) -> None:
    entry = await add_entry(hass, str(tmp_path / "ttyUSB7"), loads=False)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_silent_device_retries_setup(hass: HomeAssistant, vebus_sim: Simulator) -> None:
    vebus_sim.faults.silent = True
    entry = await add_entry(hass, await vebus_sim.start_pty(), loads=False)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_busy_port_raises_a_repair_issue_until_it_is_free(
    hass: HomeAssistant, vebus_sim: Simulator
) -> None:
    from custom_components.victron_vebus.victron_serial.vebus import VEBusClient

    path = await vebus_sim.start_pty()
    holder = VEBusClient(path)
    await holder.connect()
    entry = await add_entry(hass, path, loads=False)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"port_busy_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"port": path, "title": entry.title}
    assert issue.is_fixable  # the repair tries again (test_repairs.py)
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

    await wait_for_async(lambda: recovered(hass, coordinator), "a refresh after the port came back")
    state = hass.states.get(BATTERY_VOLTAGE)
    assert state.state == f"{vebus_sim.device.ram_value(4):.2f}".rstrip("0").rstrip(".")


async def test_sleep_is_a_state_not_an_error(
    hass: HomeAssistant,
    vebus_sim: Simulator,
    setup_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator = setup_integration.runtime_data
    await hass.services.async_call(
        "number", "set_value", {"entity_id": ESS_SETPOINT, "value": 1500}, blocking=True
    )
    assert vebus_sim.device.ess_setpoint == -1500
    caplog.clear()
    await press(hass, "button.multiplus_sleep")
    assert hass.states.get(DEVICE_STATE).state == "sleeping"  # at once, not at the next poll
    await wait_for(lambda: vebus_sim.device.asleep, "the unit asleep")  # no reply to wait for
    assert vebus_sim.device.ess_setpoint == 0  # released before the unit went to sleep
    for _ in range(3):  # silent refreshes: asleep, not failed
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert coordinator.last_update_success
        assert hass.states.get(DEVICE_STATE).state == "sleeping"
        assert hass.states.get(BATTERY_VOLTAGE).state == STATE_UNKNOWN
        assert hass.states.get(ESS_SETPOINT).state == "0"
        assert hass.states.get("button.multiplus_wake_up").state != STATE_UNAVAILABLE
    assert loud(caplog) == []
    assert [r.getMessage() for r in caplog.records if "asleep" in r.getMessage()] == [
        f"{setup_integration.data[CONF_PORT]} is asleep"
    ]
    with pytest.raises(ServiceValidationError, match="asleep"):
        await coordinator.async_control(lambda unit: unit.set_ess_setpoint(500))
    await press(hass, "button.multiplus_wake_up")
    assert not vebus_sim.device.asleep
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(BATTERY_VOLTAGE).state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    assert hass.states.get(DEVICE_STATE).state != "sleeping"
    assert float(hass.states.get(ESS_SETPOINT).state) == 0  # the setpoint did not come back
    assert vebus_sim.device.ess_setpoint == 0


def _logbook_visible(state: State) -> bool:
    """Whether Home Assistant's logbook lists changes of this entity: all but sensors with
    a unit or a state class (its "continuous" ones)."""
    attributes = state.attributes
    return not (
        state.domain == "sensor"
        and ("unit_of_measurement" in attributes or "state_class" in attributes)
    )


async def test_a_sleeping_unit_keeps_what_it_holds_and_nothing_goes_unavailable(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    coordinator.unit.energy.restore(Energy.BATTERY_IN, 12.5)  # a total worth keeping
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    entity_ids = [
        entry.entity_id
        for entry in er.async_entries_for_config_entry(registry, setup_integration.entry_id)
        if entry.disabled_by is None
    ]
    before = {entity_id: hass.states.get(entity_id) for entity_id in entity_ids}
    await press(hass, "button.multiplus_sleep")
    await wait_for(lambda: vebus_sim.device.asleep, "the unit asleep")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    after = {entity_id: hass.states.get(entity_id) for entity_id in entity_ids}

    assert [e for e, state in after.items() if state.state == STATE_UNAVAILABLE] == []
    # Counters keep theirs (samples taken before the sleep may add a trace to it).
    assert float(after["sensor.multiplus_battery_energy_in"].state) == pytest.approx(12.5, abs=1e-3)
    assert after[BATTERY_VOLTAGE].state == STATE_UNKNOWN  # nothing is read from a sleeper
    for held in (  # what the unit holds while it sleeps: its settings, its remote switch
        "number.multiplus_absorption_voltage",
        "number.multiplus_ac_input_current_limit",
        "select.multiplus_mode",
        "switch.multiplus_charging_allowed",
        "switch.multiplus_keep_awake",
        "button.multiplus_standby",
    ):
        assert after[held].state == before[held].state, held
    # The logbook: the device state says sleeping, and the unit's own reports go unknown;
    # no control or setting shows a change that did not happen.
    logged = {
        entity_id
        for entity_id, state in after.items()
        if state.state != before[entity_id].state and _logbook_visible(before[entity_id])
    } - {"button.multiplus_sleep"}  # pressed: its own entry
    assert DEVICE_STATE in logged
    assert {entity_id.split(".")[0] for entity_id in logged} <= {"sensor", "binary_sensor"}
    assert all(after[e].state == STATE_UNKNOWN for e in logged - {DEVICE_STATE}), logged


async def test_an_unplugged_port_leaves_the_energy_totals_as_they_were(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    coordinator.unit.energy.restore(Energy.GRID_IMPORT, 3.25)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    await vebus_sim.unplug()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(BATTERY_VOLTAGE).state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.multiplus_grid_energy_import").state == "3.25"


@pytest.mark.parametrize(
    ("domain", "service", "entity_id", "data"),
    [
        ("number", "set_value", ESS_SETPOINT, {"value": 500}),
        ("number", "set_value", "number.multiplus_ac_input_current_limit", {"value": 12}),
        ("number", "set_value", "number.multiplus_absorption_voltage", {"value": 14.1}),
        ("select", "select_option", "select.multiplus_mode", {"option": "charger_only"}),
        ("switch", "turn_off", "switch.multiplus_inverter", {}),
        ("switch", "turn_off", "switch.multiplus_charging_allowed", {}),
        ("switch", "turn_on", "switch.multiplus_keep_awake", {}),
        ("button", "press", "button.multiplus_standby", {}),
        ("button", "press", "button.multiplus_force_float", {}),
        ("button", "press", "button.multiplus_sleep", {}),
    ],
)
async def test_controls_used_while_asleep_say_so(
    hass: HomeAssistant,
    vebus_sim: Simulator,
    setup_integration: MockConfigEntry,
    domain: str,
    service: str,
    entity_id: str,
    data: dict[str, object],
) -> None:
    await press(hass, "button.multiplus_sleep")
    await wait_for(lambda: vebus_sim.device.asleep, "the unit asleep")
    sent = len(vebus_sim.requests)
    with pytest.raises(ServiceValidationError, match="asleep") as refused:
        await hass.services.async_call(
            domain, service, {"entity_id": entity_id, **data}, blocking=True
        )
    assert refused.value.translation_key == "asleep"
    assert [raw[1:3] for raw in vebus_sim.requests[sent:]] in ([], [b"\xffV"])  # a poll only


async def test_a_unit_that_wakes_by_itself_is_read_again(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    await press(hass, "button.multiplus_sleep")
    await wait_for(lambda: vebus_sim.device.asleep, "the unit asleep")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(DEVICE_STATE).state == "sleeping"
    vebus_sim.device.asleep = False  # AC on the input wakes it (or the front switch)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(DEVICE_STATE).state not in ("sleeping", STATE_UNAVAILABLE)
    assert hass.states.get(BATTERY_VOLTAGE).state != STATE_UNAVAILABLE


async def press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call("button", "press", {"entity_id": entity_id}, blocking=True)
