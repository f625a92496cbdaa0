"""The key values between refreshes, and the energy counters they feed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.clock import FakeClock
from tests.waiting import wait_for
from vebus_sim import Simulator
from victron_serial.vebus import VEBusClient, VEBusUnit
from victron_serial.vebus.reading.energy import MAX_GAP, Energy, EnergyCounters
from victron_serial.vebus.reading.sampling import ERROR_BACKOFF, SAMPLE_PERIOD, PowerSample


def test_power_is_integrated_into_the_counter_of_its_sign() -> None:
    energy = EnergyCounters()
    energy.add(0.0, battery=1000.0, grid=-500.0, output=250.0)
    energy.add(18.0, battery=-2000.0, grid=300.0, output=None)  # 0.005 h later
    energy.add(36.0, battery=0.0, grid=0.0, output=250.0)
    kwh = energy.kwh
    assert kwh[Energy.BATTERY_IN] == pytest.approx(0.005)
    assert kwh[Energy.BATTERY_OUT] == pytest.approx(0.01)
    assert kwh[Energy.GRID_EXPORT] == pytest.approx(0.0025)
    assert kwh[Energy.GRID_IMPORT] == pytest.approx(0.0015)
    assert kwh[Energy.AC_OUTPUT] == pytest.approx(0.0025)  # 250 W over the 36 s


def test_a_gap_without_readings_is_not_made_up() -> None:
    energy = EnergyCounters()
    energy.add(0.0, grid=3000.0)
    energy.add(MAX_GAP + 1, grid=3000.0)  # unplugged for a minute: nothing counted
    energy.add(MAX_GAP + 13, grid=0.0)
    assert energy.kwh[Energy.GRID_IMPORT] == pytest.approx(0.01)


def test_a_restored_total_is_counted_from_once() -> None:
    energy = EnergyCounters()
    energy.restore(Energy.GRID_IMPORT, 12.5)
    energy.restore(Energy.GRID_IMPORT, 12.5)  # a second restore does not double it
    energy.restore(Energy.GRID_EXPORT, -1.0)  # nothing negative
    energy.add(0.0, grid=1000.0)
    energy.add(36.0, grid=1000.0)
    assert energy.kwh[Energy.GRID_IMPORT] == pytest.approx(12.51)
    assert energy.kwh[Energy.GRID_EXPORT] == 0.0


def test_the_unit_counts_plus_at_ac_in_as_fed_in() -> None:
    sample = PowerSample.from_ram(0.0, {15: 400.0, 4: 12.5, 5: -8.0, 13: 0.815})
    assert sample.grid_power == -400.0  # fed in: the grid gets it
    assert sample.battery_power == pytest.approx(-100.0)
    assert sample.soc == 81.5


@pytest.fixture
async def unit() -> AsyncIterator[tuple[VEBusUnit, Simulator, FakeClock]]:
    sim = Simulator(paced=False, live=False, heartbeat=3600)
    clock = FakeClock(start=1_800_000_000.0)
    vebus = VEBusUnit(VEBusClient(await sim.start_pty()), clock=clock)
    await vebus.discover()
    yield vebus, sim, clock
    await vebus.close()
    await sim.stop()


async def test_the_sampler_reads_every_period_and_feeds_the_counters(
    unit: tuple[VEBusUnit, Simulator, FakeClock],
) -> None:
    vebus, sim, clock = unit
    sim.device.set_ram_value(15, 1000.0)  # 1000 W fed into AC-in
    samples: list[PowerSample] = []
    vebus.on_sample = samples.append
    task = asyncio.create_task(vebus.run_sampling())
    try:
        for count in range(1, 5):
            await wait_for(lambda c=count: len(samples) == c and clock.sleepers, "a sample")
            clock.advance(SAMPLE_PERIOD)
    finally:
        task.cancel()
    assert [s.at - samples[0].at for s in samples] == [i * SAMPLE_PERIOD for i in range(4)]
    assert [s.grid_power for s in samples] == [-1000.0] * 4
    assert vebus.energy.kwh[Energy.GRID_EXPORT] == pytest.approx(1000 * 0.75 / 3_600_000)
    assert vebus.counters["samples"] == 4


async def test_a_failed_sample_waits_before_the_next(
    unit: tuple[VEBusUnit, Simulator, FakeClock],
) -> None:
    vebus, sim, clock = unit
    sim.device.asleep = True  # silent: no reply
    task = asyncio.create_task(vebus.run_sampling())
    try:
        await wait_for(
            lambda: vebus.counters["samples_failed"] == 1 and clock.sleepers, "a failed sample"
        )
        sent = vebus.client.stats.requests
        clock.advance(ERROR_BACKOFF - 0.1)
        await asyncio.sleep(0.05)
        assert vebus.client.stats.requests == sent  # still waiting
        sim.device.asleep = False
        clock.advance(0.1)
        await wait_for(lambda: vebus.counters["samples"] == 1, "a sample after the wait")
    finally:
        task.cancel()
