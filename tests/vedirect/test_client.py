"""The real client against the charger simulator over a real pty or TCP socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.ports import held_by_another_process
from tests.vedirect.wire import is_set, lost_on_the_wire, sets_seen
from tests.waiting import wait_for
from vebus_sim import Simulator as VEBusSimulator
from vebus_sim.vedirect import ChargerSimulator
from victron_serial.vedirect import (
    Reg,
    VEDirectClient,
    VEDirectConnectionError,
    VEDirectInvalidPortError,
    VEDirectParameterError,
    VEDirectPortBusyError,
    VEDirectPortNotFoundError,
    VEDirectProtocolError,
    VEDirectTimeoutError,
    VEDirectUnknownRegisterError,
    VEDirectUnsupportedError,
    VEDirectWriteNotAppliedError,
    VEDirectWriteUnconfirmedError,
    probe_port,
)
from victron_serial.vedirect.protocol import SetRegister

FAST_BLOCKS = 0.1  # s between text blocks: ten device seconds a second


@pytest.fixture
async def sim() -> AsyncIterator[ChargerSimulator]:
    simulator = ChargerSimulator(paced=False, block_interval=FAST_BLOCKS, live=False, seed=1)
    yield simulator
    await simulator.stop()


@pytest.fixture
async def client(sim: ChargerSimulator) -> AsyncIterator[VEDirectClient]:
    vedirect = VEDirectClient(await sim.start_pty(), timeout=1.0)
    await vedirect.connect()
    yield vedirect
    await vedirect.close()


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize("endpoint", ["pty", "tcp"])
async def test_probe_over_pty_and_tcp(sim: ChargerSimulator, endpoint: str) -> None:
    url = await (sim.start_pty() if endpoint == "pty" else sim.start_tcp())
    found = await probe_port(url)
    assert found.product_id == 0xA334
    assert found.model == "Blue Smart IP22 Charger 24|12"
    assert (found.firmware, found.serial) == ("3.42", "HQ2230XY6XR")
    assert found.text and found.hex
    assert found.ping_version == 0x4342


async def test_probe_tells_a_header_wired_for_reading_only(sim: ChargerSimulator) -> None:
    sim.faults.no_hex = True
    found = await probe_port(await sim.start_pty())
    assert found.text and not found.hex
    assert found.product_id == 0xA334


async def test_probe_finds_hex_alone_and_asks_the_product_id(sim: ChargerSimulator) -> None:
    url = await sim.start_pty()
    sim.block_interval = 60.0  # no block within the probe's time
    await wait_for(lambda: sim.seconds >= 1, "the first block")
    found = await probe_port(url, timeout=1.5)
    assert found.hex and not found.text
    assert found.product_id == 0xA334


async def test_an_mk3_is_no_vedirect_device() -> None:
    mk3 = VEBusSimulator(paced=False, live=False, heartbeat=0.2)
    try:
        url = await mk3.start_pty()
        with pytest.raises(VEDirectTimeoutError, match="no VE.Direct"):
            await probe_port(url, timeout=1.5)
    finally:
        await mk3.stop()


async def test_reads_are_what_the_charger_holds(
    sim: ChargerSimulator, client: VEDirectClient
) -> None:
    charger = sim.charger
    assert await client.get(Reg.CHARGE_CURRENT_LIMIT) == charger.charge_current_limit
    assert await client.get(Reg.MINIMUM_CURRENT) == 3.0
    assert await client.get(Reg.MAXIMUM_CURRENT) == 12.0
    assert await client.get(Reg.MODEL_NAME) == "Blue Smart IP22 Charger 24|12"
    assert await client.get(Reg.CHANNEL1_VOLTAGE) == pytest.approx(charger.voltage)
    assert await client.get(Reg.BATTERY_VSENSE) is None  # 0xFFFF: no sense voltage
    assert await client.product_id() == 0xA334
    assert await client.app_version() == 0x4342
    with pytest.raises(VEDirectUnknownRegisterError):
        await client.get(Reg.DEVICE_MODE)  # not on the IP22


async def test_text_blocks_and_async_frames_arrive_between_replies(
    sim: ChargerSimulator, client: VEDirectClient
) -> None:
    block = await client.next_block(5.0)
    assert block.get("PID") == "0xA334"
    for _ in range(5):  # many requests while blocks and frames keep coming
        assert await client.get(Reg.UPTIME) == pytest.approx(sim.charger.uptime, abs=1)
    await wait_for(lambda: client.async_value(Reg.UPTIME) is not None, "an async uptime")
    sim.charger.voltage = 27.5  # measurements are sent when they change
    await wait_for(
        lambda: client.async_value(Reg.CHANNEL1_VOLTAGE) == pytest.approx(27.5), "the voltage"
    )
    assert client.async_value(Reg.DEVICE_MODE) is None
    assert client.stats.async_frames > 0
    assert client.stats.text_blocks > 0
    assert client.reader_stats.dropped_bytes == 0


async def test_a_write_is_sent_once_and_read_back(
    sim: ChargerSimulator, client: VEDirectClient
) -> None:
    limit = Reg.CHARGE_CURRENT_LIMIT
    assert await client.write_raw(limit, 75, previous=120) == 75
    assert sim.charger.charge_current_limit == 7.5
    # Below the charger's minimum: it clamps, and the read-back says so.
    assert await client.write_raw(limit, 10, previous=75) == 30
    assert sim.charger.nvm_writes[limit.id] == 2
    assert len(sets_seen(sim)) == 2
    with pytest.raises(VEDirectUnsupportedError):
        await client.write_raw(Reg.UPTIME, 1, previous=None)  # refused before the wire
    assert len(sets_seen(sim)) == 2


async def test_the_charger_refuses_writes_with_typed_errors(
    sim: ChargerSimulator, client: VEDirectClient
) -> None:
    with pytest.raises(VEDirectUnsupportedError):  # flag 0x02: read only
        await client.link.exchange(SetRegister(Reg.UPTIME.id, b"\0\0\0\0"), retries=0)
    with pytest.raises(VEDirectUnknownRegisterError):  # flag 0x01
        await client.link.exchange(SetRegister(0x1234, b"\0"), retries=0)
    with pytest.raises(VEDirectParameterError):  # flag 0x04: above the maximum
        await client.write_raw(Reg.CHARGE_CURRENT_LIMIT, 500, previous=120)


async def test_a_write_whose_reply_was_lost_is_read_back(
    sim: ChargerSimulator, client: VEDirectClient
) -> None:
    limit = Reg.CHARGE_CURRENT_LIMIT
    with lost_on_the_wire(sim, is_set, requests=False):
        assert await client.write_raw(limit, 80, previous=120) == 80
    assert client.stats.writes_confirmed_by_readback == 1
    with lost_on_the_wire(sim, is_set, requests=True), pytest.raises(VEDirectWriteNotAppliedError):
        await client.write_raw(limit, 90, previous=80)
    assert sim.charger.charge_current_limit == 8.0
    assert len(sets_seen(sim)) == 1  # the lost request never reached the charger's logic


async def test_a_write_nobody_can_confirm_is_reported_so(
    sim: ChargerSimulator, client: VEDirectClient
) -> None:
    with lost_on_the_wire(sim, is_set, requests=False):
        sim.faults.reply_drop = 0.0
        sim.faults.no_hex = False
        original = sim.charger.handle

        def deaf_after_set(frame):  # type: ignore[no-untyped-def]
            replies = original(frame)
            sim.faults.no_hex = True  # the read-back is never answered either
            return replies

        sim.charger.handle = deaf_after_set  # type: ignore[method-assign]
        with pytest.raises(VEDirectWriteUnconfirmedError) as caught:
            await client.write_raw(Reg.CHARGE_CURRENT_LIMIT, 80, previous=120)
    assert caught.value.request_sent
    assert client.stats.writes_unconfirmed == 1


async def test_silence_times_out_after_every_attempt(sim: ChargerSimulator) -> None:
    sim.faults.no_hex = True
    async with VEDirectClient(await sim.start_pty(), timeout=1.0, retries=1) as client:
        with pytest.raises(VEDirectTimeoutError) as caught:
            await client.get(Reg.CHARGE_CURRENT_LIMIT)
        assert caught.value.request_sent
        assert client.stats.timeouts == 2
        assert client.stats.retries == 1
        assert "7F0ED0071" in str(caught.value)


async def test_a_framing_error_reply_is_sent_again(
    sim: ChargerSimulator, client: VEDirectClient
) -> None:
    sim.faults.framing = 1.0
    with pytest.raises(VEDirectProtocolError, match="could not read"):
        await client.get(Reg.CHARGE_CURRENT_LIMIT)
    assert client.stats.framing_error_replies == 3  # the first attempt and two retries
    sim.faults.framing = 0.0
    assert await client.get(Reg.CHARGE_CURRENT_LIMIT) == 12.0


async def test_timeouts_below_a_second_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        VEDirectClient("/dev/null", timeout=0.5)


async def test_noise_split_items_and_lost_bytes_cost_retries_not_answers(
    sim: ChargerSimulator,
) -> None:
    sim.faults.noise = 0.3
    sim.faults.split = 0.5
    sim.faults.split_pause = 0.01
    sim.faults.drop = 0.002
    async with VEDirectClient(await sim.start_pty(), timeout=1.0, retries=5) as client:
        for _ in range(20):
            assert await client.get(Reg.MAXIMUM_CURRENT) == 12.0
        block = await client.next_block(10.0)
        assert block.get("SER#") == "HQ2230XY6XR"
        await wait_for(lambda: client.reader_stats.dropped_bytes > 0, "noise dropped")


async def test_the_client_reconnects_after_the_cable_was_pulled(
    sim: ChargerSimulator, tmp_path: Path
) -> None:
    link = str(tmp_path / "ttyVEDirect")
    async with VEDirectClient(await sim.start_pty(link), timeout=1.0, retries=0) as client:
        assert await client.get(Reg.MAXIMUM_CURRENT) == 12.0
        session = client.session
        await sim.unplug()
        with pytest.raises(VEDirectConnectionError):
            await client.get(Reg.MAXIMUM_CURRENT)
        await sim.replug()
        assert await client.get(Reg.MAXIMUM_CURRENT) == 12.0
        assert client.session == session + 1
        assert client.stats.connection_losses == 1


async def test_the_text_stream_ending_fails_the_wait_for_a_block(sim: ChargerSimulator) -> None:
    async with VEDirectClient(await sim.start_pty(), timeout=1.0) as client:
        await client.next_block(5.0)
        sim.faults.silent = True
        with pytest.raises(VEDirectTimeoutError, match="no text block"):
            await client.next_block(1.0)


async def test_ports_that_cannot_be_opened_say_why(tmp_path: Path, sim: ChargerSimulator) -> None:
    with pytest.raises(VEDirectPortNotFoundError):
        await VEDirectClient(str(tmp_path / "nothing")).connect()
    with pytest.raises(VEDirectInvalidPortError):
        await VEDirectClient(str(tmp_path)).connect()
    path = await sim.start_pty()
    async with held_by_another_process(path):
        with pytest.raises(VEDirectPortBusyError):
            await VEDirectClient(path).connect()


@pytest.mark.usefixtures("socket_enabled")
async def test_a_paced_charger_over_tcp_answers_between_its_blocks() -> None:
    sim = ChargerSimulator(live=True, seed=2)  # 19200 baud, a block a second
    try:
        async with VEDirectClient(await sim.start_tcp(), timeout=2.0) as client:
            block = await client.next_block(5.0)
            assert block.get("CS") == "3"
            assert await client.get(Reg.MAXIMUM_CURRENT) == 12.0
            assert await client.get(Reg.CHARGE_CURRENT_LIMIT) == 12.0
            await client.next_block(5.0)
            assert client.reader_stats.dropped_bytes == 0
            assert client.reader_stats.checksum_errors == 0
    finally:
        await sim.stop()
