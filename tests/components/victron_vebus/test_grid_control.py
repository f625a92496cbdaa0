"""The ESS control in Home Assistant: options, the grid sensor driving it, repairs,
the charge/discharge actions, against the live simulator over a pty.

The unit and the simulator share a FakeClock: the test moves simulated time (and the
controller's) on, while Home Assistant's own timers (the sampler, the refresh) run as they
do. The simulated grid meter is a state written for ``sensor.grid_power`` from the
simulator's AC-in power (plus what the household has beside the unit)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
import json
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    EVENT_HOMEASSISTANT_STOP,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, mock_restore_cache

from custom_components.victron_vebus.const import (
    CONF_ESS_MAX_POWER,
    CONF_GRID_CONTROL,
    CONF_PERSIST_SETTINGS,
    CONF_SCAN_INTERVAL,
    DOMAIN,
)
from custom_components.victron_vebus.coordinator import VEBusCoordinator
from custom_components.victron_vebus.diagnostics import async_get_config_entry_diagnostics
from custom_components.victron_vebus.grid_control import grid_watts
from custom_components.victron_vebus.victron_serial.vebus import (
    EssController,
    RamVar,
    Setting,
    VEBusUnit,
)
from tests.clock import FakeClock
from tests.waiting import wait_for
from vebus_sim import Simulator

from .conftest import add_entry
from .test_config_flow import GRID_DEFAULTS, add_entry as add_flow_entry

METER = "sensor.grid_power"
SWITCH = "switch.multiplus_ess_grid_target"
CONTROL = "sensor.multiplus_ess_control"
SETPOINT = "number.multiplus_ess_setpoint"
STALE_TIME = 5
GRID = {
    **GRID_DEFAULTS,
    "grid_sensor": METER,
    "deadband": 50,
    "max_charge_power": 1200,
    "max_discharge_power": 2500,
    "ramp": 2000,
    "min_soc": 20,
    "max_soc": 95,
    "meter_stale_time": STALE_TIME,
}
OPTIONS = {CONF_GRID_CONTROL: GRID}


# --- the options ---------------------------------------------------------------------------


def base_options(**grid: Any) -> dict[str, Any]:
    return {
        CONF_SCAN_INTERVAL: 5,
        CONF_PERSIST_SETTINGS: False,
        CONF_ESS_MAX_POWER: 2000,
        CONF_GRID_CONTROL: {"grid_sensor": METER, **grid},
    }


async def test_options_take_the_grid_control(hass: HomeAssistant) -> None:
    entry = add_flow_entry(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        base_options(grid_sign="export_positive", max_charge_power=1500, max_discharge_power=2000),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    grid = entry.options[CONF_GRID_CONTROL]
    assert grid["grid_sensor"] == METER
    assert grid["grid_sign"] == "export_positive"
    assert (grid["max_charge_power"], grid["max_discharge_power"]) == (1500, 2000)


@pytest.mark.parametrize(
    ("grid", "error"),
    [
        ({"max_charge_power": 2001, "max_discharge_power": 1000}, "above_ess_max_power"),
        ({"max_charge_power": 1000, "max_discharge_power": 2500}, "above_ess_max_power"),
        ({"max_charge_power": 1000, "min_soc": 80, "max_soc": 80}, "soc_limits"),
    ],
)
async def test_options_refuse_powers_above_the_ess_maximum_and_crossed_soc_limits(
    hass: HomeAssistant, grid: dict[str, Any], error: str
) -> None:
    entry = add_flow_entry(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], base_options(**({"max_discharge_power": 1000} | grid))
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert entry.options == {}


def test_the_meter_is_read_in_watts_either_sign() -> None:
    kw = {"unit_of_measurement": "kW"}
    watts = {"unit_of_measurement": "W"}
    assert grid_watts(State(METER, "1.25", kw), export_positive=False) == 1250.0
    assert grid_watts(State(METER, "1.25", kw), export_positive=True) == -1250.0
    assert grid_watts(State(METER, "-300", watts), export_positive=False) == -300.0
    for state in (
        State(METER, STATE_UNAVAILABLE, watts),
        State(METER, "unknown", watts),
        State(METER, "a lot", watts),
        State(METER, "nan", watts),
        State(METER, "300", {"unit_of_measurement": "kWh"}),  # not a power
        State(METER, "300", {}),
        None,
    ):
        assert grid_watts(state, export_positive=False) is None


# --- on the simulator ------------------------------------------------------------------------


class Meter:
    """The simulated grid meter: the simulator's AC-in plus the household beside the unit.

    Simulated time goes on a quarter second a reading, and waits for a sample of the unit
    every second of it, so the unit is read about as often as in real time even when a
    busy machine delays the sampler (which runs on Home Assistant's real timers)."""

    def __init__(self, hass: HomeAssistant, sim: Simulator, entry: MockConfigEntry) -> None:
        self.hass, self.sim = hass, sim
        self.unit = coordinator_of(entry).unit
        clock = self.unit.clock
        assert isinstance(clock, FakeClock)
        self.clock = clock
        self.beside = 0.0
        self._ticks = 0

    def grid(self) -> float:
        self.sim.device.refresh()
        return -self.sim.device.ram_value(RamVar.INPUT_POWER) + self.beside

    def write(self, value: float | None = None) -> None:
        state = f"{self.grid() if value is None else value:.0f}"
        attributes = {"unit_of_measurement": "W", "device_class": "power"}
        self.hass.states.async_set(METER, state, attributes, force_update=True)

    async def run(self, seconds: float, *, reading: bool = True) -> None:
        """``seconds`` of simulated time in quarter seconds, a reading each (or none)."""
        for _ in range(round(seconds / 0.25)):
            self.clock.advance(0.25)
            if reading:
                self.write()
            self._ticks += 1
            if self._ticks % 4:
                await asyncio.sleep(0.01)  # the control acts on the reading meanwhile
            else:
                samples = self.unit.counters["samples"]
                await wait_for(lambda s=samples: self.unit.counters["samples"] > s, "a sample")

    async def until_within(self, deadband: float, what: str) -> None:
        """Run until eight readings in a row are within ``deadband`` of 0 W."""
        loop = asyncio.get_running_loop()
        deadline, inside = loop.time() + 30, 0
        while inside < 8:
            assert loop.time() < deadline, f"still waiting: {what} (grid {self.grid():.0f} W)"
            await self.run(0.25)
            inside = inside + 1 if abs(self.grid()) <= deadband else 0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def live_sim(clock: FakeClock) -> AsyncIterator[Simulator]:
    sim = Simulator("multiplus-12", paced=False, seed=9, heartbeat=3600, clock=clock.time)
    sim.device.physics.soc = 0.6
    yield sim
    await sim.stop()


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return OPTIONS


@pytest.fixture
async def entry(
    hass: HomeAssistant, live_sim: Simulator, clock: FakeClock, entry_options: dict[str, Any]
) -> AsyncIterator[MockConfigEntry]:
    hass.states.async_set(METER, "350", {"unit_of_measurement": "W"})
    entry = await add_entry(hass, await live_sim.start_pty(), entry_options)
    entry.runtime_data.unit.clock = clock
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


def coordinator_of(entry: MockConfigEntry) -> VEBusCoordinator:
    coordinator: VEBusCoordinator = entry.runtime_data
    return coordinator


def control_of(entry: MockConfigEntry) -> EssController:
    control = coordinator_of(entry).unit.ess_control
    assert control is not None
    return control


def issue(hass: HomeAssistant, kind: str, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{kind}_{entry.entry_id}")


async def switch(hass: HomeAssistant, on: bool) -> None:
    service = "turn_on" if on else "turn_off"
    await hass.services.async_call("switch", service, {"entity_id": SWITCH}, blocking=True)


async def holding(hass: HomeAssistant, live_sim: Simulator, entry: MockConfigEntry) -> Meter:
    """The grid target on, holding the grid while the unit feeds a 1500 W load."""
    meter = Meter(hass, live_sim, entry)
    await switch(hass, True)
    live_sim.device.load = 1500.0
    await meter.until_within(50, "holding")
    return meter


async def test_the_grid_sensor_drives_the_setpoint_and_a_stale_meter_stops_it(
    hass: HomeAssistant, live_sim: Simulator, clock: FakeClock, entry: MockConfigEntry
) -> None:
    meter = Meter(hass, live_sim, entry)
    assert hass.states.get(SWITCH).state == STATE_OFF
    assert hass.states.get(CONTROL).state == "off"
    await switch(hass, True)
    assert hass.states.get(SWITCH).state == STATE_ON

    live_sim.device.load = 1500.0  # a kettle on AC-out
    await meter.until_within(50, "the unit feeds the kettle")
    assert live_sim.device.ess_setpoint > 1000  # the unit's sign: + = feeding in
    assert float(hass.states.get(SETPOINT).state) == -live_sim.device.ess_setpoint
    assert hass.states.get(CONTROL).state == "holding"

    live_sim.device.load = 350.0
    meter.beside = -1000.0  # PV beside the unit, more than the load: it charges instead
    await meter.until_within(50, "the unit takes the PV")
    assert live_sim.device.ess_setpoint < 0

    await meter.run(STALE_TIME, reading=False)  # the meter stops
    await wait_for(lambda: live_sim.device.ess_setpoint == 0, "0 W")
    await wait_for(lambda: hass.states.get(CONTROL).state == "meter_stale", "shown stale")
    stale = issue(hass, "grid_meter_stale", entry)
    assert stale is not None
    assert stale.translation_placeholders == {
        "title": entry.title,
        "sensor": METER,
        "stale_time": str(STALE_TIME),
    }

    await meter.until_within(50, "back once the meter is")
    assert issue(hass, "grid_meter_stale", entry) is None
    assert hass.states.get(CONTROL).state == "holding"

    hass.states.async_set(METER, "a lot", {"unit_of_measurement": "W"})  # not a number
    await wait_for(lambda: hass.states.get(CONTROL).state == "meter_unavailable", "shown")
    assert live_sim.device.ess_setpoint == 0  # at once
    hass.states.async_set(METER, STATE_UNAVAILABLE)
    await meter.run(STALE_TIME - 1, reading=False)
    assert hass.states.get(CONTROL).state == "meter_unavailable"
    assert issue(hass, "grid_meter_stale", entry) is None  # not for a moment's gap

    await meter.until_within(50, "back again")
    await switch(hass, False)
    assert live_sim.device.ess_setpoint == 0
    assert hass.states.get(CONTROL).state == "off"
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    decisions = diagnostics["coordinator"]["ess_control"]["decisions"]
    assert 0 < len(decisions) <= 50
    assert {"meter", "estimate", "setpoint", "reason"} <= decisions[-1].keys()
    assert decisions[-1]["reason"] == "off"
    json.dumps(diagnostics, default=str)


async def test_a_lost_unit_raises_a_repair_and_the_control_resumes(
    hass: HomeAssistant, live_sim: Simulator, clock: FakeClock, entry: MockConfigEntry
) -> None:
    meter = await holding(hass, live_sim, entry)
    coordinator = coordinator_of(entry)

    await live_sim.unplug()
    await coordinator.async_refresh()
    assert control_of(entry).state == "unit_lost"
    assert issue(hass, "ess_unit_lost", entry) is not None
    assert coordinator.unit.ess is not None
    assert coordinator.unit.ess.watts == 0  # counted gone; the unit drops it by itself

    await live_sim.replug()
    await coordinator.async_refresh()
    await meter.until_within(50, "holding again")
    assert issue(hass, "ess_unit_lost", entry) is None
    assert live_sim.device.ess_setpoint > 1000


async def test_unloading_returns_the_setpoint_to_zero(
    hass: HomeAssistant, live_sim: Simulator, clock: FakeClock, entry: MockConfigEntry
) -> None:
    await holding(hass, live_sim, entry)
    assert live_sim.device.ess_setpoint > 1000
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert live_sim.device.ess_setpoint == 0


async def test_unloading_removes_the_repairs(
    hass: HomeAssistant, live_sim: Simulator, clock: FakeClock, entry: MockConfigEntry
) -> None:
    meter = Meter(hass, live_sim, entry)
    await switch(hass, True)
    await meter.run(1)
    await meter.run(STALE_TIME, reading=False)
    await wait_for(lambda: issue(hass, "grid_meter_stale", entry) is not None, "the repair")
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, "grid_meter_stale", entry) is None


@pytest.mark.parametrize("entry_options", [{}])
async def test_without_a_grid_sensor_there_is_no_switch(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    assert hass.states.get(SWITCH) is None
    assert hass.states.get(CONTROL).state == "off"


# --- to a state of charge ----------------------------------------------------------------


async def advance_with_a_sample(unit: VEBusUnit, clock: FakeClock, seconds: float) -> None:
    """Simulated time on, then one sample of the unit at the new time."""
    clock.advance(seconds)
    samples = unit.counters["samples"]
    await wait_for(lambda: unit.counters["samples"] > samples + 1, "a sample")


async def to_soc(hass: HomeAssistant, entry: MockConfigEntry, service: str, **data: Any) -> None:
    await hass.services.async_call(
        DOMAIN, service, {"config_entry_id": entry.entry_id, **data}, blocking=True
    )


async def test_charge_to_soc_reaches_the_target_and_restores_the_setpoint(
    hass: HomeAssistant, live_sim: Simulator, clock: FakeClock, entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": SETPOINT, "value": -300}, blocking=True
    )
    assert live_sim.device.ess_setpoint == 300  # feeding in 300 W by hand
    await to_soc(hass, entry, "charge_to_soc", soc=61, power=1000)
    assert live_sim.device.ess_setpoint == -1000
    assert hass.states.get(CONTROL).state == "charging_to_soc"

    unit = coordinator_of(entry).unit
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while control_of(entry).program is not None:  # 1 % of 2.4 kWh at 1 kW: 86 s
        assert loop.time() < deadline, f"still charging at {unit.soc} %"
        await advance_with_a_sample(unit, clock, 5)
    assert unit.soc is not None
    assert unit.soc >= 61
    await wait_for(lambda: live_sim.device.ess_setpoint == 300, "the setpoint before again")
    await wait_for(lambda: hass.states.get(CONTROL).state == "off", "the control off")
    assert float(hass.states.get(SETPOINT).state) == -300


async def test_discharge_to_soc_ends_at_its_deadline(
    hass: HomeAssistant, live_sim: Simulator, clock: FakeClock, entry: MockConfigEntry
) -> None:
    deadline = dt_util.now() + timedelta(minutes=1)
    await to_soc(hass, entry, "discharge_to_soc", soc=30, power=800, deadline=deadline.isoformat())
    assert live_sim.device.ess_setpoint == 800
    assert hass.states.get(CONTROL).state == "discharging_to_soc"
    unit = coordinator_of(entry).unit
    for _ in range(11):  # 55 s
        await advance_with_a_sample(unit, clock, 5)
    assert live_sim.device.ess_setpoint == 800
    await advance_with_a_sample(unit, clock, 6)
    await wait_for(lambda: live_sim.device.ess_setpoint == 0, "back to 0 W at the deadline")
    await wait_for(lambda: hass.states.get(CONTROL).state == "off", "the control off")


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        (
            {"soc": 96, "power": 500},
            "above_soc_option",
            {"item": "Target state of charge", "value": "96 %", "maximum": "95 %"},
        ),
        ({"soc": 50, "power": 500}, "below_soc_now", {"value": "50 %", "minimum": "60 %"}),
        ({"soc": 80, "power": 1201}, "above_ess_control", {"maximum": "1200 W"}),
        ({"soc": 80, "power": 0}, "below_ess_control", {"minimum": "1 W"}),
        (
            {"soc": 80, "power": 500, "deadline": "2001-01-01T00:00:00+00:00"},
            "deadline_passed",
            {},
        ),
    ],
)
async def test_programs_out_of_range_are_refused_with_the_bound(
    hass: HomeAssistant,
    live_sim: Simulator,
    entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    with pytest.raises(ServiceValidationError) as refused:
        await to_soc(hass, entry, "charge_to_soc", **data)
    assert refused.value.translation_key == key
    assert placeholders.items() <= (refused.value.translation_placeholders or {}).items()
    assert live_sim.device.ess_setpoint == 0
    assert control_of(entry).program is None


async def test_programs_are_refused_without_the_battery_monitor(
    hass: HomeAssistant, live_sim: Simulator
) -> None:
    live_sim.device.set_setting(Setting.BATTERY_CAPACITY, 0)  # the monitor off: no SOC
    entry = await add_entry(hass, await live_sim.start_pty())
    for service in ("charge_to_soc", "discharge_to_soc"):
        with pytest.raises(ServiceValidationError) as refused:
            await to_soc(hass, entry, service, soc=50, power=500)
        assert refused.value.translation_key == "no_soc"
    assert live_sim.device.ess_setpoint == 0
    await hass.config_entries.async_unload(entry.entry_id)


async def test_programs_are_refused_without_an_ess_assistant(hass: HomeAssistant) -> None:
    sim = Simulator("multiplus-12", paced=False, live=False, ess=False)
    try:
        entry = await add_entry(hass, await sim.start_pty())
        with pytest.raises(ServiceValidationError) as refused:
            await to_soc(hass, entry, "charge_to_soc", soc=90, power=500)
        assert refused.value.translation_key == "no_ess"
        assert hass.states.get(CONTROL) is None
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


# --- restored, and three phases --------------------------------------------------------------


async def test_the_grid_target_is_on_again_after_a_restart(
    hass: HomeAssistant, live_sim: Simulator
) -> None:
    mock_restore_cache(hass, [State(SWITCH, STATE_ON)])
    hass.states.async_set(METER, "350", {"unit_of_measurement": "W"})
    entry = await add_entry(hass, await live_sim.start_pty(), OPTIONS)
    assert hass.states.get(SWITCH).state == STATE_ON
    assert control_of(entry).enabled
    await hass.config_entries.async_unload(entry.entry_id)
    assert live_sim.device.ess_setpoint == 0


async def test_three_phases_show_each_share_and_the_total(hass: HomeAssistant) -> None:
    sim = Simulator("multiplus2-48", phases=3, paced=False, live=False, seed=2)
    try:
        entry = await add_entry(hass, await sim.start_pty(), {CONF_ESS_MAX_POWER: 6000})
        setpoint = "number.multiplus_ii_ess_setpoint"  # the MultiPlus-II's
        await hass.services.async_call(
            "number", "set_value", {"entity_id": setpoint, "value": 1000}, blocking=True
        )
        assert [unit.ess_setpoint for unit in sim.device.units] == [-334, -333, -333]
        assert float(hass.states.get(setpoint).state) == 1000
        shares = [
            hass.states.get(f"sensor.multiplus_ii_ess_setpoint_l{phase}") for phase in (1, 2, 3)
        ]
        assert [share.state for share in shares if share is not None] == ["334", "333", "333"]
        await hass.config_entries.async_unload(entry.entry_id)
        assert [unit.ess_setpoint for unit in sim.device.units] == [0, 0, 0]
    finally:
        await sim.stop()


def non_version_requests(sim: Simulator, since: int) -> list[bytes]:
    """What reached the unit since ``since`` besides 'V' (whether it answers)."""
    return [raw for raw in sim.requests[since:] if raw[1:3] != b"\xffV"]


@pytest.mark.parametrize("button", ["sleep", "standby"])
async def test_sleep_and_standby_end_the_grid_target_and_release_the_setpoint(
    hass: HomeAssistant,
    live_sim: Simulator,
    clock: FakeClock,
    entry: MockConfigEntry,
    button: str,
) -> None:
    meter = await holding(hass, live_sim, entry)
    assert live_sim.device.ess_setpoint > 1000
    await hass.services.async_call(
        "button", "press", {"entity_id": f"button.multiplus_{button}"}, blocking=True
    )
    assert live_sim.device.ess_setpoint == 0
    assert hass.states.get(SWITCH).state == STATE_OFF
    assert hass.states.get(CONTROL).state == "off"
    assert hass.states.get(SETPOINT).state == "0"
    if button == "sleep":
        await wait_for(lambda: live_sim.device.asleep, "the unit asleep")
    sent = len(live_sim.requests)
    for _ in range(64):  # 16 s of meter readings: nothing the control would answer
        clock.advance(0.25)
        meter.write(1500.0)
    await coordinator_of(entry).async_refresh()
    await hass.async_block_till_done()
    if button == "sleep":
        assert non_version_requests(live_sim, sent) == []
        with pytest.raises(ServiceValidationError, match="asleep"):
            await switch(hass, True)
        assert hass.states.get(SWITCH).state == STATE_OFF
        assert non_version_requests(live_sim, sent) == []
    assert live_sim.device.ess_setpoint == 0
    assert not control_of(entry).active


async def test_after_home_assistant_stops_the_grid_target_opens_nothing(
    hass: HomeAssistant, live_sim: Simulator, clock: FakeClock, entry: MockConfigEntry
) -> None:
    meter = await holding(hass, live_sim, entry)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert live_sim.device.ess_setpoint == 0
    client = coordinator_of(entry).unit.client
    connects, sent = client.stats.connects, len(live_sim.requests)
    await switch(hass, False)
    with pytest.raises(HomeAssistantError, match="closed"):
        await switch(hass, True)
    for _ in range(8):
        clock.advance(0.25)
        meter.write(1615.0)
    await hass.async_block_till_done()
    assert live_sim.requests[sent:] == []
    assert client.stats.connects == connects and not client.connected
    assert live_sim.device.ess_setpoint == 0
    assert not control_of(entry).active


async def test_a_hand_set_setpoint_is_refused_while_the_grid_target_holds_it(
    hass: HomeAssistant, live_sim: Simulator, entry: MockConfigEntry
) -> None:
    await switch(hass, True)
    ess = coordinator_of(entry).unit.ess
    assert ess is not None
    for service, domain, data in (
        ("set_value", "number", {"entity_id": SETPOINT, "value": 800}),
        ("set_ess_setpoint", DOMAIN, {"config_entry_id": entry.entry_id, "power": 800}),
        (
            "write_ram_var",
            DOMAIN,
            {"config_entry_id": entry.entry_id, "variable": ess.ram_id, "value": -800},
        ),
    ):
        with pytest.raises(ServiceValidationError) as held:
            await hass.services.async_call(domain, service, data, blocking=True)
        assert held.value.translation_key == "ess_setpoint_held"
        assert held.value.translation_placeholders == {"entity": SWITCH}
    assert control_of(entry).enabled  # the control goes on
    await switch(hass, False)
    await hass.services.async_call(
        "number", "set_value", {"entity_id": SETPOINT, "value": 800}, blocking=True
    )
    assert live_sim.device.ess_setpoint == -800
