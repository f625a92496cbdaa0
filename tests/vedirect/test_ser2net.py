"""A Blue Smart charger through Debian's ser2net: raw TCP (``socket://``) and RFC 2217
(``rfc2217://``) at 19200 baud, the cable unplugged and plugged in again behind the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
import logging
from pathlib import Path

import pytest

from tests.ser2net import ser2net
from tests.waiting import wait_for, wait_for_async
from vebus_sim.vedirect import ChargerSimulator
from victron_serial.vedirect import (
    BlueSmartCharger,
    VEDirectClient,
    VEDirectConnectionError,
    VEDirectError,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def sim() -> AsyncIterator[ChargerSimulator]:
    simulator = ChargerSimulator(paced=False, block_interval=0.1, live=False, seed=3)
    yield simulator
    await simulator.stop()


@pytest.mark.parametrize("scheme", ["socket", "rfc2217"])
async def test_a_charger_behind_ser2net_is_read_written_and_found_again_after_a_replug(
    sim: ChargerSimulator, tmp_path: Path, scheme: str, caplog: pytest.LogCaptureFixture
) -> None:
    link = await sim.start_pty(str(tmp_path / "ttyUSB1"))
    async with ser2net(link, 19200, tmp_path) as served:
        charger = BlueSmartCharger(VEDirectClient(served.url(scheme), timeout=1.0))
        try:
            state = await charger.discover()
            assert state.serial == "HQ2230XY6XR"
            assert charger.hex_answers is True  # both ways through the server
            await charger.set_charge_current_limit(8.0)
            assert sim.charger.charge_current_limit == pytest.approx(8.0)

            stats = charger.client.link.stats
            await sim.unplug()
            await wait_for(lambda: stats.connection_losses == 1, "ser2net drops the connection")
            for _ in range(3):  # reconnects as the integration's polls make them: refused
                with contextlib.suppress(VEDirectConnectionError):
                    await charger.client.ensure_connected()
                    await wait_for(lambda: not charger.client.link.connected, "dropped again")
            await sim.replug()
            blocks = stats.text_blocks

            async def answers() -> bool:
                try:
                    await charger.refresh()
                except VEDirectError:
                    return False
                return stats.text_blocks > blocks

            await wait_for_async(answers, "the charger's blocks through ser2net after the replug")
            assert charger.state().voltage == pytest.approx(sim.charger.voltage)
        finally:
            await charger.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
