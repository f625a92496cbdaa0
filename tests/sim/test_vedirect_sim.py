"""The charger simulator (`vedirect-sim`): captured traffic byte for byte, answers, physics,
faults, endpoints. Raw bytes over TCP, so nothing of the client stands between."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import concurrent.futures
import os
import signal
import sys

import pytest

from tests.vedirect.vectors import BLOCKS, STREAMS, StreamVector
from tests.waiting import DEADLINE, wait_for
from vebus_sim.vedirect import (
    BYTE_TIME,
    CHATTER_PAIRS,
    HISTORY_FRAMES,
    ChargerFaults,
    ChargerSimulator,
    SimCharger,
    Traffic,
    get_model,
    serve,
)
from vebus_sim.vedirect.cli import main as sim_main
from victron_serial.vedirect import ChargeState, Reg
from victron_serial.vedirect.protocol import (
    HexFrame,
    RegisterFrame,
    Response,
    StreamReader,
    TextBlock,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


def set_state(charger: SimCharger, stream: StreamVector) -> None:
    state = stream.state
    charger.voltage = float(state["voltage"])
    charger.current = float(state.get("before", state["current"]))
    charger.state = ChargeState(int(state["state"]))
    if "uptime" in state:
        charger.uptime = int(state["uptime"])
    if "network_mode" in state:
        charger.network_mode = int(state["network_mode"], 16)


# --- the captured traffic, byte for byte --------------------------------------------------


def test_the_captured_seconds_come_out_byte_for_byte() -> None:
    charger = SimCharger("ip22-24-12", live=False)
    traffic = Traffic(charger)
    for name in ("S2", "S3"):
        stream = STREAMS[name]
        set_state(charger, stream)
        second = traffic.second()
        assert b"".join(second[1:]) == stream.wire, name
        assert second[0].endswith(b"Checksum\t" + second[0][-1:])


def test_block_t1_and_what_follows_it_byte_for_byte() -> None:
    stream = STREAMS["S1"]
    charger = SimCharger("ip22-24-8", live=False)
    set_state(charger, stream)
    second = Traffic(charger).second()
    assert second[0] == BLOCKS["T1"].wire  # the checksum byte 0x18 included
    assert tuple(second[1 : 1 + len(stream.simulated)]) == stream.simulated


def test_an_ip65_sends_only_what_changed() -> None:
    stream = STREAMS["S4"]
    charger = SimCharger("ip65-12-25", live=False)
    set_state(charger, stream)
    traffic = Traffic(charger)
    traffic.second()  # the second before: everything new
    charger.current = float(stream.state["current"])
    charger.uptime = int(stream.state["uptime"])
    second = traffic.second()
    assert tuple(second[1:]) == stream.simulated
    assert b"\r\nT\t" not in second[0]  # no temperature field at all


def test_history_records_go_out_once_as_captured() -> None:
    charger = SimCharger("ip22-24-12", live=False)
    charger.uptime = 6
    second = Traffic(charger).second()
    assert all(record in second for record in HISTORY_FRAMES)
    assert all(HexFrame.decode(record) for record in HISTORY_FRAMES)
    assert len([item for item in second if item == charger.async_frame(Reg.LINK_ERROR)]) == (
        CHATTER_PAIRS
    )


async def test_the_stream_over_tcp_is_what_the_capture_shows() -> None:
    sim = ChargerSimulator(paced=False, block_interval=3600, live=False)
    try:
        reader, writer = await asyncio.open_connection(*_host_port(await sim.start_tcp()))
        await wait_for(lambda: sim.clients == 1, "the client")
        stream = STREAMS["S2"]
        set_state(sim.charger, stream)
        block = sim.send_second()[0]
        expected = block + stream.wire
        assert await asyncio.wait_for(reader.readexactly(len(expected)), DEADLINE) == expected
        writer.close()
    finally:
        await sim.stop()


# --- timing ---------------------------------------------------------------------------------


async def test_blocks_with_good_checksums_at_19200_baud() -> None:
    sim = ChargerSimulator(live=True, seed=4)  # paced, a block a second
    try:
        reader, writer = await asyncio.open_connection(*_host_port(await sim.start_tcp()))
        stream_reader = StreamReader()
        blocks: list[TextBlock] = []
        first_byte_at = None
        received = 0
        loop = asyncio.get_running_loop()
        while len(blocks) < 2:
            data = await asyncio.wait_for(reader.read(4096), DEADLINE)
            received += len(data)
            first_byte_at = first_byte_at or loop.time()
            blocks += [i for i in stream_reader.feed(data) if isinstance(i, TextBlock)]
        # Never faster than the line: every byte after the first takes its time.
        assert loop.time() - first_byte_at >= (received - len(data) - 1) * BYTE_TIME
        assert stream_reader.stats.dropped_bytes == 0
        assert stream_reader.stats.checksum_errors == 0
        assert [block.get("PID") for block in blocks] == ["0xA334", "0xA334"]
        writer.close()
    finally:
        await sim.stop()


# --- HEX answers ----------------------------------------------------------------------------


@pytest.fixture
async def hex_wire() -> AsyncIterator[tuple[ChargerSimulator, Callable[[bytes], Awaitable[bytes]]]]:
    sim = ChargerSimulator(paced=False, block_interval=3600, live=False)
    reader, writer = await asyncio.open_connection(*_host_port(await sim.start_tcp()))
    await wait_for(lambda: sim.clients == 1, "the client")

    async def ask(request: bytes) -> bytes:
        writer.write(request)
        while True:  # the first answer; the first second's bytes came before the client
            line = await asyncio.wait_for(reader.readline(), DEADLINE)
            if line.startswith(b":") and not line.startswith(b":A"):
                return line

    yield sim, ask
    writer.close()
    await sim.stop()


async def test_hex_answers_from_the_library_codec(
    hex_wire: tuple[ChargerSimulator, Callable[[bytes], Awaitable[bytes]]],
) -> None:
    sim, ask = hex_wire
    version = HexFrame(Response.PING, (0x4342).to_bytes(2, "little")).encode()  # 3.42, app
    assert await ask(b":154\n") == version
    assert await ask(b":451\n") == HexFrame(Response.DONE, b"\x34\xa3").encode()  # 0xA334
    assert await ask(b":253\n") == b":3020050\n"  # as HEXDOC shows it
    assert await ask(b":452\n") == b":4AAAAFD\n"  # a wrong check byte: a framing error
    assert await ask(b":7F0ED0071\n") == RegisterFrame(7, 0xEDF0, 0, b"\x78\x00").encode()
    assert await ask(b":7C8ED0099\n") == RegisterFrame(7, 0xEDC8, 0, b"\x1e\x00").encode()
    assert await ask(b":7DFED0082\n") == RegisterFrame(7, 0xEDDF, 0, b"\x78\x00").encode()
    assert await ask(b":70002004C\n") == RegisterFrame(7, 0x0200, 1, b"").encode()
    assert sim.charger.requests[-1] == HexFrame.decode(b":70002004C\n")


async def test_writes_clamp_refuse_and_count(
    hex_wire: tuple[ChargerSimulator, Callable[[bytes], Awaitable[bytes]]],
) -> None:
    sim, ask = hex_wire
    charger = sim.charger
    assert await ask(b":8F0ED004B0025\n") == b":8F0ED004B0025\n"  # 7.5 A, echoed
    assert charger.charge_current_limit == 7.5
    below = RegisterFrame(8, 0xEDF0, 0, b"\x0a\x00").encode()  # 1.0 A: clamped to 3.0 A
    assert await ask(below) == RegisterFrame(8, 0xEDF0, 0, b"\x1e\x00").encode()
    assert await ask(b":8F0ED002C0143\n") == RegisterFrame(8, 0xEDF0, 4, b"").encode()  # 30 A
    assert charger.nvm_writes[Reg.CHARGE_CURRENT_LIMIT.id] == 2  # refused: not written
    assert await ask(b":8F7ED00A005C4\n") == RegisterFrame(8, 0xEDF7, 4, b"").encode()
    charger.settings[Reg.BATTERY_TYPE.id] = 0xFF
    assert await ask(b":8F7ED00A005C4\n") == b":8F7ED00A005C4\n"  # user defined: taken
    uptime = RegisterFrame(8, 0x0120, 0, b"\0\0\0\0").encode()
    assert await ask(uptime) == RegisterFrame(8, 0x0120, 2, b"").encode()  # read only
    assert await ask(b":801E000026A\n") == b":801E000026A\n"
    wrong_size = RegisterFrame(8, 0xEDF0, 0, b"\x01").encode()
    assert await ask(wrong_size) == RegisterFrame(8, 0xEDF0, 4, b"").encode()
    assert dict(charger.nvm_writes) == {0xEDF0: 2, 0xEDF7: 1, 0xE001: 1}


# --- physics --------------------------------------------------------------------------------


def test_charge_stages_move_and_mains_off_stops_the_current() -> None:
    charger = SimCharger("ip22-12-30", live=True)
    seen = []
    for _ in range(2000):
        charger.step()
        if charger.state not in seen:
            seen.append(charger.state)
    assert seen == [
        ChargeState.BULK,
        ChargeState.ABSORPTION,
        ChargeState.FLOAT,
        ChargeState.STORAGE,
    ]
    assert charger.voltage == pytest.approx(13.2)
    charger.mains = False
    charger.step()
    assert (charger.state, charger.current, charger.off_reason) == (ChargeState.OFF, 0.0, 1)
    charger.mains = True
    charger.step()
    assert charger.state is ChargeState.BULK and charger.current == 30.0
    charger.settings[Reg.LOW_CURRENT_MODE.id] = 2
    charger.step()
    assert charger.current == 15.0  # night mode: half


def test_models_and_their_differences() -> None:
    assert get_model("ip65-12-25").link_chatter is False
    with pytest.raises(ValueError, match="unknown charger model"):
        get_model("ip99")
    triple = SimCharger("ip22-24-16", live=False)
    block = Traffic(triple).block()
    assert b"\r\nV2\t" in block and b"\r\nI3\t" in block
    with pytest.raises(ValueError, match="positive"):
        ChargerSimulator(block_interval=0)


# --- faults ---------------------------------------------------------------------------------


def test_fault_spec_grammar() -> None:
    faults = ChargerFaults.parse(
        "noise=0.1, drop=0.01,bitflip=0.001,split=0.5:0.2,interrupt=1,"
        "framing=0.2,replydrop=0.3,rxdrop=0.4,slow=0.5,nohex,silent"
    )
    assert (faults.noise, faults.drop, faults.bit_flip) == (0.1, 0.01, 0.001)
    assert (faults.split, faults.split_pause, faults.interrupt) == (0.5, 0.2, 1.0)
    assert (faults.framing, faults.reply_drop, faults.rx_drop, faults.slow) == (0.2, 0.3, 0.4, 0.5)
    assert faults.no_hex and faults.silent
    assert ChargerFaults.parse("split=0.1").split_pause == 0.05
    assert ChargerFaults.parse("") == ChargerFaults()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("wobble=1", "unknown fault"),
        ("noise", "needs a value"),
        ("silent=1", "takes no value"),
        ("noise=2", "within 0..1"),
        ("noise=x", "not a number"),
        ("noise=inf", "not a finite number"),
        ("slow=-1", "must not be negative"),
    ],
)
def test_fault_spec_errors_name_the_item(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ChargerFaults.parse(spec)


def test_faults_on_the_wire() -> None:
    sim = ChargerSimulator(seed=9, faults=ChargerFaults(interrupt=1.0))
    block = sim.traffic.block()
    (interrupted,) = sim.faulted(block)
    reader = StreamReader()
    items = reader.feed(interrupted)
    assert [type(item) for item in items] == [HexFrame, TextBlock]  # old firmware: still whole
    assert reader.stats.interrupted_blocks == 1
    sim.faults = ChargerFaults(split=1.0)
    assert b"".join(parts := sim.faulted(block)) == block and len(parts) == 2
    sim.faults = ChargerFaults(noise=1.0, drop=0.5, bit_flip=0.5)
    (noisy,) = sim.faulted(block)
    assert noisy != block


async def test_silence_noanswer_and_lost_replies() -> None:
    sim = ChargerSimulator(paced=False, block_interval=0.05, live=False, seed=1)
    try:
        reader, writer = await asyncio.open_connection(*_host_port(await sim.start_tcp()))
        await asyncio.wait_for(reader.readuntil(b"Checksum\t"), DEADLINE)
        sim.faults.silent = True
        await asyncio.sleep(0.1)
        sent = sim.bytes_sent
        await asyncio.sleep(0.3)
        assert sim.bytes_sent == sent  # nothing at all
        for faults, received in ((ChargerFaults(no_hex=True), 5), (ChargerFaults(rx_drop=1.0), 10)):
            sim.faults = faults
            writer.write(b":154\n")
            await wait_for(lambda n=received: sim.bytes_received >= n, "the request")  # type: ignore[misc]
        sim.faults = ChargerFaults(framing=1.0, slow=0.01)
        writer.write(b":154\n")
        data = await asyncio.wait_for(reader.readuntil(b":4AAAAFD\n"), DEADLINE)
        frames = [i for i in StreamReader().feed(data) if isinstance(i, HexFrame)]
        assert [f.command for f in frames if f.command != Response.ASYNC] == [Response.ERROR]
        writer.close()
    finally:
        await sim.stop()


# --- endpoints and the command line -------------------------------------------------------------


async def test_tcp_and_pty_unplug_and_replug(tmp_path: object) -> None:
    sim = ChargerSimulator(paced=False, block_interval=0.05, live=False)
    try:
        url = await sim.start_tcp()
        link = f"{tmp_path}/ttyCharger"
        assert await sim.start_pty(link) == link
        first_pty = sim.pty_path
        await sim.unplug()
        assert sim.pty_path is None
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection(*_host_port(url))
        await sim.replug()
        assert sim.pty_path is not None and os.readlink(link) == sim.pty_path
        assert first_pty is not None
        reader, writer = await asyncio.open_connection(*_host_port(url))
        assert await asyncio.wait_for(reader.readuntil(b"Checksum\t"), DEADLINE)
        writer.close()
        with pytest.raises(RuntimeError):
            await sim.start_tcp()
        with pytest.raises(RuntimeError):
            await sim.start_pty()
    finally:
        await sim.stop()


async def test_serve_prints_each_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    stop = asyncio.Event()
    task = asyncio.ensure_future(
        serve(tcp=("127.0.0.1", 0), pty=True, paced=False, mains=False, stop=stop)
    )
    printed: list[str] = []
    await wait_for(
        lambda: printed.extend(capsys.readouterr().out.splitlines()) or len(printed) >= 2,
        "two endpoints",
    )
    assert printed[0].startswith("socket://127.0.0.1:")
    assert os.path.realpath(printed[1]).startswith("/dev/pts/")
    stop.set()
    await asyncio.wait_for(task, DEADLINE)


def test_bad_arguments_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--tcp", "nonsense"], ["--block-interval", "0"], ["--model", "x"]):
        with pytest.raises(SystemExit) as caught:
            sim_main(argv)
        assert caught.value.code == 2
        assert "error" in capsys.readouterr().err
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # asyncio.run() on its own loop
        assert pool.submit(sim_main, ["--faults", "wobble=1"]).result() == 1
    assert "unknown fault" in capsys.readouterr().err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_ends_it_promptly_with_a_client_connected(signum: int) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vebus_sim.vedirect",
        "--tcp",
        "127.0.0.1:0",
        "--mains-off",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), DEADLINE)).decode().strip()
        assert url.startswith("socket://127.0.0.1:")  # the endpoint, on one line
        reader, writer = await asyncio.open_connection(*_host_port(url))
        block = await asyncio.wait_for(reader.readuntil(b"\r\nCS\t"), DEADLINE)
        assert b"PID\t0xA334" in block
        assert (await asyncio.wait_for(reader.readexactly(1), DEADLINE)) == b"0"  # mains off
        process.send_signal(signum)
        assert await asyncio.wait_for(process.wait(), DEADLINE) == 0
        writer.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def _host_port(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("socket://").rpartition(":")
    return host, int(port)
