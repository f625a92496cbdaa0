"""The ESS control: holding the grid at a target, charging to a state of charge.

The decisions on their own first, then the real unit and client against the live
simulator over a pty, with a simulated household around it and time from a FakeClock
that the unit and the simulator share (``household``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.clock import FakeClock
from tests.vebus.household import Household, Step
from tests.waiting import wait_for
from vebus_sim import Faults, Simulator
from victron_serial.vebus import (
    DecisionReason,
    EssController,
    EssControlState,
    GridTargetSettings,
    Setting,
    StatusPlan,
    VEBusAsleepError,
    VEBusClient,
    VEBusError,
    VEBusOutOfRangeError,
    VEBusUnit,
    VEBusUnsupportedError,
)
from victron_serial.vebus.ess.controller import UNIT_SILENCE
from victron_serial.vebus.ess.decisions import SETTLE, GridTarget, check_soc_program
from victron_serial.vebus.reading.sampling import SAMPLE_PERIOD

SETTINGS = GridTargetSettings(
    target=0.0,
    deadband=50.0,
    max_charge=1200.0,
    max_discharge=2500.0,
    ramp=1000.0,
    min_soc=20.0,
    max_soc=95.0,
    stale_after=10.0,
)
START = 1_800_000_000.0


# --- the decisions on their own ---------------------------------------------------------


def grid_target(**changes: float) -> GridTarget:
    control = GridTarget(replace(SETTINGS, **changes))
    control.start(0, START)
    return control


def test_inside_the_deadband_the_setpoint_stays() -> None:
    control = grid_target()
    control.read_unit(400.0, 60.0)
    control.read_meter(40.0, START + 1)
    decision = control.decide(START + 1, START)
    assert (decision.setpoint, decision.reason) == (0, DecisionReason.IN_DEADBAND)


def test_outside_it_the_error_comes_off_the_setpoint_within_the_ramp() -> None:
    control = grid_target(ramp=500.0)
    control.read_unit(800.0, 60.0)
    control.read_meter(800.0, START + 2)
    decision = control.decide(START + 2, START)
    assert (decision.setpoint, decision.reason) == (-500, DecisionReason.RAMP_LIMITED)
    control.sync(-500, START + 2)
    # The unit followed: its AC-in (and so the grid) 500 W lower.
    control.read_unit(300.0, 60.0)
    assert control.decide(START + 2 + SETTLE / 2, START).reason == DecisionReason.SETTLING
    decision = control.decide(START + 2 + SETTLE, START)
    assert (decision.setpoint, decision.reason) == (-800, DecisionReason.CORRECTING)
    assert decision.estimate == 300.0  # the reading moved with the AC-in


def test_a_step_behind_the_unit_shows_before_the_next_reading() -> None:
    control = grid_target()
    control.read_unit(350.0, 60.0)
    control.read_meter(0.0, START + 1)
    control.read_unit(1350.0, 60.0)  # 1000 W more on AC-out, seen in the next sample
    decision = control.decide(START + 1.25, START)
    assert decision.estimate == 1000.0
    assert decision.setpoint == -1000


def test_the_maximum_powers_and_soc_limits_bound_every_decision() -> None:
    control = grid_target(ramp=10_000.0)
    control.read_unit(0.0, 60.0)
    control.read_meter(5000.0, START + 1)
    assert control.decide(START + 1, START).setpoint == -2500
    assert control.decide(START + 1, START).reason == DecisionReason.MAX_DISCHARGE
    control.read_meter(-5000.0, START + 2)
    assert control.decide(START + 2, START).setpoint == 1200
    control.read_unit(0.0, 20.0)  # at the minimum: no discharging
    control.read_meter(800.0, START + 3)
    decision = control.decide(START + 3, START)
    assert (decision.setpoint, decision.reason) == (0, DecisionReason.SOC_MINIMUM)
    control.read_unit(0.0, 95.0)  # at the maximum: no charging
    control.read_meter(-800.0, START + 4)
    decision = control.decide(START + 4, START)
    assert (decision.setpoint, decision.reason) == (0, DecisionReason.SOC_MAXIMUM)


def test_a_meter_without_a_value_or_stale_means_zero() -> None:
    control = grid_target()
    assert control.decide(START + 1, START).reason == DecisionReason.NO_METER
    control.sync(-700, START)
    control.read_meter(900.0, START + 1)
    control.meter_lost()
    decision = control.decide(START + 1, START)
    assert (decision.setpoint, decision.reason) == (0, DecisionReason.METER_UNAVAILABLE)
    control.read_meter(900.0, START + 2)  # back
    assert control.decide(START + 2, START).reason == DecisionReason.CORRECTING
    assert control.decide(START + 11.99, START).reason != DecisionReason.METER_STALE
    decision = control.decide(START + 12, START)  # the stale time after the last reading
    assert (decision.setpoint, decision.reason) == (0, DecisionReason.METER_STALE)


@pytest.mark.parametrize(
    ("charging", "target", "power", "bound", "side"),
    [
        (True, 50.0, 500, "soc_now", "below"),  # not above the SOC now
        (True, 96.0, 500, "soc_option", "above"),  # beyond the maximum SOC option
        (True, 80.0, 1201, "ess_control", "above"),  # beyond the maximum charge power
        (True, 80.0, 0, "ess_control", "below"),
        (False, 60.0, 500, "soc_now", "above"),
        (False, 19.0, 500, "soc_option", "below"),
        (False, 30.0, 2501, "ess_control", "above"),
    ],
)
def test_a_program_out_of_range_is_refused_naming_the_bound(
    charging: bool, target: float, power: float, bound: str, side: str
) -> None:
    with pytest.raises(VEBusOutOfRangeError) as refused:
        check_soc_program(
            SETTINGS, charging=charging, target=target, power=power, soc=60.0, max_power=3000
        )
    assert (refused.value.bound, refused.value.side) == (bound, side)


def test_a_program_within_range_gives_the_setpoint() -> None:
    kwargs = {"soc": 60.0, "max_power": 1000}
    assert check_soc_program(SETTINGS, charging=True, target=80, power=900, **kwargs) == 900
    assert check_soc_program(SETTINGS, charging=False, target=30, power=700, **kwargs) == -700
    with pytest.raises(VEBusOutOfRangeError):  # the ESS maximum bounds it too
        check_soc_program(SETTINGS, charging=True, target=80, power=1100, **kwargs)


# --- on the simulator ------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=START)


async def start(
    clock: FakeClock, tmp_path: Path, *, phases: int = 1, soc: float = 0.6
) -> tuple[Simulator, VEBusUnit]:
    model = "multiplus-12" if phases == 1 else "multiplus2-48"
    sim = Simulator(model, phases=phases, paced=False, seed=11, heartbeat=3600, clock=clock.time)
    for unit in sim.device.units:
        unit.physics.soc = soc
    unit = VEBusUnit(VEBusClient(await sim.start_pty(link=str(tmp_path / "ttyVEBUS"))), clock=clock)
    await unit.discover((Setting.BATTERY_CAPACITY,))
    await unit.refresh(StatusPlan(leds=False, ac=False, device_state=False))
    return sim, unit


@pytest.fixture
async def household(clock: FakeClock, tmp_path: Path) -> AsyncIterator[Household]:
    sim, unit = await start(clock, tmp_path)
    yield Household(sim, unit, clock, [Step(0, (350.0,))])
    await unit.close()
    await sim.stop()


def controller(household: Household, settings: GridTargetSettings = SETTINGS) -> EssController:
    control = household.control
    control.configure(settings)
    return control


# Ten minutes of a household: AC-out loads stepping every 20-40 s, PV on the grid side for
# two spells, the meter read every 2 s.
TEN_MINUTES = [
    Step(0, (350.0,)),
    Step(30, (1200.0,)),
    Step(60, (600.0,)),
    Step(90, (2000.0,)),
    Step(120, (150.0,), grid_side=-900.0),
    Step(150, (900.0,), grid_side=-900.0),
    Step(190, (1600.0,), grid_side=-900.0),
    Step(230, (400.0,), grid_side=-900.0),
    Step(270, (1100.0,), grid_side=-900.0),
    Step(300, (250.0,)),
    Step(340, (1800.0,)),
    Step(370, (700.0,)),
    Step(400, (300.0,), grid_side=-600.0),
    Step(430, (1400.0,), grid_side=-600.0),
    Step(470, (500.0,), grid_side=-600.0),
    Step(510, (2100.0,), grid_side=-600.0),
    Step(540, (900.0,)),
    Step(570, (1500.0,)),
]


async def test_the_grid_is_held_within_the_deadband_through_ten_minutes_of_load_steps(
    household: Household,
) -> None:
    control = controller(household)
    household.profile = TEN_MINUTES
    await control.enable()
    await household.run_for(600)

    run = household.run
    within = run.within(SETTINGS.target, SETTINGS.deadband)
    print(f"\nin the deadband for {within:.1%} of 10 minutes")
    assert within >= 0.90, f"the grid within the deadband for only {within:.1%}"
    assert max(run.setpoints) <= SETTINGS.max_charge
    assert min(run.setpoints) >= -SETTINGS.max_discharge
    assert max(run.setpoints) > 0  # it did charge (PV) and feed in (loads)
    assert min(run.setpoints) < -1500
    assert all(SETTINGS.min_soc <= soc <= SETTINGS.max_soc for soc in run.socs)
    assert control.state == EssControlState.HOLDING
    assert len(control.decisions) == 50  # a ring of the recent ones
    assert {"meter", "estimate", "setpoint", "reason"} <= control.decisions[-1].as_dict().keys()

    # The meter stops: 0 W when it has been silent for the stale time, not later.
    household.meter_on = False
    assert household.last_meter_at is not None
    silent_for = household.elapsed - household.last_meter_at
    await household.run_for(SETTINGS.stale_after - silent_for - SAMPLE_PERIOD)
    assert household.sim.device.ess_setpoint != 0  # still holding the grid
    await household.tick()  # the stale time after the last reading
    await wait_for(lambda: household.sim.device.ess_setpoint == 0, "0 W")
    assert control.state == EssControlState.METER_STALE
    assert control.decisions[-1].reason == DecisionReason.METER_STALE


async def test_the_maximum_powers_hold_when_the_grid_asks_for_more(household: Household) -> None:
    control = controller(household)
    household.profile = [Step(0, (2900.0,)), Step(20, (0.0,), grid_side=-2500.0)]
    await control.enable()
    await household.run_for(40)
    run = household.run
    assert min(run.setpoints) == -SETTINGS.max_discharge
    assert max(run.setpoints) == SETTINGS.max_charge
    assert DecisionReason.MAX_CHARGE in {d.reason for d in control.decisions}


async def test_no_discharging_at_the_minimum_soc_and_no_charging_at_the_maximum(
    household: Household,
) -> None:
    settings = replace(SETTINGS, min_soc=59.0, max_soc=61.0)
    control = controller(household, settings)
    household.profile = [Step(0, (2400.0,))]  # drains 1 % a minute
    await control.enable()
    await household.run_for(150)
    run = household.run
    assert min(run.socs) >= settings.min_soc - 0.5  # SOC is read in 0.5 % steps
    assert run.setpoints[-1] == 0
    assert control.decisions[-1].reason == DecisionReason.SOC_MINIMUM

    household.sim.device.physics.soc = 0.605
    household.profile = [Step(0, (0.0,), grid_side=-1500.0)]  # PV the battery could take
    await household.run_for(90)
    assert DecisionReason.SOC_MAXIMUM in {d.reason for d in control.decisions}
    # What the unit holds after each decision: never charging at or above the maximum,
    # never discharging at or below the minimum (the simulator's own charger still runs
    # at 0 W, as a unit's does without a setpoint).
    held = list(zip(run.read_socs, run.setpoints[1:], strict=False))
    assert all(watts <= 0 for soc, watts in held if soc is not None and soc >= settings.max_soc)
    assert all(watts >= 0 for soc, watts in held if soc is not None and soc <= settings.min_soc)


async def test_an_unavailable_meter_means_zero_at_once(household: Household) -> None:
    control = controller(household)
    household.profile = [Step(0, (1500.0,))]
    await control.enable()
    await household.run_for(10)
    assert household.sim.device.ess_setpoint > 1000  # feeding in
    control.meter_unavailable()
    await control.settled()
    assert household.sim.device.ess_setpoint == 0
    assert control.state == EssControlState.METER_UNAVAILABLE
    await household.run_for(4)  # readings again
    assert control.state == EssControlState.HOLDING
    assert household.sim.device.ess_setpoint > 1000


async def test_a_lost_unit_counts_the_setpoint_gone_and_it_resumes(household: Household) -> None:
    control = controller(household)
    household.profile = [Step(0, (1500.0,))]
    await control.enable()
    await household.run_for(10)
    sim, clock = household.sim, household.clock
    await sim.unplug()
    for _ in range(round(UNIT_SILENCE / SAMPLE_PERIOD)):
        clock.advance(SAMPLE_PERIOD)
        await household.unit.sampling_step()
        await control.settled()
    await wait_for(lambda: control.state == EssControlState.UNIT_LOST, "the unit lost")
    assert household.unit.ess is not None
    assert household.unit.ess.watts == 0
    assert control.decisions[-1].reason == DecisionReason.UNIT_LOST

    await sim.replug()
    await household.unit.refresh(StatusPlan(leds=False, ac=False, device_state=False))
    await control.settled()
    assert control.state != EssControlState.UNIT_LOST
    await household.run_for(6)
    assert control.state == EssControlState.HOLDING
    assert sim.device.ess_setpoint > 1000


async def test_disabling_and_closing_return_the_setpoint_to_zero(household: Household) -> None:
    control = controller(household)
    household.profile = [Step(0, (1500.0,))]
    await control.enable()
    await household.run_for(6)
    assert household.sim.device.ess_setpoint > 1000
    await control.disable()
    assert household.sim.device.ess_setpoint == 0
    assert control.state == EssControlState.OFF
    await control.enable()
    await household.run_for(6)
    assert household.sim.device.ess_setpoint > 1000
    await household.unit.close()
    assert household.sim.device.ess_setpoint == 0


# --- to a state of charge --------------------------------------------------------------------


async def test_charge_to_soc_reaches_the_target_and_restores_the_setpoint_before(
    household: Household,
) -> None:
    control = controller(household)
    unit, sim = household.unit, household.sim
    await unit.set_ess_setpoint(-200)  # feeding in by hand before
    await control.charge_to_soc(62.0, 1000)
    assert sim.device.ess_setpoint == -1000  # the unit's sign: - = charging
    assert control.state == EssControlState.CHARGING_TO_SOC
    for _ in range(2400):  # at most 10 minutes; 2 % of 2.4 kWh at 1 kW is about 3
        await household.tick()
        if control.program is None:
            break
    assert unit.soc is not None
    assert unit.soc >= 62.0
    assert sim.device.ess_setpoint == 200  # back to the 200 W fed in
    assert control.state == EssControlState.OFF
    assert control.decisions[-1].reason == DecisionReason.SOC_REACHED


async def test_a_program_ends_at_its_deadline_and_the_grid_target_goes_on(
    household: Household,
) -> None:
    control = controller(household)
    household.profile = [Step(0, (1500.0,))]
    await control.enable()
    await household.run_for(6)
    holding = household.sim.device.ess_setpoint
    await control.discharge_to_soc(30.0, 2000, deadline=household.clock.time() + 30)
    assert household.sim.device.ess_setpoint == 2000
    await household.run_for(29)
    assert control.state == EssControlState.DISCHARGING_TO_SOC
    await household.run_for(1)
    await wait_for(lambda: control.program is None, "the deadline ends it")
    assert DecisionReason.DEADLINE in {d.reason for d in control.decisions}
    await household.run_for(6)
    assert control.state == EssControlState.HOLDING
    assert abs(household.sim.device.ess_setpoint - holding) < 150


async def test_programs_are_refused_without_a_state_of_charge(household: Household) -> None:
    control = controller(household)
    unit = household.unit
    settings_only = StatusPlan(leds=False, dc=False, ac=False, device_state=False, snapshot_ids=())
    await unit.write_setting(Setting.BATTERY_CAPACITY, 0)  # the battery monitor off
    await unit.refresh(settings_only)
    assert unit.soc is None
    with pytest.raises(VEBusUnsupportedError):
        await control.charge_to_soc(80.0, 500)
    assert household.sim.device.ess_setpoint == 0
    await unit.write_setting(Setting.BATTERY_CAPACITY, 200)
    await unit.refresh(settings_only)
    assert unit.soc is not None
    with pytest.raises(VEBusOutOfRangeError):  # with a SOC: out of range is refused too
        await control.charge_to_soc(99.0, 500)
    assert control.program is None
    assert household.sim.device.ess_setpoint == 0


# --- three phases ------------------------------------------------------------------------------


async def test_three_phases_each_take_a_share_and_the_total_holds_the_grid(
    clock: FakeClock, tmp_path: Path
) -> None:
    sim, unit = await start(clock, tmp_path, phases=3)
    try:
        assert unit.ess is not None
        assert unit.ess.addresses == [None, 1, 2]  # the ESS assistant of each phase master
        control = unit.ess_control
        assert control is not None
        unit.ess_max_power = 6000  # the system's, over its phases
        settings = replace(SETTINGS, max_charge=3000.0, max_discharge=4500.0, ramp=3000.0)
        control.configure(settings)
        profile = [
            Step(0, (350.0, 350.0, 350.0)),
            Step(40, (2000.0, 200.0, 900.0)),
            Step(80, (600.0, 1500.0, 100.0), grid_side=-1200.0),
            Step(120, (1200.0, 1200.0, 1200.0)),
            Step(160, (300.0, 2500.0, 700.0)),
            Step(200, (900.0, 400.0, 1800.0), grid_side=-2000.0),
        ]
        household = Household(sim, unit, clock, profile)
        await control.enable()
        await household.run_for(240)
        run = household.run
        within = run.within(settings.target, settings.deadband)
        print(f"\nthree phases: in the deadband for {within:.1%} of 4 minutes")
        assert within >= 0.90, (within, dict(unit.counters), control.write_failures)
        held = [-phase.ess_setpoint for phase in sim.device.units]
        assert held == unit.ess.phase_watts
        assert max(held) - min(held) <= 1  # split evenly
        assert sum(held) == unit.ess.watts < -1000  # feeding the loads in
        state = await unit.refresh(StatusPlan(leds=False, ac=False, device_state=False))
        assert state.ess_setpoint == sum(state.ess_phase_setpoints)
        assert len(state.ess_phase_setpoints) == 3
    finally:
        await unit.close()
        await sim.stop()
    assert [u.ess_setpoint for u in sim.device.units] == [0, 0, 0]


# --- the edges ----------------------------------------------------------------------------


async def test_a_meter_reading_that_is_not_a_number_counts_as_unavailable(
    household: Household,
) -> None:
    control = controller(household)
    household.profile = [Step(0, (1500.0,))]
    await control.enable()
    await control.enable()  # on already: nothing starts again
    await household.run_for(6)
    assert household.sim.device.ess_setpoint > 1000
    control.meter(float("nan"))
    await control.settled()
    assert control.state == EssControlState.METER_UNAVAILABLE
    assert household.sim.device.ess_setpoint == 0
    await control.disable()
    await control.disable()  # off already
    assert control.state == EssControlState.OFF


@pytest.mark.parametrize("absurd", [1e30, 99_999_999.0, -99_999_999.0])
async def test_a_meter_reading_no_grid_connection_can_have_counts_as_unavailable(
    household: Household, absurd: float
) -> None:
    """Beyond 100 times the ESS maximum power (300 kW by default) a reading is no reading."""
    control = controller(household)
    household.profile = [Step(0, (1500.0,))]
    await control.enable()
    await household.run_for(6)
    assert household.sim.device.ess_setpoint > 1000
    control.meter(absurd)
    await control.settled()
    assert control.state == EssControlState.METER_UNAVAILABLE
    assert household.sim.device.ess_setpoint == 0
    control.meter(250_000.0)  # a large farm's grid connection: still a reading
    await control.settled()
    assert control.state != EssControlState.METER_UNAVAILABLE


async def test_a_setpoint_set_by_hand_ends_a_program(household: Household) -> None:
    control = controller(household)
    await control.charge_to_soc(70.0, 800)
    assert control.state == EssControlState.CHARGING_TO_SOC
    diagnostics = household.unit.diagnostics()["ess_control"]
    assert diagnostics["program"] == {
        "target": 70.0,
        "power": 800,
        "deadline": None,
        "previous": 0,
    }
    await household.unit.set_ess_setpoint(-250)
    assert control.program is None
    assert control.state == EssControlState.OFF
    await household.run_for(2)
    assert household.sim.device.ess_setpoint == 250  # the hand's setpoint stays


async def test_a_program_that_cannot_be_written_does_not_start(household: Household) -> None:
    control = controller(household)
    with pytest.raises(ValueError, match="deadline"):
        await control.charge_to_soc(70.0, 800, deadline=household.clock.time())
    await household.sim.unplug()
    with pytest.raises(VEBusError):
        await control.charge_to_soc(70.0, 800)
    assert control.program is None
    assert control.write_failures == 1
    assert control.state == EssControlState.OFF


async def test_an_unconfirmed_write_is_counted_and_the_keepalive_repeats_it(
    household: Household,
) -> None:
    control = controller(household)
    household.profile = [Step(0, (350.0,))]
    await control.enable()
    await household.run_for(4)
    household.sim.faults = Faults(drop=1.0)  # no reply reaches the unit's client
    household.profile = [Step(0, (1500.0,))]
    for _ in range(8):
        await household.tick()
    assert control.write_failures > 0
    assert control.state == EssControlState.HOLDING
    household.sim.faults = Faults()
    await household.run_for(8)
    assert household.sim.device.ess_setpoint > 1000


async def test_a_phase_master_without_the_ess_assistant_gets_no_share(
    clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sim = Simulator("multiplus2-48", phases=3, paced=False, live=False, seed=3, clock=clock.time)
    sim.device.units[2].set_assistants([])  # L3 has none
    unit = VEBusUnit(VEBusClient(await sim.start_pty(link=str(tmp_path / "ttyVEBUS"))), clock=clock)
    try:
        await unit.discover()
        assert unit.ess is not None
        assert unit.ess.addresses == [None, 1]
        assert "address 2 has no ESS assistant" in caplog.text
        await unit.set_ess_setpoint(-1000)
        assert [u.ess_setpoint for u in sim.device.units[:2]] == [500, 500]
    finally:
        await unit.close()
        await sim.stop()


# --- sleep ---------------------------------------------------------------------------------


def only_version_requests(requests: list[bytes]) -> bool:
    """Every request a 'V' (length 2, MK2 frame 0xFF, 'V'): asking whether the unit answers."""
    return all(raw[1:3] == b"\xffV" for raw in requests)


@pytest.mark.parametrize("running", ["grid target", "program"])
async def test_sleep_ends_the_control_and_nothing_but_the_wake_check_is_sent(
    household: Household, running: str
) -> None:
    control = controller(household)
    unit, sim = household.unit, household.sim
    household.profile = [Step(0, (1500.0,))]
    if running == "grid target":
        await control.enable()
        await household.run_for(6)
        assert sim.device.ess_setpoint > 1000
    else:
        await control.discharge_to_soc(30.0, 1000)
        assert sim.device.ess_setpoint == 1000
    await unit.sleep()
    assert unit.asleep  # from the moment the command went out, not from the next refresh
    assert sim.device.ess_setpoint == 0
    assert control.state == EssControlState.OFF
    assert not control.enabled and control.program is None
    await wait_for(lambda: sim.device.asleep, "the unit asleep")  # the command has no reply
    sent = len(sim.requests)
    for _ in range(4):  # 16 s: meter readings go on, the keep-alive and watchdog are due
        await household.run_for(4)
        await unit.refresh(StatusPlan())
    assert only_version_requests(sim.requests[sent:]), sim.requests[sent:]
    assert len(sim.requests) - sent == 4  # one per refresh
    with pytest.raises(VEBusAsleepError):
        await control.enable()
    with pytest.raises(VEBusAsleepError):
        await control.charge_to_soc(80.0, 500)
    assert len(sim.requests) - sent == 4
