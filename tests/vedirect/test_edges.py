"""Edges of the library: lost ports mid-request, late replies, listeners, errors mapped,
the clock and the write record's corner cases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import logging

import pytest

from tests.clock import FakeClock
from tests.vedirect.wire import is_set, lost_on_the_wire
from tests.waiting import wait_for
from vebus_sim.vedirect import ChargerSimulator
from victron_serial.vedirect import (
    BlueSmartCharger,
    Reg,
    VEDirectClient,
    VEDirectConnectionError,
    VEDirectPortLostError,
    VEDirectPortNotFoundError,
    VEDirectTimeoutError,
    VEDirectUnsupportedError,
    VEDirectWriteUnconfirmedError,
    probe_port,
)
from victron_serial.vedirect.protocol import Command, HexFrame, TextBlock
from victron_serial.vedirect.settings import nominal_voltage, voltage_bounds


@pytest.fixture
async def sim() -> AsyncIterator[ChargerSimulator]:
    simulator = ChargerSimulator(paced=False, block_interval=0.1, live=False, seed=8)
    yield simulator
    await simulator.stop()


async def test_listeners_see_every_block_and_frame(sim: ChargerSimulator) -> None:
    async with VEDirectClient(await sim.start_pty(), timeout=1.0) as client:
        seen: list[object] = []
        remove = client.link.add_listener(seen.append)
        # Each second is a block, then its frames: which comes first depends on when the
        # listener joined.
        await wait_for(lambda: any(isinstance(i, TextBlock) for i in seen), "a block")
        await wait_for(lambda: any(isinstance(i, HexFrame) for i in seen), "a HEX frame")
        remove()
        count = len(seen)
        await client.next_block(5.0)
        assert len(seen) == count


async def test_every_frame_is_logged_at_debug_level(
    sim: ChargerSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="victron_serial.vedirect")
    async with VEDirectClient(await sim.start_pty(), timeout=1.0) as client:
        await client.get(Reg.MAXIMUM_CURRENT)
    assert ">> :7DFED0082" in caplog.text
    assert "<< :7DFED007800" in caplog.text


async def test_a_late_reply_is_no_answer_to_the_next_request(sim: ChargerSimulator) -> None:
    sim.faults.slow = 1.2  # later than the 1 s timeout
    async with VEDirectClient(await sim.start_pty(), timeout=1.0, retries=0) as client:
        with pytest.raises(VEDirectTimeoutError):
            await client.get(Reg.MAXIMUM_CURRENT)
        await wait_for(lambda: client.stats.unmatched_replies >= 1, "the late reply")
        sim.faults.slow = 0.0
        assert await client.get(Reg.MINIMUM_CURRENT) == 3.0


async def test_the_port_lost_mid_request_fails_it_at_once(sim: ChargerSimulator) -> None:
    sim.faults.no_hex = True
    async with VEDirectClient(await sim.start_pty(), timeout=2.0, retries=5) as client:
        request = asyncio.ensure_future(client.get(Reg.MAXIMUM_CURRENT))
        await wait_for(lambda: sim.bytes_received > 0, "the request")
        await sim.unplug()
        with pytest.raises(VEDirectPortLostError) as caught:
            await asyncio.wait_for(request, 5.0)
        assert caught.value.request_sent
        with pytest.raises(VEDirectConnectionError):  # the next request opens it again: gone
            await client.get(Reg.MAXIMUM_CURRENT)
        assert not client.connected


async def test_a_write_whose_port_went_away_is_unconfirmed(sim: ChargerSimulator) -> None:
    async with VEDirectClient(await sim.start_pty(), timeout=2.0) as client:

        async def pull_the_cable() -> None:
            await wait_for(lambda: any(is_set(f) for f in sim.charger.requests), "the set")
            await sim.unplug()

        with lost_on_the_wire(sim, is_set, requests=False):
            task = asyncio.ensure_future(pull_the_cable())
            with pytest.raises(VEDirectWriteUnconfirmedError, match="went away"):
                await client.write_raw(Reg.CHARGE_CURRENT_LIMIT, 80, previous=120)
            await task


async def test_probe_asks_the_product_id_when_no_block_came(sim: ChargerSimulator) -> None:
    url = await sim.start_pty()
    sim.block_interval = 60.0
    await wait_for(lambda: sim.seconds >= 1, "the first block")
    with lost_on_the_wire(sim, lambda f: f.command == Command.PRODUCT_ID, requests=True):
        found = await probe_port(url, timeout=1.5)
    assert found.hex and not found.text and found.product_id is None
    await sim.unplug()
    with pytest.raises(VEDirectPortNotFoundError):
        await probe_port(url)


async def test_limit_reads_that_fail_leave_the_text_values(sim: ChargerSimulator) -> None:
    clock = FakeClock()
    charger = BlueSmartCharger(VEDirectClient(await sim.start_pty(), timeout=1.0), clock=clock)
    with pytest.raises(VEDirectTimeoutError, match="no text block read yet"):
        charger.state()
    await charger.discover()
    try:
        sim.faults.no_hex = True
        state = await charger.refresh()
        assert state.charge_current_limit == 12.0  # the last value known
        assert charger.counters["limit_reads_failed"] == 1
        other = FakeClock(start=5.0)
        charger.clock = other
        assert charger.clock is other and charger.nvm.clock is other
        charger.model = None
        charger.reading = None
        with pytest.raises(VEDirectUnsupportedError, match="system voltage"):
            await charger.set_float_voltage(13.5)
    finally:
        await charger.close()


def test_the_system_voltage_comes_from_the_name_or_the_battery() -> None:
    assert nominal_voltage("Blue Smart IP22 Charger 12|30 (1)", None) == 12.0
    assert nominal_voltage("Phoenix Smart Charger 24|25 (3)", 13.0) == 24.0
    assert nominal_voltage(None, 27.4) == 24.0
    assert nominal_voltage("no voltage here", 13.1) == 12.0
    assert nominal_voltage(None, 0.0) is None
    assert voltage_bounds(12.0) == (12.0, 16.0)
