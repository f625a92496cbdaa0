"""A Blue Smart charger served: ``SimCharger`` and its ``Traffic`` on the VE.Direct server."""

from __future__ import annotations

import asyncio

from vebus_sim.framework.server import serve_until

from .charger import SimCharger
from .faults import VEDirectFaults
from .models import ChargerModel
from .server import BLOCK_INTERVAL, TURNAROUND, VEDirectSimulator
from .traffic import Traffic


class ChargerSimulator(VEDirectSimulator):
    """A simulated Blue Smart charger, served over a pty and/or TCP."""

    def __init__(
        self,
        model: str | ChargerModel = "ip22-24-12",
        *,
        paced: bool = True,
        block_interval: float = BLOCK_INTERVAL,
        turnaround: float = TURNAROUND,
        live: bool = True,
        seed: int | None = None,
        faults: VEDirectFaults | None = None,
    ) -> None:
        self.charger = SimCharger(model, live=live)
        self.traffic = Traffic(self.charger)
        super().__init__(
            self.charger,
            self.traffic,
            paced=paced,
            block_interval=block_interval,
            turnaround=turnaround,
            seed=seed,
            faults=faults,
        )


async def serve(
    model: str = "ip22-24-12",
    *,
    tcp: tuple[str, int] | None = None,
    pty: bool = False,
    faults: str = "",
    paced: bool = True,
    block_interval: float = BLOCK_INTERVAL,
    live: bool = True,
    mains: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Run a simulator for ``vedirect-sim``: print each endpoint on a line of its own, serve
    until ``stop`` is set. Without ``tcp`` a pty is opened even when ``pty`` is False."""
    simulator = ChargerSimulator(
        model,
        paced=paced,
        block_interval=block_interval,
        live=live,
        faults=VEDirectFaults.parse(faults),
    )
    simulator.charger.mains = mains
    await serve_until(simulator, tcp=tcp, pty=pty, stop=stop)
