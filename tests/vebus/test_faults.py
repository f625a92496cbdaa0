"""Fault injection: the real client against the real simulator with its faults on.

Noise, flipped bits and lost bytes in both directions, late replies, silence, a port
that closes mid-request, a port held by another program, a device that is no VE.Bus
interface; connect/close and unplug/replug cycles that must leak no task and no file
descriptor; and control writes that end confirmed or raise, hammered while faults come
and go, after which the simulator holds what the last confirmed write set.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
import random

import pytest

# Against the unpaced simulator a reply takes a millisecond or two: short timeouts keep
# the many retries here fast and change nothing else (the protocol has no clock).
from tests.ports import held_by_another_process
from tests.waiting import wait_for, wait_for_async
from tests.wire import (
    ForeignDevice,
    is_lines_write,
    is_panel_write,
    lost_on_the_wire,
    open_fds,
    task_names,
    winmon_write,
)
from vebus_sim import Faults, Simulator
from victron_serial.vebus import SwitchState, VEBusWriteNotAppliedError
from victron_serial.vebus.client import VEBusClient
from victron_serial.vebus.device.states import Mode
from victron_serial.vebus.errors import (
    VEBusConnectionError,
    VEBusPortBusyError,
    VEBusPortLostError,
    VEBusTimeoutError,
    VEBusWriteUnconfirmedError,
)
from victron_serial.vebus.protocol import LedRequest
from victron_serial.vebus.protocol.framing import MAX_LENGTH, Frame
from victron_serial.vebus.protocol.ids import Lines
from victron_serial.vebus.protocol.variables import WRITE_RAM_ONLY, WRITE_SETTING
from victron_serial.vebus.reading.status import read_status

TIMEOUT = 0.05
SLOW_TIMEOUT = 0.1
ABSORPTION, FLOAT = 2, 3


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator("multiplus-12", paced=False, live=False, seed=3)
    yield simulator
    await simulator.stop()


@pytest.fixture
async def client(sim: Simulator, tmp_path: Path) -> AsyncIterator[VEBusClient]:
    # A link, as /dev/serial/by-id/ gives: after a replug it leads to the new pty, where
    # the pty's own name may by then belong to another program's terminal.
    link = str(tmp_path / "ttyVEBUS")
    vebus = VEBusClient(await sim.start_pty(link=link), timeout=TIMEOUT, slow_timeout=SLOW_TIMEOUT)
    await vebus.connect()
    yield vebus
    await vebus.close()


# --- reads under faults ---------------------------------------------------------------------


async def test_reads_under_noise_flips_and_drops_are_right_or_raise(
    sim: Simulator, client: VEBusClient
) -> None:
    clean = await read_status(client)
    sim.faults = Faults(
        noise=0.3, bit_flip=0.01, drop=0.005, rx_bit_flip=0.01, rx_drop=0.005, unrelated=0.2
    )
    right = failed = 0
    for _ in range(10):
        try:
            status = await read_status(client)
        except VEBusTimeoutError:
            failed += 1
            continue
        right += 1
        assert (status.dc, status.ac, status.ac_input, status.ram) == (
            clean.dc,
            clean.ac,
            clean.ac_input,
            clean.ram,
        )
    stats = client.framing_stats
    assert right > failed
    assert stats.checksum_errors > 0
    assert stats.dropped_bytes > 0
    assert client.stats.retries > 0
    assert client.decoder.pending <= MAX_LENGTH + 1


@pytest.mark.parametrize("slow", [1.4, 2.4])  # in request timeouts: replies come late
async def test_late_replies_are_never_taken_for_the_next_answer(
    sim: Simulator, client: VEBusClient, slow: float
) -> None:
    ids = (2, 3, 4, 11, 12, 64)
    truth = {i: sim.device.eeprom_raw(i) for i in ids}
    assert len(set(truth.values())) == len(ids)  # every answer tells whose it is
    sim.faults.slow = slow * TIMEOUT
    for setting_id in ids:
        assert await client.read_setting_raw(setting_id) == truth[setting_id]
    assert client.stats.timeouts > 0
    assert client.stats.settles > 0


async def test_silence_costs_the_timeouts_and_then_recovers(
    sim: Simulator, client: VEBusClient
) -> None:
    await client.leds()
    sim.faults.silent = True
    timeouts = client.stats.timeouts
    with pytest.raises(VEBusTimeoutError):
        await client.dc_info()
    assert client.stats.timeouts - timeouts == client.retries + 1  # each attempt once, no more
    sim.faults.silent = False
    leds = await client.leds()  # the first request after the device is back answers
    assert leds.on == sim.device.leds[0]


async def test_requests_broken_on_the_way_in_are_never_acted_on(
    sim: Simulator, client: VEBusClient
) -> None:
    faults = Faults.parse("rxbitflip=1,rxdrop=0.25")
    assert (faults.rx_bit_flip, faults.rx_drop) == (1.0, 0.25)
    assert Faults.parse(faults.spec()) == faults
    await client.leds()
    seen = len(sim.requests)
    sim.faults = faults
    with pytest.raises(VEBusWriteUnconfirmedError):  # its read-back met the same fate
        await client.set_panel_state(Mode.OFF)
    assert len(sim.requests) == seen  # the device's decoder dropped every request
    assert sim.device.switch_state == SwitchState.ON
    sim.faults = Faults()
    await client.set_panel_state(Mode.OFF)
    assert sim.device.switch_state == SwitchState.OFF


# --- the port ---------------------------------------------------------------------------


async def test_port_closed_mid_request_fails_at_once_and_reconnects(
    sim: Simulator, client: VEBusClient
) -> None:
    await client.leds()
    sim.faults.slow = 5.0  # the reply would come long after the port is gone
    client.timeout = 10.0
    request = asyncio.create_task(client.leds())
    await wait_for(lambda: sim.requests[-1:] == [LedRequest().encode()], "the request is out")
    await sim.unplug()
    with pytest.raises(VEBusConnectionError):
        await request
    assert client.stats.timeouts == 0  # failed on the loss, without waiting for a timeout
    assert client.stats.connection_losses == 1
    with pytest.raises(VEBusConnectionError):
        await client.leds()  # still unplugged
    sim.faults.slow = 0.0
    await sim.replug()
    assert (await client.leds()).on == sim.device.leds[0]
    assert client.stats.connects == 2  # the fixture's and this one (a failed open is none)


async def test_a_write_in_flight_when_the_port_closes_is_unconfirmed(
    sim: Simulator, client: VEBusClient
) -> None:
    ess = await client.find_ess_setpoint()
    assert ess is not None
    sim.faults.slow = 5.0
    client.timeout = 10.0
    sent = len(sim.requests)
    write = asyncio.create_task(client.write_ess_setpoint(ess, 300))
    await wait_for(lambda: len(sim.requests) > sent, "the write is out")
    await sim.unplug()
    with pytest.raises(VEBusWriteUnconfirmedError) as caught:
        await write
    assert isinstance(caught.value.__cause__, VEBusPortLostError)
    assert "may or may not be in force" in str(caught.value)
    assert client.stats.writes_unconfirmed == 1


async def test_a_port_held_by_another_program_is_busy_until_released(sim: Simulator) -> None:
    path = await sim.start_pty()
    async with held_by_another_process(path):
        vebus = VEBusClient(path, timeout=TIMEOUT)
        with pytest.raises(VEBusPortBusyError):
            await vebus.connect()
    await wait_for(lambda: sim.clients == 0, "the simulator sees the holder go")
    async with vebus:
        assert await vebus.version() == sim.device.interface_version


async def test_a_device_that_is_no_vebus_interface_times_out_cleanly() -> None:
    foreign = ForeignDevice()
    try:
        async with VEBusClient(foreign.path, timeout=TIMEOUT) as vebus:
            with pytest.raises(VEBusTimeoutError):
                await vebus.probe()
            stats = vebus.framing_stats
            await wait_for(lambda: stats.dropped_bytes > 100, "a text block dropped as noise")
            assert stats.frames == 0
            assert vebus.decoder.pending <= MAX_LENGTH + 1
    finally:
        await foreign.close()


async def test_noise_storm_keeps_every_buffer_bounded(sim: Simulator, client: VEBusClient) -> None:
    """Mangled heartbeats as fast as they go: far more than 2400 baud carries. The buffers
    stay bounded, the link resets the connection and waits before it connects again."""
    client.link.flood.backoff_first = 0.2
    sim.faults.noise = 1.0
    sim.faults.bit_flip = 0.2
    sim.heartbeat = 0.001
    most_held = 0

    def flooded() -> bool:
        nonlocal most_held
        most_held = max(most_held, client.decoder.pending)
        return client.stats.floods > 0

    await wait_for(flooded, "the storm taken for a flood")
    assert most_held <= MAX_LENGTH + 1
    assert not client.connected
    with pytest.raises(VEBusConnectionError, match="2400 baud"):
        await client.leds()  # during the back-off: refused at once, nothing sent
    assert len(client.stats.last_errors) <= 10
    sim.faults = Faults()
    sim.heartbeat = 1.0

    async def answers() -> bool:
        try:
            return (await client.leds()).on == sim.device.leds[0]
        except VEBusConnectionError:
            return False

    await wait_for_async(answers, "the link back after the back-off")
    assert client.stats.floods >= 1


@pytest.mark.usefixtures("socket_enabled")
async def test_a_peer_flooding_a_socket_is_reset_and_backed_off() -> None:
    """Random bytes at full speed over socket://: the connection is reset, and the next
    one waits, doubling, instead of spending a core on the flood."""

    async def spew(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        rng = random.Random(1)
        with contextlib.suppress(ConnectionError):
            while not writer.is_closing():
                writer.write(rng.randbytes(4096))
                await writer.drain()

    server = await asyncio.start_server(spew, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        vebus = VEBusClient(f"socket://127.0.0.1:{port}", timeout=TIMEOUT)
        await vebus.connect()
        await wait_for(lambda: vebus.stats.floods == 1, "the flood noticed")
        first = vebus.link.flood.wait_left()
        assert first > 0
        with pytest.raises(VEBusConnectionError, match="connecting again"):
            await vebus.leds()
        assert vebus.stats.connects == 1  # the back-off held the next connection back
        await vebus.close()
    finally:
        server.close()
        await server.wait_closed()


# --- leaks ------------------------------------------------------------------------------------


async def test_connect_close_cycles_leak_no_task_and_no_fd(sim: Simulator) -> None:
    path = await sim.start_pty()
    vebus = VEBusClient(path, timeout=TIMEOUT)
    async with vebus:
        await vebus.leds()
    await wait_for(lambda: sim.clients == 0, "the simulator's session for that client ends")
    tasks, fds = task_names(), open_fds()
    for _ in range(15):
        async with vebus:
            await vebus.leds()
        await wait_for(lambda: sim.clients == 0, "the simulator sees the client go")
    assert task_names() == tasks
    assert open_fds() == fds


async def test_unplug_replug_cycles_leak_no_task_and_no_fd(sim: Simulator, tmp_path: Path) -> None:
    vebus = VEBusClient(await sim.start_pty(link=str(tmp_path / "ttyVEBUS")), timeout=TIMEOUT)
    await vebus.leds()
    tasks, fds = task_names(), open_fds()
    for _ in range(8):
        await sim.unplug()
        with pytest.raises(VEBusConnectionError):
            await vebus.leds()
        await sim.replug()
        await vebus.leds()
    assert task_names() == tasks
    assert open_fds() == fds
    assert vebus.stats.connection_losses == 8
    await vebus.close()


# --- writes: confirmed or raised ---------------------------------------------------------------


@dataclass(frozen=True)
class WriteCase:
    """One kind of control write, how to spot it on the wire, and how to see it done."""

    name: str
    is_write: Callable[[Frame], bool]
    write: Callable[[VEBusClient, int], Awaitable[object]]
    done: Callable[[Simulator, int], bool]
    ess: bool = False


WRITES = [
    WriteCase(
        "remote switch and current limit",
        is_panel_write,
        lambda c, _: c.set_panel_state(Mode.CHARGER_ONLY, 12.3),
        lambda s, _: s.device.switch_state == SwitchState.CHARGER_ONLY
        and s.device.current_limit == pytest.approx(12.3),
    ),
    WriteCase(
        "ESS setpoint",
        winmon_write(WRITE_RAM_ONLY),
        lambda c, ess: c.write_ess_setpoint(ess, 420),
        lambda s, _: s.device.ess_setpoint == -420,
        ess=True,
    ),
    WriteCase(
        "setting stored in EEPROM",
        winmon_write(WRITE_SETTING),
        lambda c, _: c.write_setting(FLOAT, 13.3, persist=True),
        lambda s, _: s.device.eeprom_raw(FLOAT) == 1330,
    ),
    WriteCase(
        "interface lines",
        is_lines_write,
        lambda c, _: c.set_interface(standby=True),
        lambda s, _: bool(s.device.interface_lines & Lines.STANDBY),
    ),
]


@pytest.mark.parametrize("case", WRITES, ids=lambda case: case.name)
async def test_a_write_whose_replies_are_lost_is_confirmed_by_reading_back(
    sim: Simulator, client: VEBusClient, case: WriteCase
) -> None:
    ess = await client.find_ess_setpoint() or 0
    with lost_on_the_wire(sim, case.is_write, requests=False):
        await case.write(client, ess)  # returns: the device holds the value
    assert case.done(sim, ess)
    assert client.stats.write_readbacks == 1
    assert client.stats.writes_confirmed_by_readback == 1


@pytest.mark.parametrize("case", WRITES, ids=lambda case: case.name)
async def test_a_write_the_device_never_got_raises(
    sim: Simulator, client: VEBusClient, case: WriteCase
) -> None:
    ess = await client.find_ess_setpoint() or 0
    with (
        lost_on_the_wire(sim, case.is_write, requests=True),
        pytest.raises(VEBusWriteNotAppliedError) as caught,
    ):
        await case.write(client, ess)
    assert not isinstance(caught.value, VEBusWriteUnconfirmedError)
    assert "does not hold the value" in str(caught.value)
    assert not case.done(sim, ess)
    assert client.stats.writes_not_applied == 1


async def test_a_write_whose_read_back_fails_too_is_unconfirmed(
    sim: Simulator, client: VEBusClient
) -> None:
    ess = await client.find_ess_setpoint()
    assert ess is not None
    handle = sim.handler.handle

    def deaf_after_the_write(frame: Frame) -> list[bytes]:
        handle(frame)
        if winmon_write(WRITE_RAM_ONLY)(frame):
            sim.faults.drop = 1.0  # from here on every reply is lost
        return []

    sim.handler.handle = deaf_after_the_write  # type: ignore[method-assign]
    with pytest.raises(VEBusWriteUnconfirmedError):
        await client.write_ess_setpoint(ess, 250)
    del sim.handler.handle
    assert sim.device.ess_setpoint == -250  # it was in force after all
    assert client.stats.writes_unconfirmed == 1


async def test_a_ram_only_setting_cannot_be_read_back_so_a_lost_reply_is_unconfirmed(
    sim: Simulator, client: VEBusClient
) -> None:
    with (
        lost_on_the_wire(sim, winmon_write(WRITE_SETTING | WRITE_RAM_ONLY), requests=False),
        pytest.raises(VEBusWriteUnconfirmedError, match="cannot be read back"),
    ):
        await client.write_setting(ABSORPTION, 14.1)
    assert sim.device.setting_raw(ABSORPTION) == 1410  # in force, and nobody could know
    assert client.stats.write_readbacks == 0


async def test_nothing_sent_means_nothing_unconfirmed(sim: Simulator, tmp_path: Path) -> None:
    vebus = VEBusClient(await sim.start_pty(link=str(tmp_path / "ttyVEBUS")), timeout=TIMEOUT)
    await sim.unplug()
    with pytest.raises(VEBusConnectionError):
        await vebus.write_ess_setpoint(131, 100)  # the port is gone before anything is sent
    assert vebus.stats.writes_unconfirmed == 0
    await sim.replug()
    await vebus.close()


# --- the hammer -------------------------------------------------------------------------------

# Faults on the bytes for one write, by weight; two in five writes see them change
# part-way through. Besides, one write in four meets a burst: the next K frames the device
# receives are lost, or its replies to them are (write.frames = the write's attempts, then
# those of its read-back), which takes every write kind through every outcome.
WEATHER: list[tuple[float, Faults]] = [
    (0.5, Faults()),
    (0.2, Faults(noise=0.3, bit_flip=0.03, drop=0.01, rx_bit_flip=0.03, rx_drop=0.01)),
    (0.1, Faults(rx_bit_flip=0.1)),  # requests garbled: the device may not act
    (0.1, Faults(bit_flip=0.1)),  # replies garbled: it acts, the client may not hear
    (0.025, Faults(rx_drop=1.0)),  # every request lost
    (0.025, Faults(drop=1.0)),  # every reply lost
    (0.025, Faults(slow=1.5 * TIMEOUT)),  # late replies
    (0.025, Faults(silent=True)),
]
HAMMER_WRITES = 60


def weather(rng: random.Random) -> Faults:
    ((_, faults),) = rng.choices(WEATHER, [weight for weight, _ in WEATHER])
    return Faults(**vars(faults))


@dataclass
class Burst:
    """Lose the next ``requests`` frames the device receives, or its replies to ``replies``.

    Also the weather turns: after ``change_after`` frames the faults become ``change``.
    Counting frames, not seconds, keeps the run the same on a fast and a slow machine.
    """

    requests: int = 0
    replies: int = 0
    change_after: int = 0
    change: Faults | None = None

    @contextlib.contextmanager
    def on(self, sim: Simulator) -> Iterator[None]:
        handle = sim.handler.handle

        def wire(frame: Frame) -> list[bytes]:
            if self.change is not None:
                if self.change_after <= 0:
                    sim.faults, self.change = self.change, None
                self.change_after -= 1
            if self.requests:
                self.requests -= 1
                return []
            replies = handle(frame)
            if self.replies:
                self.replies -= 1
                return []
            return replies

        sim.handler.handle = wire  # type: ignore[method-assign]
        try:
            yield
        finally:
            del sim.handler.handle


@dataclass
class Target:
    """What the simulator must hold: the last confirmed value, or one sent unconfirmed since."""

    confirmed: int
    unconfirmed: set[int] = field(default_factory=set)

    def allowed(self) -> set[int]:
        return {self.confirmed, *self.unconfirmed}


async def test_hammered_writes_end_where_the_last_confirmed_one_left_them(
    sim: Simulator, client: VEBusClient
) -> None:
    """Writes of every kind under changing faults for a few seconds.

    Every write must end confirmed (and the device then holds the value at once), not
    applied (VEBusWriteNotAppliedError after a read-back) or unconfirmed
    (VEBusWriteUnconfirmedError).
    At the end each value is the last confirmed one, or one whose write was reported
    unconfirmed after it; a value whose write was reported as not applied never is.
    """
    rng = random.Random(11)
    ess = await client.find_ess_setpoint()
    assert ess is not None
    bounds = await client.ac_input_config()
    absorption = await client.setting_info(ABSORPTION)
    floating = await client.setting_info(FLOAT)
    assert absorption is not None
    assert floating is not None

    def held(name: str) -> int:
        device = sim.device
        return {
            "mode": int(device.switch_state),
            "limit": round(device.current_limit * 10),
            "ess": -device.ess_setpoint,
            "absorption": device.setting_raw(ABSORPTION),
            "float": device.eeprom_raw(FLOAT),
            "standby": int(bool(device.interface_lines & Lines.STANDBY)),
        }[name]

    names = ("mode", "limit", "ess", "absorption", "float", "standby")
    targets = {name: Target(held(name)) for name in names}
    limits = (round(bounds.minimum * 10), round(bounds.maximum * 10))

    def next_write() -> tuple[dict[str, int], Awaitable[object]]:
        kind = rng.choice(("panel", "ess", "absorption", "float", "standby"))
        if kind == "panel":
            mode, limit = rng.choice(list(Mode)), rng.randint(*limits)
            return {"mode": int(mode.switch_state), "limit": limit}, client.set_panel_state(
                mode, limit / 10
            )
        if kind == "ess":
            watts = rng.randint(-1500, 1500)
            return {"ess": watts}, client.write_ess_setpoint(ess, watts)
        if kind == "absorption":  # RAM only: no read-back possible
            raw = rng.randint(absorption.info.minimum, absorption.info.maximum)
            return {"absorption": raw}, client.write_setting(ABSORPTION, absorption.value(raw))
        if kind == "float":  # stored in EEPROM
            raw = rng.randint(floating.info.minimum, floating.info.maximum)
            return {"float": raw}, client.write_setting(FLOAT, floating.value(raw), persist=True)
        standby = rng.randint(0, 1)
        return {"standby": standby}, client.set_interface(standby=bool(standby))

    outcomes = {"confirmed": 0, "not_applied": 0, "unconfirmed": 0}
    for _ in range(HAMMER_WRITES):
        values, write = next_write()
        sim.faults = weather(rng)
        burst = Burst()
        if rng.random() < 0.4:
            burst.change, burst.change_after = weather(rng), rng.randint(0, 4)
        if rng.random() < 0.25:
            lost = rng.choice((1, 2, 3, 3, 4, 5, 6, 7))
            if rng.random() < 0.5:
                burst.requests = lost
            else:
                burst.replies = lost
        try:
            with burst.on(sim):
                await write
        except VEBusWriteUnconfirmedError:
            outcomes["unconfirmed"] += 1
            for key, value in values.items():
                targets[key].unconfirmed.add(value)
        except VEBusWriteNotAppliedError:
            outcomes["not_applied"] += 1
        else:
            outcomes["confirmed"] += 1
            for key, value in values.items():
                # Confirmed means in force now, not merely acknowledged at some point.
                assert held(key) == value, (key, outcomes)
                targets[key] = Target(value)
    sim.faults = Faults()
    # Requests the device got late (slow weather) are still acted on, as a real unit would.
    await wait_for(lambda: sim.pending == 0, "the device has answered every request")

    for name in names:
        assert held(name) in targets[name].allowed(), (name, held(name), targets[name])
    failures = outcomes["not_applied"] + outcomes["unconfirmed"]
    assert 0.05 <= failures / sum(outcomes.values()) <= 0.4, outcomes
    assert outcomes["not_applied"] > 0, outcomes
    assert outcomes["unconfirmed"] > 0, outcomes
    assert client.stats.writes_confirmed_by_readback > 0
    assert client.stats.writes_not_applied == outcomes["not_applied"]
    assert client.stats.writes_unconfirmed == outcomes["unconfirmed"]
