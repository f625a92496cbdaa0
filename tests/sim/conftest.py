"""Fixtures of the simulator's tests: simulators and wires that are closed afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.sim.raw import Connect, Wire
from vebus_sim import Simulator


@pytest_asyncio.fixture
async def simulators() -> AsyncIterator[list[Simulator]]:
    started: list[Simulator] = []
    yield started
    for sim in started:
        await sim.stop()


@pytest_asyncio.fixture
async def wires() -> AsyncIterator[list[Wire]]:
    opened: list[Wire] = []
    yield opened
    for wire in opened:
        await wire.close()


@pytest.fixture
def connect(
    simulators: list[Simulator], wires: list[Wire], socket_enabled: None, tmp_path: Path
) -> Connect:
    """Start a simulator (unpaced, frozen, no heartbeat unless asked) and open a wire."""

    async def factory(
        model: str = "multiplus-12", *, via: str = "tcp", **options: Any
    ) -> tuple[Simulator, Wire]:
        options = {"paced": False, "live": False, "heartbeat": 0.0, "seed": 1} | options
        sim = Simulator(model, **options)
        simulators.append(sim)
        if via == "tcp":
            wire = await Wire.tcp(await sim.start_tcp())
        else:
            wire = await Wire.pty(await sim.start_pty(str(tmp_path / "ttyVEBUS")))
        wires.append(wire)
        return sim, wire

    return factory
