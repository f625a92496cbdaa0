"""The unit's rules, the project's safety promises, without Home Assistant.

The real unit class and client against the simulator over a real pty; time from a clock
the unit accepts, so no rule is tested by waiting for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
import random

import pytest

from tests.clock import FakeClock
from tests.waiting import wait_for
from tests.wire import is_lines_write, lost_on_the_wire, winmon_write
from vebus_sim import Simulator
from victron_serial.vebus import (
    EepromLimiter,
    Mode,
    RamOnlyLedger,
    RamOnlySetting,
    RamVar,
    Setting,
    SettingState,
    StatusPlan,
    SwitchState,
    VEBusAsleepError,
    VEBusClient,
    VEBusClosedError,
    VEBusConnectionError,
    VEBusOutOfRangeError,
    VEBusRateLimitedError,
    VEBusUnit,
    VEBusUnsupportedError,
    VEBusWriteNotAppliedError,
    VEBusWriteUnconfirmedError,
)
from victron_serial.vebus.protocol import Frame
from victron_serial.vebus.protocol.ids import Lines
from victron_serial.vebus.protocol.variables import WRITE_SETTING
from victron_serial.vebus.unit import SLEEP_SETTLE

ABSORPTION, FLOAT = Setting.ABSORPTION_VOLTAGE, Setting.FLOAT_VOLTAGE
SETTINGS = (ABSORPTION, FLOAT, Setting.CHARGE_CURRENT, Setting.FLAGS0)
PLAN = StatusPlan(leds=False, dc=False, ac=False, device_state=False, snapshot_ids=())


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator("multiplus-12", paced=False, live=False, seed=4)
    yield simulator
    await simulator.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_800_000_000.0)


@pytest.fixture
async def unit(sim: Simulator, clock: FakeClock, tmp_path: Path) -> AsyncIterator[VEBusUnit]:
    client = VEBusClient(await sim.start_pty(link=str(tmp_path / "ttyVEBUS")))
    vebus = VEBusUnit(client, clock=clock)
    await vebus.discover(SETTINGS)
    await vebus.refresh(PLAN)
    yield vebus
    await vebus.close()


def eeprom_writes(sim: Simulator) -> int:
    return sum(sim.device.eeprom_writes.values()) + sum(sim.device.ram_eeprom_writes.values())


# --- RAM only, and back after a restart ---------------------------------------------------


async def test_settings_are_ram_only_unless_saved_permanently(
    sim: Simulator, unit: VEBusUnit
) -> None:
    stored = sim.device.eeprom_raw(ABSORPTION)
    await unit.write_setting(ABSORPTION, 14.1)
    assert sim.device.setting_raw(ABSORPTION) == 1410  # in force
    assert sim.device.eeprom_raw(ABSORPTION) == stored  # not stored
    assert eeprom_writes(sim) == 0
    state = await unit.refresh(PLAN)
    assert state.settings[ABSORPTION].value == pytest.approx(14.1)
    assert state.settings[ABSORPTION].stored == pytest.approx(stored / 100)


async def test_ram_only_values_return_after_the_unit_restarts(
    sim: Simulator, unit: VEBusUnit
) -> None:
    await unit.write_setting(ABSORPTION, 14.0)
    await unit.set_charging_allowed(False)
    await unit.set_ess_setpoint(300)
    await unit.set_current_limit(16)
    session = unit.client.session
    sim.heartbeat = 0.02
    sim.device.restart()
    assert sim.device.setting_raw(ABSORPTION) != 1400  # the unit forgot
    assert sim.device.ess_setpoint == 0
    assert sim.device.current_limit == pytest.approx(9.9)  # its own, with the panel gone
    await wait_for(lambda: unit.client.session != session, "the rebooted interface speaks")
    await unit.refresh(PLAN)  # the refresh that notices puts them back
    assert sim.device.setting_raw(ABSORPTION) == 1400
    assert sim.device.setting_raw(Setting.FLAGS0) & 0x40
    assert sim.device.ess_setpoint == -300
    assert sim.device.current_limit == pytest.approx(16.0)
    assert eeprom_writes(sim) == 0


async def test_ram_only_values_return_after_a_reconnect(sim: Simulator, unit: VEBusUnit) -> None:
    await unit.write_setting(FLOAT, 13.2)
    await sim.unplug()
    sim.device.restart()
    with pytest.raises(VEBusConnectionError):
        await unit.refresh(PLAN)
    await sim.replug()
    await unit.refresh(PLAN)
    assert sim.device.setting(FLOAT) == pytest.approx(13.2)


async def test_an_unconfirmed_ram_only_setting_is_set_back_to_the_known_value(
    sim: Simulator, unit: VEBusUnit
) -> None:
    before = sim.device.setting_raw(ABSORPTION)
    ram_only = winmon_write(WRITE_SETTING | 0x02)
    with (
        lost_on_the_wire(sim, ram_only, requests=False),
        pytest.raises(VEBusWriteUnconfirmedError),
    ):
        await unit.write_setting(ABSORPTION, 14.1)
    assert sim.device.setting_raw(ABSORPTION) == 1410  # it took it, nobody heard
    assert unit.setting_in_force(ABSORPTION, before) == before  # not believed
    await unit.refresh(PLAN)
    assert sim.device.setting_raw(ABSORPTION) == before
    assert unit.counters["settings_set_back"] == 1


# --- EEPROM ---------------------------------------------------------------------------------


async def test_eeprom_once_per_setting_per_interval_with_the_retry_time(
    sim: Simulator, unit: VEBusUnit, clock: FakeClock
) -> None:
    await unit.write_setting(FLOAT, 13.5, persist=True)
    assert sim.device.eeprom_writes == {FLOAT: 1}
    sent = len(sim.requests)
    with pytest.raises(VEBusRateLimitedError) as caught:
        await unit.write_setting(FLOAT, 13.4, persist=True)
    assert caught.value.retry_at == clock.now + 600
    assert len(sim.requests) == sent  # nothing went out
    await unit.write_setting(ABSORPTION, 14.2, persist=True)  # another setting is free
    clock.advance(599)
    with pytest.raises(VEBusRateLimitedError):
        await unit.write_setting(FLOAT, 13.4, persist=True)
    clock.advance(1)
    await unit.write_setting(FLOAT, 13.4, persist=True)
    assert sim.device.eeprom_writes == {FLOAT: 2, ABSORPTION: 1}


async def test_eeprom_writes_on_a_lossy_line_count_every_attempt(
    sim: Simulator, unit: VEBusUnit, clock: FakeClock
) -> None:
    """Ten saves of one setting while 30 % of replies are lost: stored once, never retried
    blindly (a lost reply is read back, not sent again)."""
    rng = random.Random(30)
    handle = sim.handler.handle

    def lossy(frame: Frame) -> list[bytes]:
        replies = handle(frame)
        return [] if rng.random() < 0.3 else replies

    sim.handler.handle = lossy  # type: ignore[method-assign]
    outcomes: list[str] = []
    for tenth in range(10):
        try:
            await unit.write_setting(FLOAT, 13.0 + tenth / 10, persist=True)
        except VEBusRateLimitedError:
            outcomes.append("limited")
        except Exception as err:
            outcomes.append(type(err).__name__)
        else:
            outcomes.append("saved")
        clock.advance(30)
    del sim.handler.handle
    assert sim.device.eeprom_writes == {FLOAT: 1}  # sent once, whatever came back
    assert outcomes[1:] == ["limited"] * 9
    assert FLOAT in unit.eeprom.saved  # the attempt is on record


async def test_the_eeprom_record_outlives_the_unit_object(
    sim: Simulator, unit: VEBusUnit, clock: FakeClock
) -> None:
    """What an owner keeps (Home Assistant's Store) goes into the next unit: a restart
    does not reset the limit."""
    kept: dict[int, float] = {}
    unit.eeprom = EepromLimiter(clock=clock, on_change=kept.update)
    await unit.write_setting(FLOAT, 13.5, persist=True)
    again = VEBusUnit(unit.client, clock=clock, eeprom=EepromLimiter(clock=clock, saved=kept))
    await again.discover(SETTINGS)
    with pytest.raises(VEBusRateLimitedError):
        await again.write_setting(FLOAT, 13.4, persist=True)
    assert sim.device.eeprom_writes == {FLOAT: 1}


async def test_the_ram_only_ledger_outlives_the_unit_object(
    sim: Simulator, unit: VEBusUnit, clock: FakeClock
) -> None:
    """What an owner keeps between its runs (as JSON) goes into the next unit: what the
    unit lost to a restart meanwhile is written again, what was stored elsewhere stands."""
    await unit.write_setting(ABSORPTION, 14.1)
    await unit.write_setting(FLOAT, 13.2)
    await unit.set_current_limit(16)
    kept = unit.ram_only_ledger().as_json()
    assert kept["settings"][str(ABSORPTION)] == {"raw": 1410, "stored": 1440}
    await unit.close()
    sim.device.restart()
    sim.device.set_setting_raw(FLOAT, 1350, persist=True)  # VEConfigure, meanwhile

    again = VEBusUnit(VEBusClient(unit.client.url), clock=clock)
    again.restore_ram_only(RamOnlyLedger.from_json(kept))
    try:
        await again.discover(SETTINGS)
        state = await again.refresh(PLAN)
    finally:
        await again.close()
    assert sim.device.setting_raw(ABSORPTION) == 1410
    assert state.settings[ABSORPTION] == SettingState(14.1, 14.4)
    assert state.settings[FLOAT] == SettingState(13.5, 13.5)
    assert sim.device.current_limit == pytest.approx(16.0)
    assert again.counters["ram_only_restored"] == 2
    assert again.counters["ram_only_dropped"] == 1
    assert eeprom_writes(sim) == 0


async def test_a_ledger_entry_left_unconfirmed_is_written_back_next_time(
    sim: Simulator, unit: VEBusUnit, clock: FakeClock
) -> None:
    await unit.write_setting(ABSORPTION, 14.1)
    kept = unit.ram_only_ledger()
    await unit.close()
    sim.device.restart()
    again = VEBusUnit(VEBusClient(unit.client.url), clock=clock)
    again.restore_ram_only(kept)
    try:
        await again.discover(SETTINGS)
        with lost_on_the_wire(sim, winmon_write(WRITE_SETTING | 0x02), requests=True):
            state = await again.refresh(PLAN)
        assert state.settings[ABSORPTION] == SettingState(14.4, 14.4)  # not believed
        assert again.ram_only_ledger() == kept  # nor forgotten
        state = await again.refresh(PLAN)
    finally:
        await again.close()
    assert sim.device.setting_raw(ABSORPTION) == 1410
    assert state.settings[ABSORPTION] == SettingState(14.1, 14.4)


@pytest.mark.parametrize(
    "kept",
    [
        None,
        [],
        {"settings": {"x": {"raw": 1}, "3": {"raw": True}, "2": {"raw": 70000}}},
        {"settings": {"3": {"raw": 1380, "stored": "1380"}}, "current_limit": float("nan")},
        {"settings": [], "current_limit": -1},
    ],
)
def test_a_ledger_leaves_out_what_is_not_well_formed(kept: object) -> None:
    assert RamOnlyLedger.from_json(kept) == RamOnlyLedger()


def test_a_ledger_keeps_what_is_well_formed() -> None:
    kept = {"settings": {"3": {"raw": 1380, "stored": None}, "y": 2}, "current_limit": 16}
    assert RamOnlyLedger.from_json(kept) == RamOnlyLedger({3: RamOnlySetting(1380)}, 16.0)


async def test_a_thousand_routine_changes_never_touch_eeprom(
    sim: Simulator, unit: VEBusUnit
) -> None:
    for i in range(1000):
        match i % 5:
            case 0:
                await unit.set_mode(Mode.ON, 10 + i % 20)
            case 1:
                await unit.set_ess_setpoint(i % 500 - 250)
            case 2:
                await unit.write_setting(FLOAT, 13.0 + (i % 10) / 10)
            case 3:
                await unit.set_charging_allowed(bool(i % 2))
            case _:
                await unit.set_current_limit(12 + i % 10)
    assert eeprom_writes(sim) == 0


# --- bounds before the wire -------------------------------------------------------------------


@pytest.mark.parametrize(
    "write",
    [
        lambda u: u.write_setting(ABSORPTION, 99),
        lambda u: u.write_setting(ABSORPTION, float("nan")),
        lambda u: u.set_current_limit(1000),
        lambda u: u.set_ess_setpoint(3001),
        lambda u: u.set_ess_setpoint(float("inf")),
        lambda u: u.write_ram_var(129, 30000),  # the ESS RAM id: bounded like the setpoint
    ],
    ids=["setting", "nan", "current limit", "ess", "ess inf", "ess ram id"],
)
async def test_out_of_range_is_refused_before_the_wire(
    sim: Simulator, unit: VEBusUnit, write: object
) -> None:
    sent = len(sim.requests)
    with pytest.raises(VEBusOutOfRangeError):
        await write(unit)  # type: ignore[operator]
    assert len(sim.requests) == sent
    assert sim.device.ess_setpoint == 0


@pytest.mark.parametrize(
    "write",
    [
        lambda u: u.write_ram_var(129, True),  # the ESS RAM id: not 1 W
        lambda u: u.set_ess_setpoint(True),
        lambda u: u.write_setting(ABSORPTION, True),
        lambda u: u.write_setting(Setting.INVERTER_OUTPUT_VOLTAGE, 230.5),  # whole volts
        lambda u: u.write_ram_var(RamVar.STATE_OF_CHARGE, 1.5),  # 150 %
        lambda u: u.write_ram_var(RamVar.STATE_OF_CHARGE, -0.01),
        lambda u: u.write_ram_var(RamVar.IGNORE_AC_INPUT, 0.5),  # a bit: 0 or 1
        lambda u: u.write_ram_var(RamVar.IGNORE_AC_INPUT, False),
        lambda u: u.set_current_limit(True),
    ],
    ids=[
        "ess ram id true",
        "ess true",
        "setting true",
        "whole number",
        "soc 150 %",
        "soc below 0",
        "half a bit",
        "bit false",
        "current limit true",
    ],
)
async def test_values_that_are_not_what_they_claim_are_refused_before_the_wire(
    sim: Simulator, unit: VEBusUnit, write: object
) -> None:
    def writes() -> list[bytes]:  # WriteViaID and 'S' (reading a setting's info may go out)
        return [r for r in sim.requests if r[1:3] == b"\xffS" or r[1:2] + r[3:4] == b"\xff\x37"]

    sent = len(writes())
    with pytest.raises(ValueError, match="nothing was sent|is outside"):
        await write(unit)  # type: ignore[operator]
    assert len(writes()) == sent
    assert sim.device.ess_setpoint == 0


# --- ESS --------------------------------------------------------------------------------------


async def test_the_ess_setpoint_is_kept_alive_and_released_on_close(
    sim: Simulator, unit: VEBusUnit, clock: FakeClock
) -> None:
    ess = unit.ess
    assert ess is not None
    await unit.set_ess_setpoint(400)
    assert sim.device.ess_setpoint == -400  # the unit's sign: - = take from AC-in
    for _ in range(12):  # a minute, four times the unit's own timeout
        await wait_for(lambda: clock.sleepers, "the keep-alive waits")
        writes = ess.writes
        sim.advance(5)
        clock.advance(5)
        await wait_for(lambda writes=writes: ess.writes > writes, "the keep-alive's write")
        assert sim.device.ess_setpoint == -400
    await unit.close()
    assert sim.device.ess_setpoint == 0


async def test_after_close_nothing_opens_the_port_again(sim: Simulator, unit: VEBusUnit) -> None:
    await unit.set_ess_setpoint(600)
    await unit.close()
    assert sim.device.ess_setpoint == 0
    connects = unit.client.stats.connects
    control = unit.ess_control
    assert control is not None
    for write in (
        lambda: unit.set_ess_setpoint(600),
        lambda: unit.set_mode(Mode.ON),
        lambda: unit.write_setting(ABSORPTION, 14.1),
        lambda: unit.refresh(PLAN),
        control.enable,
        lambda: control.charge_to_soc(90.0, 500),
    ):
        with pytest.raises(VEBusClosedError):
            await write()
    assert not unit.client.connected
    assert unit.client.stats.connects == connects
    assert sim.device.ess_setpoint == 0
    assert not control.enabled


# --- sleep ---------------------------------------------------------------------------------


async def test_a_sleeping_unit_is_asked_once_per_refresh_and_reported_asleep(
    sim: Simulator, unit: VEBusUnit
) -> None:
    await unit.set_ess_setpoint(1500)
    await unit.sleep()
    assert sim.device.ess_setpoint == 0  # released first: nobody keeps it alive asleep
    await wait_for(lambda: sim.device.asleep, "the unit asleep")
    full = StatusPlan()
    for _ in range(3):
        sent = len(sim.requests)
        state = await unit.refresh(full)
        assert state.asleep
        assert state.status.dc is None and not state.status.ram
        assert len(sim.requests) == sent + 1  # one 'V', tried once
    assert unit.asleep
    with pytest.raises(VEBusAsleepError):
        await unit.set_ess_setpoint(500)
    with pytest.raises(VEBusAsleepError):
        await unit.write_setting(ABSORPTION, 14.1)
    assert await unit.sampling_step() > 0 and len(sim.requests) == sent + 1
    await unit.wake()
    state = await unit.refresh(full)
    assert not state.asleep and state.status.dc is not None
    assert state.ess_setpoint == 0 and sim.device.ess_setpoint == 0  # not resumed


async def test_sleep_stops_the_keepalive_and_refuses_controls_at_once(
    sim: Simulator, unit: VEBusUnit, clock: FakeClock
) -> None:
    ess = unit.ess
    assert ess is not None
    await unit.set_ess_setpoint(800, duration=12)
    await unit.sleep()
    assert unit.asleep  # from the command on, not from the next refresh
    with pytest.raises(VEBusAsleepError):
        await unit.set_mode(Mode.ON)
    with pytest.raises(VEBusAsleepError):
        await unit.set_ess_setpoint(500)
    await wait_for(lambda: sim.device.asleep, "the unit asleep")
    await wait_for(lambda: clock.sleepers == 0, "keep-alive and expiry stopped")
    sent, writes = len(sim.requests), ess.writes
    for _ in range(4):  # 16 s: the keep-alive and the expiry would both have been due
        clock.advance(4)
        await unit.refresh(PLAN)
    assert [raw[1:3] for raw in sim.requests[sent:]] == [b"\xffV"] * 4  # the wake checks
    assert ess.writes == writes
    assert ess.watts == 0 and not ess.unsure


async def test_a_refresh_under_way_when_sleep_is_sent_reports_asleep(
    sim: Simulator, unit: VEBusUnit
) -> None:
    sim.faults.slow = 0.05  # each reply late, in time: the refresh takes a while
    sent = len(sim.requests)
    refresh = asyncio.create_task(unit.refresh(StatusPlan()))
    await wait_for(lambda: len(sim.requests) > sent, "the refresh's first request")
    await unit.sleep()
    state = await refresh  # the rest of its requests went unanswered: asleep, not failed
    assert state.asleep and state.status.dc is None


async def test_a_unit_that_never_falls_asleep_is_read_as_usual_after_a_while(
    sim: Simulator, unit: VEBusUnit, clock: FakeClock
) -> None:
    sim.handler._raw_switch = lambda command: None  # type: ignore[method-assign]
    await unit.sleep()
    state = await unit.refresh(PLAN)
    assert state.asleep  # still answering: it may take minutes to fall asleep
    clock.advance(SLEEP_SETTLE + 1)
    state = await unit.refresh(PLAN)
    assert not state.asleep and not unit.asleep
    sent = len(sim.requests)
    await unit.refresh(PLAN)
    assert len(sim.requests) == sent  # no 'V' check any more: PLAN reads nothing else
    await unit.set_ess_setpoint(300)  # writes again
    assert sim.device.ess_setpoint == -300


async def test_an_ess_setpoint_with_a_duration_ends_by_itself(
    sim: Simulator, unit: VEBusUnit, clock: FakeClock
) -> None:
    await unit.set_ess_setpoint(-300, duration=20)
    assert sim.device.ess_setpoint == 300
    await wait_for(lambda: clock.sleepers == 2, "keep-alive and expiry wait")
    clock.advance(20)
    ess = unit.ess
    assert ess is not None
    # The unit takes 0 W first; the client shows it once the unit has confirmed it.
    await wait_for(
        lambda: sim.device.ess_setpoint == 0 and ess.watts == 0, "the setpoint back to 0 W"
    )


async def test_ram_writes_to_the_ess_id_are_tracked_like_the_setpoint(
    sim: Simulator, unit: VEBusUnit
) -> None:
    assert unit.ess is not None
    await unit.write_ram_var(unit.ess.ram_id, -150)  # the RAM's sign: - = charge
    assert sim.device.ess_setpoint == -150
    assert unit.ess.watts == 150
    await unit.close()
    assert sim.device.ess_setpoint == 0  # released like any setpoint


# --- races and unconfirmed lines -------------------------------------------------------------------


async def test_two_switches_pressed_at_once_combine(sim: Simulator, unit: VEBusUnit) -> None:
    await unit.set_mode(Mode.ON)
    await asyncio.gather(unit.set_charger(False), unit.set_inverter(False))
    assert sim.device.switch_state == SwitchState.OFF
    assert unit.remote_mode is Mode.OFF
    await asyncio.gather(unit.set_charger(True), unit.set_inverter(True))
    assert sim.device.switch_state == SwitchState.ON


async def test_an_unconfirmed_standby_line_is_sent_again(sim: Simulator, unit: VEBusUnit) -> None:
    handle = sim.handler.handle

    def deaf_to_lines(frame: Frame) -> list[bytes]:
        replies = handle(frame)
        # The unit acts on 'H', but neither the reply nor the read-back's is heard.
        return [] if frame.command == ord("H") else replies

    sim.handler.handle = deaf_to_lines  # type: ignore[method-assign]
    with pytest.raises(VEBusWriteUnconfirmedError):
        await unit.set_standby(True)
    del sim.handler.handle
    sim.device.interface_lines = 0x05  # meanwhile the VE.Bus lost power: the MK3 forgot
    await unit.refresh(PLAN)
    assert sim.device.interface_lines & Lines.STANDBY
    with (
        lost_on_the_wire(sim, is_lines_write, requests=True),
        pytest.raises(VEBusWriteNotAppliedError),
    ):
        await unit.set_standby(False)  # lost on the way: the unit still holds the line
    state = await unit.refresh(PLAN)
    assert state.standby  # believed as it is, not as it was asked
    assert sim.device.interface_lines & Lines.STANDBY


# --- impossible values --------------------------------------------------------------------------


async def test_values_no_quantity_can_have_are_unknown_and_logged_once(
    sim: Simulator, unit: VEBusUnit, caplog: pytest.LogCaptureFixture
) -> None:
    for var in range(20):
        if var in sim.device.model.var_info:
            sim.device.set_ram_raw(var, 0xFFFF)  # a unit that sends 0xFFFF everywhere
    full = StatusPlan()
    for _ in range(3):
        state = await unit.refresh(full)
    assert state.status.dc is not None
    assert state.status.dc.voltage is None  # 655.35 V on a 12 V battery is no reading
    assert state.status.soc is None  # nor is 32,767 %
    assert state.status.ac[0].input_voltage is None
    assert state.status.ac[0].input_frequency is not None  # 0xFF is "no AC": 0 Hz, a reading
    counts = unit.plausibility.counts
    assert counts["battery_voltage"] == 6  # each refresh: in the DC frame and the snapshot
    assert counts["state_of_charge"] == 3
    lines = [r for r in caplog.records if "battery_voltage" in r.getMessage()]
    assert len(lines) == 1
    assert unit.diagnostics()["implausible_values"]["battery_voltage"] == 6


async def test_an_inverter_is_on_or_off(tmp_path: Path) -> None:
    sim = Simulator("phoenix-24", paced=False, live=False)
    try:
        unit = VEBusUnit(VEBusClient(await sim.start_pty()))
        await unit.discover()
        assert not unit.has_charger
        assert unit.modes == (Mode.ON, Mode.OFF)
        with pytest.raises(VEBusUnsupportedError):
            await unit.set_mode(Mode.CHARGER_ONLY)
        await unit.set_mode(Mode.OFF)
        assert sim.device.switch_state == SwitchState.OFF
        await unit.close()
    finally:
        await sim.stop()
