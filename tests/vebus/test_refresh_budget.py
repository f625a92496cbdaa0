"""The request set of one refresh, byte for byte: a change that adds requests fails here.

At 2400 baud bytes are the time budget (scripts/bench measures the time itself).
"""

from __future__ import annotations

from vebus.client import VEBusClient
from vebus.protocol import (
    AcInfoRequest,
    AcInputConfigRequest,
    DcInfoRequest,
    GetSetDeviceState,
    LedRequest,
    ReadSnapshot,
    TakeSnapshot,
    WinmonRequest,
)
from vebus.protocol.framing import FrameDecoder
from vebus.status import StatusPlan, read_status
from vebus_sim import Simulator

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
