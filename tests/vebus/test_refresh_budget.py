"""The request set of one refresh, byte for byte: a change that adds requests fails here.

At 2400 baud bytes are the time budget (scripts/bench measures the time itself).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.clock import FakeClock
from vebus_sim import Simulator
from victron_serial.vebus import Mode, Setting, VEBusUnit
from victron_serial.vebus.client import VEBusClient
from victron_serial.vebus.protocol import (
    AcInfoRequest,
    AcInputConfigRequest,
    DcInfoRequest,
    GetSetDeviceState,
    LedRequest,
    ReadSetting,
    ReadSnapshot,
    TakeSnapshot,
    WinmonRequest,
)
from victron_serial.vebus.protocol.framing import FrameDecoder
from victron_serial.vebus.reading.status import StatusPlan, read_status
from victron_serial.vebus.reading.tiers import SLOW_INTERVAL

# A full refresh of a single unit: LEDs, DC, AC L1, AC-input config, power snapshot
# (taken with F6, read with 0x38), device state. Nothing else.
EXPECTED = [
    LedRequest().encode(),
    DcInfoRequest().encode(),
    AcInfoRequest(1).encode(),
    AcInputConfigRequest().encode(),
    TakeSnapshot((14, 15, 16, 13)).encode(),
    ReadSnapshot().encode(),
    GetSetDeviceState(0).encode(),
]
EXPECTED_SENT = sum(len(frame) for frame in EXPECTED)  # 40 bytes
EXPECTED_RECEIVED = 10 + 17 + 17 + 15 + 13 + 7  # L, F0, F1, F5, 0x99 with 4 values, 0x94


def normalised(frame: bytes) -> bytes:
    """Winmon letters rotate X/Y/Z; compare frames as if all were X."""
    (decoded,) = FrameDecoder().feed(frame)
    request = WinmonRequest.decode(decoded)
    if request is None:
        return frame
    return WinmonRequest(ord("X"), request.command, request.args).encode()


async def refresh_traffic(plan: StatusPlan, sim: Simulator) -> tuple[list[bytes], int, int]:
    async with VEBusClient(await sim.start_pty()) as client:
        await read_status(client, plan)  # the first read also learns scales
        sim.requests.clear()
        sent, received = client.stats.bytes_sent, client.stats.bytes_received
        await read_status(client, plan)
        sent = client.stats.bytes_sent - sent
        received = client.stats.bytes_received - received
    return [normalised(frame) for frame in sim.requests], sent, received


async def test_one_refresh_sends_exactly_the_expected_requests() -> None:
    sim = Simulator(paced=False, live=False, heartbeat=3600)
    try:
        requests, sent, received = await refresh_traffic(StatusPlan(phases=1), sim)
    finally:
        await sim.stop()
    assert requests == EXPECTED
    assert sent == EXPECTED_SENT == 40
    assert received == EXPECTED_RECEIVED


async def test_three_phases_add_two_ac_requests_only() -> None:
    sim = Simulator("multiplus2-48", phases=3, paced=False, live=False, heartbeat=3600)
    try:
        requests, sent, _ = await refresh_traffic(StatusPlan(phases=3), sim)
    finally:
        await sim.stop()
    extra = [AcInfoRequest(2).encode(), AcInfoRequest(3).encode()]
    assert requests == [*EXPECTED[:3], *extra, *EXPECTED[3:]]
    assert sent == EXPECTED_SENT + 10


async def test_a_narrow_plan_polls_only_what_it_names() -> None:
    sim = Simulator(paced=False, live=False, heartbeat=3600)
    plan = StatusPlan(leds=False, ac=False, ac_input=False, device_state=False, snapshot_ids=())
    try:
        requests, _, _ = await refresh_traffic(plan, sim)
    finally:
        await sim.stop()
    assert requests == [DcInfoRequest().encode()]


# --- tiers: what a refresh of the unit reads, and when -------------------------------------

# The unit's snapshot takes the sample's ids: battery V and I, AC-in, AC-out and inverter
# power, state of charge (one id list for every snapshot: see reading.sampling.snapshot_ids).
SAMPLE = [TakeSnapshot((4, 5, 15, 16, 14, 13)).encode(), ReadSnapshot().encode()]
FAST = [*EXPECTED[:3], *SAMPLE]  # L, F0, F1, F6 + 0x38
SLOW = [EXPECTED[3], EXPECTED[6]]  # F5, device state
SETTING_READ = ReadSetting(Setting.ABSORPTION_VOLTAGE).encode()


@pytest.fixture
async def tiered() -> AsyncIterator[tuple[VEBusUnit, Simulator, FakeClock]]:
    sim = Simulator(paced=False, live=False, heartbeat=3600)
    clock = FakeClock(start=1_800_000_000.0)
    unit = VEBusUnit(VEBusClient(await sim.start_pty()), clock=clock)
    await unit.discover([Setting.ABSORPTION_VOLTAGE])
    await unit.refresh(StatusPlan(phases=1))  # the first refresh reads every tier
    yield unit, sim, clock
    await unit.close()
    await sim.stop()


async def unit_traffic(unit: VEBusUnit, sim: Simulator) -> list[bytes]:
    sim.requests.clear()
    await unit.refresh(StatusPlan(phases=1))
    return [normalised(frame) for frame in sim.requests]


async def test_a_quiet_refresh_reads_the_fast_tier_only(
    tiered: tuple[VEBusUnit, Simulator, FakeClock],
) -> None:
    unit, sim, clock = tiered
    clock.advance(SLOW_INTERVAL - 1)
    assert await unit_traffic(unit, sim) == FAST
    state = await unit.refresh(StatusPlan(phases=1))
    assert state.status.ac_input is not None  # the last values read stand
    assert state.status.device is not None


async def test_the_slow_tier_and_the_settings_come_back_after_the_interval(
    tiered: tuple[VEBusUnit, Simulator, FakeClock],
) -> None:
    unit, sim, clock = tiered
    before = (await unit.refresh(StatusPlan(phases=1))).settings[Setting.ABSORPTION_VOLTAGE]
    sim.device._eeprom[Setting.ABSORPTION_VOLTAGE] += 10  # changed elsewhere (VictronConnect)
    clock.advance(SLOW_INTERVAL)
    assert await unit_traffic(unit, sim) == [*FAST, *SLOW, SETTING_READ]
    sim.requests.clear()
    after = (await unit.refresh(StatusPlan(phases=1))).settings[Setting.ABSORPTION_VOLTAGE]
    assert [normalised(frame) for frame in sim.requests] == FAST
    assert after.value == pytest.approx(before.value + 0.1)  # 10 raw steps of 0.01 V


async def test_a_control_write_reads_the_slow_tier_with_the_next_refresh(
    tiered: tuple[VEBusUnit, Simulator, FakeClock],
) -> None:
    unit, sim, _ = tiered
    await unit.set_mode(Mode.CHARGER_ONLY)
    assert await unit_traffic(unit, sim) == [*FAST, *SLOW]
    state = await unit.refresh(StatusPlan(phases=1))
    assert state.status.ac_input is not None
    assert state.status.ac_input.remote_mode is Mode.CHARGER_ONLY


async def test_an_led_change_reads_the_device_state_again(
    tiered: tuple[VEBusUnit, Simulator, FakeClock],
) -> None:
    unit, sim, _ = tiered
    sim.device.leds = (sim.device.leds[0] ^ 0x01, sim.device.leds[1])
    assert await unit_traffic(unit, sim) == [*FAST, *SLOW]
    assert await unit_traffic(unit, sim) == FAST


async def test_a_new_session_reads_the_slow_tier_again(
    tiered: tuple[VEBusUnit, Simulator, FakeClock],
) -> None:
    unit, sim, _ = tiered
    await unit.client.close()  # a reconnect: a new session
    requests = await unit_traffic(unit, sim)
    assert requests[-len(SLOW) - 1 :] == [*SLOW, SETTING_READ]


async def test_a_sample_is_one_round_trip_of_the_key_values(
    tiered: tuple[VEBusUnit, Simulator, FakeClock],
) -> None:
    unit, sim, _ = tiered
    sim.requests.clear()
    received = unit.client.stats.bytes_received
    sample = await unit.sample()
    ids = (4, 5, 15, 16, 14, 13)
    assert [normalised(f) for f in sim.requests] == SAMPLE
    assert unit.client.stats.bytes_received - received == 5 + 2 * len(ids)
    assert sample.battery_voltage is not None and sample.grid_power is not None
