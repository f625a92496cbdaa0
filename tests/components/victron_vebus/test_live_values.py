"""The key values between refreshes: battery, state of charge and AC power show the newest
sample at least once per live interval (1 s by default), long before the next refresh; the
others wait for the refresh; a value that did not change writes no new state."""

from __future__ import annotations

from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import CONF_SCAN_INTERVAL
from custom_components.victron_vebus.live_values import LiveValues
from custom_components.victron_vebus.victron_serial.vebus import (
    PowerSample,
    RamVar,
    UnitState,
    VEBusStatus,
)
from tests.waiting import wait_for
from vebus_sim import Simulator

VOLTAGE = "sensor.multiplus_battery_voltage"
OUTPUT_POWER = "sensor.multiplus_ac_output_power"
AC_OUTPUT_VOLTAGE = "sensor.multiplus_ac_output_voltage"  # not a key value: refreshes only


@pytest.fixture
def entry_options() -> dict[str, object]:
    """Refreshes 5 minutes apart: what changes within the test came from the samples."""
    return {CONF_SCAN_INTERVAL: 300}


def value(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


async def test_key_values_follow_the_unit_between_refreshes(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    refreshes = coordinator.counters["refreshes"]
    ac_output_voltage = value(hass, AC_OUTPUT_VOLTAGE)
    device = vebus_sim.device
    device.set_ram_value(RamVar.BATTERY_VOLTAGE, 13.37)
    device.set_ram_value(RamVar.OUTPUT_POWER, 1234)
    device.set_ram_value(RamVar.INVERTER_VOLTAGE, ac_output_voltage + 5)
    await wait_for(lambda: value(hass, VOLTAGE) == 13.37, "the sampled battery voltage")
    await wait_for(lambda: value(hass, OUTPUT_POWER) == 1234, "the sampled AC output power")
    assert coordinator.counters["refreshes"] == refreshes  # no refresh brought them
    assert value(hass, AC_OUTPUT_VOLTAGE) == ac_output_voltage  # waits for the refresh
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert value(hass, AC_OUTPUT_VOLTAGE) == pytest.approx(ac_output_voltage + 5, abs=0.01)


async def test_a_steady_value_writes_no_new_state(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    """The frozen simulator's battery holds still: samples go on, its state stays as is."""
    coordinator = setup_integration.runtime_data
    first = coordinator.counters["samples"]  # the first sample may differ from the refresh
    await wait_for(lambda: coordinator.counters["samples"] >= first + 4, "four samples")
    changes: list[Event[EventStateChangedData]] = []

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        changes.append(event)

    async_track_state_change_event(hass, [VOLTAGE, OUTPUT_POWER], changed)
    samples = coordinator.counters["samples"]
    await wait_for(lambda: coordinator.counters["samples"] >= samples + 12, "twelve samples")
    assert changes == []


@pytest.mark.parametrize(("interval", "told"), [(1, [0.0, 1.0, 2.0, 3.0]), (2, [0.0, 2.0])])
def test_entities_are_told_once_per_live_interval(interval: int, told: list[float]) -> None:
    """Samples every 0.25 s for 3 s: the entities hear of them once per interval."""
    now = 0.0
    data = UnitState(status=VEBusStatus(1170212, 0))
    heard: list[float] = []
    live = LiveValues(interval, lambda: data, lambda new: None, monotonic=lambda: now)
    live.async_add_listener(lambda: heard.append(now))
    for step in range(13):
        now = step * 0.25
        live.on_sample(PowerSample(at=now, battery_voltage=13.0))
    assert heard == told
