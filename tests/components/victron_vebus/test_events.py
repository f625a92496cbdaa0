"""Events: an alarm, a pre-alarm or a VE.Bus error that comes on, a charger's error that
appears, each an event an automation triggers on without templates (README, "Events")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    ServiceCall,
    State,
    callback,
)
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
import yaml

from custom_components.victron_vebus.victron_serial.vebus import ALARM_NAMES
from tests.waiting import wait_for
from vebus_sim import Simulator
from vebus_sim.vedirect import ChargerSimulator

from .charger_helpers import PREFIX, add_charger_through_flow
from .conftest import add_entry
from .test_readme import yaml_blocks

README = Path(__file__).parents[3] / "README.md"
ALARM = "event.multiplus_alarm_raised"
CHARGER_ERROR = f"event.{PREFIX}_error_raised"


def bit(*names: str) -> int:
    return sum(1 << ALARM_NAMES.index(name) for name in names)


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


def recorder_of(hass: HomeAssistant, entity_id: str) -> list[State]:
    """Every state ``entity_id`` takes from now on (an event each)."""
    seen: list[State] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        if (new := event.data["new_state"]) is not None:
            seen.append(new)

    async_track_state_change_event(hass, entity_id, record)
    return seen


async def test_alarms_coming_on_are_events_each(
    hass: HomeAssistant, setup_integration: MockConfigEntry, vebus_sim: Simulator
) -> None:
    assert hass.states.get(ALARM).state == STATE_UNKNOWN
    events = recorder_of(hass, ALARM)
    vebus_sim.device.alarms = bit("overload_prealarm")
    await refresh(hass, setup_integration)
    # Two more come on in one reading, the pre-alarm stays: two events, in the order listed.
    vebus_sim.device.alarms = bit("overload_prealarm", "low_battery_alarm", "overload_alarm")
    await refresh(hass, setup_integration)
    await refresh(hass, setup_integration)  # nothing new: no event
    assert [s.attributes["event_type"] for s in events] == [
        "overload_prealarm",
        "low_battery_alarm",
        "overload_alarm",
    ]
    # Gone and back: an event again.
    vebus_sim.device.alarms = bit("overload_prealarm", "overload_alarm")
    await refresh(hass, setup_integration)
    vebus_sim.device.alarms = bit("overload_prealarm", "low_battery_alarm", "overload_alarm")
    await refresh(hass, setup_integration)
    assert [s.attributes["event_type"] for s in events][3:] == ["low_battery_alarm"]


async def test_a_vebus_error_is_an_event_with_its_name_and_number(
    hass: HomeAssistant, setup_integration: MockConfigEntry, vebus_sim: Simulator
) -> None:
    events = recorder_of(hass, ALARM)
    vebus_sim.device.error_byte = 17
    await refresh(hass, setup_integration)
    vebus_sim.device.error_byte = 0xE0 | 26
    await refresh(hass, setup_integration)
    vebus_sim.device.error_byte = 0
    await refresh(hass, setup_integration)  # cleared: no event
    assert [
        (s.attributes["event_type"], s.attributes["error"], s.attributes["code"]) for s in events
    ] == [
        ("vebus_error", "new_master", 17),
        ("vebus_error", "internal_error", 26),
    ]


async def test_what_stands_at_the_start_is_no_event(hass: HomeAssistant) -> None:
    """The alarm binary sensor shows a standing alarm; the event entity waits for a change."""
    sim = Simulator("multiplus-12", paced=False, live=False, seed=7)
    sim.device.alarms = bit("low_battery_alarm")
    sim.device.error_byte = 17
    try:
        entry = await add_entry(hass, await sim.start_pty())
        await refresh(hass, entry)
        assert hass.states.get("binary_sensor.multiplus_low_battery_alarm").state == "on"
        assert hass.states.get(ALARM).state == STATE_UNKNOWN
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


def readme_automation(alias: str) -> dict[str, Any]:
    for block in map(yaml.safe_load, yaml_blocks(README.read_text())):
        for automation in block.get("automation", []) if isinstance(block, dict) else []:
            if automation["alias"] == alias:
                return automation  # type: ignore[no-any-return]
    raise AssertionError(f"README.md has no automation {alias!r}")


@pytest.mark.parametrize("first", ["overload_alarm", "low_battery_prealarm"])
async def test_the_readmes_automation_acts_on_its_alarm_only(
    hass: HomeAssistant, setup_integration: MockConfigEntry, vebus_sim: Simulator, first: str
) -> None:
    """README's example, as pasted: the heat pump goes off on the low battery alarm, not on
    another alarm raised before it."""
    automation = readme_automation("Switch the heat pump off on a low battery alarm")
    assert await async_setup_component(hass, "automation", {"automation": [automation]})
    calls: list[ServiceCall] = async_mock_service(hass, "switch", "turn_off")
    vebus_sim.device.alarms = bit(first)
    await refresh(hass, setup_integration)
    assert calls == []
    vebus_sim.device.alarms = bit(first, "low_battery_alarm")
    await refresh(hass, setup_integration)
    assert [call.data["entity_id"] for call in calls] == [["switch.heat_pump"]]


async def test_a_charger_error_is_an_event_of_its_type(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    await add_charger_through_flow(hass, await charger_sim.start_pty())
    await wait_for(lambda: hass.states.get(CHARGER_ERROR) is not None, "the event entity")
    assert hass.states.get(CHARGER_ERROR).state == STATE_UNKNOWN
    events = recorder_of(hass, CHARGER_ERROR)
    charger_sim.charger.error = 2
    await wait_for(lambda: len(events) == 1, "the first error's event")
    charger_sim.charger.error = 250
    await wait_for(lambda: len(events) == 2, "the unknown error's event")
    assert [(s.attributes["event_type"], s.attributes["code"]) for s in events] == [
        ("battery_voltage_too_high", 2),
        ("other", 250),
    ]
