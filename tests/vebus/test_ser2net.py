"""The client through Debian's ser2net, as an MK3 on another machine is served: raw TCP
(``socket://``) and RFC 2217 (``rfc2217://``), the adapter unplugged and plugged in again
behind the server. The client reconnects by itself through the URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
import logging
from pathlib import Path

import pytest

from tests.ser2net import Served, ser2net
from tests.waiting import wait_for_async
from vebus_sim import Simulator
from victron_serial.vebus import (
    StatusPlan,
    VEBusClient,
    VEBusConnectionError,
    VEBusError,
    VEBusUnit,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

# The unpaced simulator answers within milliseconds: short timeouts keep the test quick.
TIMEOUTS = {"timeout": 0.2, "slow_timeout": 0.4}


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator("multiplus-12", paced=False, live=False, seed=5)
    yield simulator
    await simulator.stop()


@pytest.fixture
async def served(sim: Simulator, tmp_path: Path) -> AsyncIterator[Served]:
    link = await sim.start_pty(str(tmp_path / "ttyUSB0"))
    async with ser2net(link, 2400, tmp_path) as urls:
        yield urls


@pytest.mark.parametrize("scheme", ["socket", "rfc2217"])
async def test_a_unit_behind_ser2net_is_read_written_and_found_again_after_a_replug(
    sim: Simulator, served: Served, scheme: str, caplog: pytest.LogCaptureFixture
) -> None:
    unit = VEBusUnit(VEBusClient(served.url(scheme), **TIMEOUTS))
    try:
        await unit.discover()
        assert unit.device is not None
        assert unit.device.serial_number == sim.device.model.serial
        state = await unit.refresh(StatusPlan())
        assert state.status.dc is not None
        assert state.status.dc.voltage == pytest.approx(sim.device.ram_value(4), abs=0.005)
        await unit.set_current_limit(12.0)
        assert sim.device.current_limit == pytest.approx(12.0)

        await sim.unplug()  # behind the server: ser2net drops the connection, then refuses
        for _ in range(3):  # as the integration polls meanwhile
            with pytest.raises(VEBusConnectionError):
                await unit.refresh(StatusPlan())
        await sim.replug()

        async def answers() -> bool:
            try:
                await unit.refresh(StatusPlan())
            except VEBusError:
                return False
            return True

        await wait_for_async(answers, "the unit through ser2net after the replug")
        await unit.set_current_limit(10.0)
        assert sim.device.current_limit == pytest.approx(10.0)
        # Refused connections meanwhile were not written to (asyncio warns of each write).
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    finally:
        await unit.close()
