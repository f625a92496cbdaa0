"""A VE.Direct product family the simulator does not know yet is a model on the shared
server: a ``HexDevice`` with its registers and physics, a ``Stream`` with what it sends
unasked. Served by ``VEDirectSimulator`` as it is, over TCP, read with the library's reader."""

from __future__ import annotations

import asyncio

import pytest

from tests.waiting import DEADLINE
from vebus_sim.vedirect import HexDevice, VEDirectFaults, VEDirectSimulator
from victron_serial.vedirect import Reg, Register
from victron_serial.vedirect.protocol import (
    HexFrame,
    RegisterFrame,
    Response,
    StreamReader,
    TextBlock,
    encode_block,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


class Gauge(HexDevice):
    """A made-up product: a voltage that climbs, its uptime, one setting in NVM."""

    def __init__(self) -> None:
        super().__init__(0xA389, "0112FF")
        self.millivolts = 12600
        self.uptime = 0
        self.settings[Reg.STORAGE_MODE.id] = 0

    def raw(self, register: Register) -> int | str | None:
        if register is Reg.UPTIME:
            return self.uptime
        return self.settings.get(register.id)

    def accept(self, register: Register, raw: int) -> int | None:
        return raw if raw in (0, 1) else None

    def step(self, seconds: float = 1.0) -> None:
        self.uptime += round(seconds)
        self.millivolts += 10


class GaugeStream:
    def __init__(self, gauge: Gauge) -> None:
        self.gauge = gauge

    def second(self) -> list[bytes]:
        block = encode_block([("PID", "0xA389"), ("V", str(self.gauge.millivolts))])
        return [block, self.gauge.async_frame(Reg.UPTIME)]


async def test_a_new_family_is_a_model_on_the_shared_server() -> None:
    gauge = Gauge()
    sim = VEDirectSimulator(gauge, GaugeStream(gauge), paced=False, block_interval=0.05, seed=3)
    try:
        host, _, port = (await sim.start_tcp()).removeprefix("socket://").rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        stream = StreamReader()
        items: list[TextBlock | HexFrame] = []
        while sum(isinstance(item, TextBlock) for item in items) < 3:
            items += stream.feed(await asyncio.wait_for(reader.read(4096), DEADLINE))
        volts = [int(item.get("V") or 0) for item in items if isinstance(item, TextBlock)]
        assert volts[:3] == [volts[0], volts[0] + 10, volts[0] + 20]  # its physics, each second
        assert stream.stats.checksum_errors == 0

        async def ask(request: bytes) -> bytes:
            writer.write(request)
            while True:
                line = await asyncio.wait_for(reader.readuntil(b"\n"), DEADLINE)
                line = line[line.rfind(b":") :]
                if not line.startswith(b":A"):
                    return line

        version = HexFrame(Response.PING, (0x4112).to_bytes(2, "little")).encode()
        assert await ask(HexFrame(1, b"").encode()) == version
        set_mode = RegisterFrame(8, Reg.STORAGE_MODE.id, 0, b"\x01").encode()
        assert await ask(set_mode) == set_mode
        refused = RegisterFrame(8, Reg.STORAGE_MODE.id, 0, b"\x07").encode()
        assert await ask(refused) == RegisterFrame(8, Reg.STORAGE_MODE.id, 4, b"").encode()
        unknown = RegisterFrame(7, Reg.BATTERY_TYPE.id, 0, b"").encode()
        assert await ask(unknown) == RegisterFrame(7, Reg.BATTERY_TYPE.id, 1, b"").encode()
        assert dict(gauge.nvm_writes) == {Reg.STORAGE_MODE.id: 1}

        sim.faults = VEDirectFaults(interrupt=1.0)  # the shared faults reach it too
        (interrupted,) = sim.faulted(GaugeStream(gauge).second()[0])
        assert gauge.async_frame(Reg.UPTIME) in interrupted
        writer.close()
    finally:
        await sim.stop()
