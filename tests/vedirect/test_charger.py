"""The charger's rules (vedirect.charger) against the simulator, timing from a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import random

import pytest

from tests.clock import FakeClock
from tests.vedirect.wire import is_set, lost_on_the_wire, sets_seen
from tests.waiting import wait_for
from vebus_sim.vedirect import ChargerSimulator
from victron_serial.vedirect import (
    NVM_INTERVAL,
    BlueSmartCharger,
    ChargeState,
    LowCurrentMode,
    NvmLimiter,
    Reg,
    VEDirectClient,
    VEDirectClosedError,
    VEDirectOutOfRangeError,
    VEDirectRateLimitedError,
    VEDirectTimeoutError,
    VEDirectUnknownRegisterError,
    VEDirectUnsupportedError,
    VEDirectWriteNotAppliedError,
    WishOutcome,
    WishResult,
)

LIMIT = Reg.CHARGE_CURRENT_LIMIT.id


@pytest.fixture
async def sim() -> AsyncIterator[ChargerSimulator]:
    simulator = ChargerSimulator(paced=False, block_interval=0.1, live=False, seed=3)
    yield simulator
    await simulator.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_700_000_000.0)


async def make_charger(
    sim: ChargerSimulator, clock: FakeClock, **kwargs: object
) -> BlueSmartCharger:
    client = VEDirectClient(await sim.start_pty(), timeout=1.0)
    charger = BlueSmartCharger(client, clock=clock, **kwargs)  # type: ignore[arg-type]
    await charger.discover()
    return charger


@pytest.fixture
async def charger(sim: ChargerSimulator, clock: FakeClock) -> AsyncIterator[BlueSmartCharger]:
    unit = await make_charger(sim, clock)
    yield unit
    await unit.close()


async def test_discover_learns_the_charger_from_itself(
    sim: ChargerSimulator, charger: BlueSmartCharger
) -> None:
    state = charger.state()
    assert state.model == "Blue Smart IP22 Charger 24|12"  # 0x010B, not a table
    assert (state.minimum_current, state.maximum_current) == (3.0, 12.0)
    assert charger.current_limit_bounds == (3.0, 12.0)
    assert state.charge_current_limit == 12.0
    assert (state.product_id, state.firmware, state.serial) == (0xA334, "3.42", "HQ2230XY6XR")
    assert state.voltage == pytest.approx(sim.charger.voltage)
    assert state.charge_state is ChargeState.BULK
    assert charger.hex_answers is True


async def test_refresh_reads_the_newest_block_and_the_limit_in_force(
    sim: ChargerSimulator, charger: BlueSmartCharger
) -> None:
    sim.charger.voltage, sim.charger.current = 27.12, 6.5
    sim.charger.internal_temperature = 31.5  # sent as an async frame when it changes
    sim.charger.settings[LIMIT] = 65  # changed on the charger itself (VictronConnect)
    await wait_for(
        lambda: charger.client.async_value(Reg.INTERNAL_TEMPERATURE) == 31.5, "the new values"
    )
    await charger.client.next_block(5.0)
    state = await charger.refresh()
    assert (state.voltage, state.current) == (27.12, 6.5)
    assert state.charge_current_limit == 6.5
    assert state.internal_temperature == 31.5


async def test_out_of_range_is_refused_before_the_wire(
    sim: ChargerSimulator, charger: BlueSmartCharger
) -> None:
    for amps in (2.9, 12.1, -1.0):
        with pytest.raises(VEDirectOutOfRangeError, match="outside 3 to 12 A") as caught:
            await charger.set_charge_current_limit(amps)
        assert (caught.value.minimum, caught.value.maximum) == (3.0, 12.0)
        with pytest.raises(VEDirectOutOfRangeError):
            charger.wish_charge_current_limit(amps)
    assert sets_seen(sim) == []
    assert charger.nvm.saved == {}


async def test_an_explicit_write_too_soon_is_refused_with_its_retry_time(
    sim: ChargerSimulator, charger: BlueSmartCharger, clock: FakeClock
) -> None:
    result = await charger.set_charge_current_limit(8.0)
    assert (result.written, result.in_force) == (True, 8.0)
    written_at = clock.time()
    clock.advance(NVM_INTERVAL - 1)
    with pytest.raises(VEDirectRateLimitedError) as caught:
        await charger.set_charge_current_limit(9.0)
    assert caught.value.retry_at == written_at + NVM_INTERVAL
    assert len(sets_seen(sim)) == 1
    clock.advance(1)
    assert (await charger.set_charge_current_limit(9.0)).in_force == 9.0
    assert sim.charger.nvm_writes[LIMIT] == 2


async def test_a_change_smaller_than_the_device_step_writes_nothing(
    sim: ChargerSimulator, charger: BlueSmartCharger
) -> None:
    await charger.set_charge_current_limit(8.0)
    result = await charger.set_charge_current_limit(8.04)  # same 0.1 A step: no write,
    assert (result.written, result.in_force) == (False, 8.0)  # even within the interval
    assert sim.charger.nvm_writes[LIMIT] == 1
    assert len(charger.nvm.saved) == 1


async def test_the_value_read_back_is_the_one_in_force(
    sim: ChargerSimulator, clock: FakeClock
) -> None:
    sim.charger.reports_minimum = False  # "when not specified 0 A"; the charger clamps anyway
    charger = await make_charger(sim, clock)
    try:
        assert charger.current_limit_bounds == (0.0, 12.0)
        result = await charger.set_charge_current_limit(1.0)
        assert (result.written, result.requested, result.in_force) == (True, 1.0, 3.0)
        assert charger.state().charge_current_limit == 3.0
        assert charger.counters["writes_clamped"] == 1
    finally:
        await charger.close()


async def test_the_write_record_outlives_a_restart(sim: ChargerSimulator, clock: FakeClock) -> None:
    persisted: list[dict[int, float]] = []
    first = await make_charger(sim, clock, nvm=NvmLimiter(clock=clock, on_change=persisted.append))
    await first.set_charge_current_limit(8.0)
    await first.close()
    assert persisted == [{LIMIT: clock.time()}]
    await sim.stop()
    clock.advance(60)
    again = ChargerSimulator(paced=False, block_interval=0.1, live=False)
    try:
        nvm = NvmLimiter(clock=clock, saved={str(k): v for k, v in persisted[-1].items()})  # type: ignore[misc]
        second = await make_charger(again, clock, nvm=nvm)
        with pytest.raises(VEDirectRateLimitedError):
            await second.set_charge_current_limit(9.0)
        await second.close()
    finally:
        await again.stop()


async def test_every_attempt_that_may_have_reached_the_charger_counts(
    sim: ChargerSimulator, charger: BlueSmartCharger, clock: FakeClock
) -> None:
    with lost_on_the_wire(sim, is_set, requests=True), pytest.raises(VEDirectWriteNotAppliedError):
        await charger.set_charge_current_limit(8.0)
    assert charger.nvm.saved == {}  # read back without it: nothing was stored
    with lost_on_the_wire(sim, is_set, requests=False):
        result = await charger.set_charge_current_limit(8.0)  # the reply lost, applied
    assert result.in_force == 8.0
    assert charger.nvm.saved == {LIMIT: clock.time()}
    clock.advance(NVM_INTERVAL)
    sim.faults.no_hex = True  # nothing answers: the read before the write fails
    with pytest.raises(VEDirectTimeoutError):
        await charger.set_charge_current_limit(9.0)
    assert charger.nvm.retry_at(LIMIT) is None  # it never went out
    assert charger.counters["writes_failed"] == 2


async def test_a_thousand_automation_changes_cost_one_write_per_interval(
    sim: ChargerSimulator, clock: FakeClock
) -> None:
    results: list[WishResult] = []
    charger = await make_charger(sim, clock, on_wish_result=results.append)
    try:
        rng = random.Random(5)
        step = 7.0  # s between two wishes of the automation
        start = clock.time()
        wishes = []
        for _ in range(1000):
            wishes.append(charger.wish_charge_current_limit(rng.randrange(30, 121) / 10))
            await asyncio.sleep(0)  # the keeper looks at it
            await wait_for(lambda: not charger.limit_wish.writing, "the write to end")
            clock.advance(step)
        last = wishes[-1].value
        clock.advance(NVM_INTERVAL)  # the newest wish gets its turn
        await wait_for(lambda: all(wish.done() for wish in wishes), "every wish reported")
        duration = clock.time() - start
        writes = sim.charger.nvm_writes[LIMIT]  # counted by the charger itself
        assert 2 <= writes <= duration / NVM_INTERVAL + 1
        outcomes = [(await wish.result()).outcome for wish in wishes]
        assert outcomes.count(WishOutcome.APPLIED) == writes
        assert set(outcomes) <= {WishOutcome.APPLIED, WishOutcome.SUPERSEDED, WishOutcome.UNCHANGED}
        assert len(results) == 1000  # each reported once, through on_result too
        assert sim.charger.charge_current_limit == pytest.approx(last)
    finally:
        await charger.close()


async def test_a_wish_the_charger_holds_already_is_done_at_once(
    sim: ChargerSimulator, charger: BlueSmartCharger, clock: FakeClock
) -> None:
    first = charger.wish_charge_current_limit(8.0)
    assert (await first.result()).outcome is WishOutcome.APPLIED
    held = charger.wish_charge_current_limit(8.0)
    assert (await held.result()).outcome is WishOutcome.UNCHANGED  # not after the interval
    pending = charger.wish_charge_current_limit(9.0)
    await asyncio.sleep(0.05)
    assert not pending.done()
    assert charger.limit_wish.apply_at == pytest.approx(clock.time() + NVM_INTERVAL, abs=1)
    assert charger.diagnostics()["limit_wish"]["value"] == 9.0
    # A person's explicit write comes first; the automation's pending wish is not written.
    with pytest.raises(VEDirectRateLimitedError):
        await charger.set_charge_current_limit(10.0)
    assert (await pending.result()).outcome is WishOutcome.SUPERSEDED
    clock.advance(NVM_INTERVAL)
    assert sim.charger.nvm_writes[LIMIT] == 1


async def test_failed_and_dropped_wishes_are_reported(
    sim: ChargerSimulator, charger: BlueSmartCharger, clock: FakeClock
) -> None:
    sim.faults.no_hex = True
    failed = charger.wish_charge_current_limit(8.0)
    result = await asyncio.wait_for(failed.result(), 20)
    assert result.outcome is WishOutcome.FAILED
    assert isinstance(result.error, VEDirectTimeoutError)
    sim.faults.no_hex = False
    await charger.set_charge_current_limit(9.0)
    dropped = charger.wish_charge_current_limit(10.0)
    await charger.close()
    assert (await dropped.result()).outcome is WishOutcome.DROPPED
    connects = charger.client.stats.connects
    with pytest.raises(VEDirectClosedError):  # closed for good: nothing would write it
        charger.wish_charge_current_limit(10.0)
    with pytest.raises(VEDirectClosedError):  # nor open the port again
        await charger.set_charge_current_limit(10.0)
    assert charger.client.stats.connects == connects and not charger.client.connected


async def test_voltages_are_written_only_with_a_user_defined_battery(
    sim: ChargerSimulator, charger: BlueSmartCharger, clock: FakeClock
) -> None:
    with pytest.raises(VEDirectUnsupportedError, match="user-defined"):
        await charger.set_absorption_voltage(28.6)
    assert sets_seen(sim) == []
    sim.charger.settings[Reg.BATTERY_TYPE.id] = 0xFF
    with pytest.raises(VEDirectOutOfRangeError, match="24 to 32 V"):
        await charger.set_absorption_voltage(33.0)
    assert (await charger.set_absorption_voltage(28.6)).in_force == pytest.approx(28.6)
    with pytest.raises(VEDirectOutOfRangeError):  # float above absorption
        await charger.set_float_voltage(29.0)
    assert (await charger.write_setting(Reg.FLOAT_VOLTAGE, 27.0)).in_force == pytest.approx(27.0)
    with pytest.raises(VEDirectRateLimitedError):  # the same rule, per register
        await charger.set_absorption_voltage(28.4)
    assert sim.charger.nvm_writes[Reg.ABSORPTION_VOLTAGE.id] == 1
    with pytest.raises(VEDirectUnsupportedError, match="not written"):
        await charger.write_setting(Reg.BATTERY_TYPE, 0xFF)


async def test_discover_reads_the_charge_voltages_and_their_bounds(
    sim: ChargerSimulator, charger: BlueSmartCharger
) -> None:
    """What an owner shows beside the limit: the voltages in force, the battery type's
    say on writing them, and the range a write must keep to."""
    assert charger.setting(Reg.ABSORPTION_VOLTAGE) == pytest.approx(28.8)
    assert charger.setting(Reg.FLOAT_VOLTAGE) == pytest.approx(27.6)
    assert charger.voltage_bounds == (24.0, 32.0)
    assert charger.user_defined_battery is False  # the simulator starts with a preset
    sim.charger.settings[Reg.BATTERY_TYPE.id] = 0xFF
    await charger.set_absorption_voltage(28.6)  # reads the battery type first
    assert charger.user_defined_battery is True


async def test_low_current_mode_where_the_charger_has_it(
    sim: ChargerSimulator, charger: BlueSmartCharger, clock: FakeClock
) -> None:
    result = await charger.write_setting(Reg.LOW_CURRENT_MODE, 2)
    assert result.in_force == LowCurrentMode.NIGHT
    ip65 = ChargerSimulator("ip65-12-25", paced=False, block_interval=0.1, live=False)
    try:
        other = await make_charger(ip65, clock)
        with pytest.raises(VEDirectUnknownRegisterError):
            await other.set_low_current_mode(LowCurrentMode.ON)
        assert other.state().temperature is None  # the IP65 sends no T at all
        await other.close()
    finally:
        await ip65.stop()


async def test_mains_off_the_stream_goes_on_with_no_current(
    sim: ChargerSimulator, charger: BlueSmartCharger
) -> None:
    sim.charger.mains = False
    sim.charger.advance(1)
    seen = sim.seconds
    await wait_for(lambda: sim.seconds > seen + 1, "blocks without mains")
    state = await charger.refresh()
    assert state.charge_state is ChargeState.OFF
    assert state.current == 0.0
    assert state.voltage is not None and state.voltage > 20


async def test_a_header_wired_for_reading_only_still_gives_text_values(
    sim: ChargerSimulator, clock: FakeClock
) -> None:
    sim.faults.no_hex = True
    charger = await make_charger(sim, clock)
    try:
        assert charger.hex_answers is False
        state = await charger.refresh()
        assert state.voltage is not None and state.charge_current_limit is None
        assert state.model == "Blue Smart IP22 Charger 24|12"  # from the product id
        with pytest.raises(VEDirectUnsupportedError, match="not known"):
            await charger.set_charge_current_limit(5.0)
    finally:
        await charger.close()


async def test_no_block_for_a_while_means_the_charger_is_gone(
    sim: ChargerSimulator, clock: FakeClock
) -> None:
    charger = await make_charger(sim, clock, block_timeout=1.0)
    try:
        sim.faults.silent = True
        await asyncio.sleep(1.6)  # the last block grows old
        with pytest.raises(VEDirectTimeoutError, match="no text block"):
            await charger.refresh()
    finally:
        await charger.close()


async def test_diagnostics_say_what_the_owner_needs(charger: BlueSmartCharger) -> None:
    await charger.set_charge_current_limit(8.0)
    data = charger.diagnostics()
    assert data["device"]["serial"] == "HQ2230XY6XR"
    assert data["charge_current_bounds"] == [3.0, 12.0]
    assert data["settings"]["charge_current_limit"] == 80
    assert list(data["nvm_written"]) == ["charge_current_limit"]
    assert data["nvm_interval"] == NVM_INTERVAL
    assert data["counters"]["nvm_writes"] == 1
    assert data["limit_wish"] is None
    assert data["reader"]["text_blocks"] >= 1
    assert data["link"]["requests"] >= 1
