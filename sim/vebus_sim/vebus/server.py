"""MK3 + VE.Bus inverter/charger simulator, reachable over a pseudo-terminal or TCP.

It behaves like an MK3-USB on a VE.Bus unit: an unsolicited 'V' frame about once a
second while idle, answers to every command in protocol.md (layouts from
the library's codecs, decisions in ``mk3``), a device with its own scales, settings and a
small physical model (``device``, ``models``), and faults on demand
(``faults``, whose docstring holds the fault spec grammar).

Timing: with ``paced=True`` a request counts as received when its last byte would have
arrived at 2400 baud (10 bits a byte, 1/240 s), the reply starts ``turnaround`` seconds
later and its bytes are handed to the client one by one at the times they would have
arrived, never earlier. ``paced=False`` answers at once, for fast tests.

Endpoints (``framework.server``): ``start_pty()`` gives the path of a pty slave (or of a
symlink to it) that a client opens like a serial port; ``start_tcp()`` gives a
``socket://`` URL. Clients may come and go; the device and the interface keep their state
in between. ``unplug()`` and ``replug()`` close and reopen the endpoint as if the USB cable
were pulled.

Faults (``Faults``, mutable while running; ``vebus-sim --faults SPEC``): SPEC is a
comma-separated list, e.g. ``noise=0.05,bitflip=0.001,drop=0.001,slow=0.4,unrelated=0.2``,
``silent``, ``unsupported=ram:13+17-19;setting:4``, ``denied=setting:2@0x80+3``,
``flap=30:2``. Keys: noise (chance per frame of 1-8 noise bytes before it), bitflip and
drop (chance per sent byte), rxbitflip and rxdrop (chance per received byte: a request
they break is never acted on), slow (extra seconds before replies), unrelated (chance per
reply of a VE.Bus frame no request asked for), silent (no answers, no heartbeats),
unsupported (RAM / setting ids the device denies knowing, winmon commands it answers
"unknown command" to: ``command:0x0E`` is older firmware without the device state),
denied (setting writes answered 0x9B <level>, default level 1), flap (close the port
every PERIOD s for DOWN s). The full grammar is in ``faults``; a bad spec raises
ValueError naming the item.

Requests and replies are logged in hex at debug level (``session``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
import time
from typing import Any

from vebus_sim.framework.server import SerialServer, serve_until
from vebus_sim.framework.wire import Wire

from .device import SimDevice
from .faults import Faults
from .mk3 import Mk3Handler
from .session import VEBusSession

BAUD = 2400
BYTE_TIME = 10 / BAUD  # 8N1: start + 8 data + stop bits
PHYSICS_INTERVAL = 1.0  # s between live physics updates when nobody asks


class Simulator(SerialServer[VEBusSession]):
    """An MK3 on a simulated VE.Bus device, served over a pty and/or TCP."""

    NAME = "vebus-sim"
    PORT_NAME = "ttyVEBUS"
    BAUD = BAUD

    def __init__(
        self,
        model: str = "multiplus-12",
        *,
        phases: int = 1,
        units: int | None = None,
        paced: bool = True,
        turnaround: float = 0.030,
        time_scale: float = 1.0,
        mk2: bool = False,
        heartbeat: float = 1.0,
        ess: bool = True,
        live: bool = True,
        seed: int | None = None,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.device = SimDevice(
            model,
            phases=phases,
            units=units,
            ess=ess,
            live=live,
            seed=seed,
            time_scale=time_scale,
            mk2=mk2,
            clock=clock,
        )
        super().__init__(paced=paced, turnaround=turnaround, seed=seed)
        self.faults = faults if faults is not None else Faults()
        self.heartbeat = heartbeat
        self.requests: list[bytes] = []
        self.handler = Mk3Handler(self.device, lambda: self.faults)

    def session(self, wire: Wire, name: str) -> VEBusSession:
        return VEBusSession(self, wire, name)

    @property
    def pending(self) -> int:
        """Requests received and not answered yet, over all clients."""
        return sum(session.pending for session in self.sessions)

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward (ESS timeout, charge stages, SOC)."""
        self.device.advance(seconds)

    def background(self) -> list[Coroutine[Any, Any, None]]:
        return [self._physics()]

    def port_flap(self) -> tuple[float, float] | None:
        return self.faults.flap

    async def _physics(self) -> None:
        while True:
            await asyncio.sleep(PHYSICS_INTERVAL)
            self.device.system.tick()


async def serve(
    model: str = "multiplus-12",
    *,
    tcp: tuple[str, int] | None = None,
    pty: bool = False,
    faults: str = "",
    paced: bool = True,
    phases: int = 1,
    units: int | None = None,
    mk2: bool = False,
    time_scale: float = 1.0,
    live: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Run a simulator for ``vebus-sim``: print each endpoint, serve until ``stop`` is set
    (or the task is cancelled). Without ``tcp`` a pty is opened even when ``pty`` is False.
    """
    simulator = Simulator(
        model,
        phases=phases,
        units=units,
        paced=paced,
        time_scale=time_scale,
        mk2=mk2,
        live=live,
        faults=Faults.parse(faults),
    )
    await serve_until(simulator, tcp=tcp, pty=pty, stop=stop)
