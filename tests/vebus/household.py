"""A simulated household around the simulator: loads stepping on AC-out, PV or loads on
the grid side, and the grid meter that sees both (the unit's AC-in plus the grid side).

Time is a FakeClock that the unit and the simulator share, moved a tick at a time; each
tick the sampler reads the unit once and the controller acts on it, and every
``meter_every`` seconds the meter reading goes to the controller, measured at the start of
the tick like a real meter with its delay."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
import random

from tests.clock import FakeClock
from vebus_sim import Simulator
from victron_serial.vebus import EssController, RamVar, VEBusUnit
from victron_serial.vebus.reading.sampling import SAMPLE_PERIOD


@dataclass(frozen=True, slots=True)
class Step:
    """From ``at`` seconds on: ``loads`` W on each unit's AC-out, ``grid_side`` W beside."""

    at: float
    loads: tuple[float, ...]
    grid_side: float = 0.0


@dataclass(slots=True)
class Run:
    """What the household saw, one entry per tick."""

    metered: list[float] = field(default_factory=list)
    setpoints: list[int] = field(default_factory=list)  # W, + = charging, as the unit holds
    phase_setpoints: list[tuple[int, ...]] = field(default_factory=list)
    socs: list[float] = field(default_factory=list)  # %, the simulated battery's
    read_socs: list[float | None] = field(default_factory=list)  # %, as the controller read

    def within(self, target: float, deadband: float) -> float:
        """The share of ticks with the metered grid within the deadband."""
        inside = sum(abs(value - target) <= deadband for value in self.metered)
        return inside / len(self.metered)


class Household:
    def __init__(
        self,
        sim: Simulator,
        unit: VEBusUnit,
        clock: FakeClock,
        profile: Sequence[Step],
        *,
        meter_every: float = 2.0,
        meter_noise: float = 10.0,
        seed: int = 5,
    ) -> None:
        self.sim, self.unit, self.clock = sim, unit, clock
        self.profile = sorted(profile, key=lambda step: step.at)
        self.meter_every = meter_every
        self.meter_noise = meter_noise
        self.rng = random.Random(seed)
        self.elapsed = 0.0
        self.grid_side = 0.0
        self.meter_on = True
        self.last_meter_at: float | None = None
        self.run = Run()

    @property
    def control(self) -> EssController:
        assert self.unit.ess_control is not None
        return self.unit.ess_control

    def grid(self) -> float:
        """The metered grid now, W, + = import."""
        ac_in = sum(-unit.ram_value(RamVar.INPUT_POWER) for unit in self.sim.device.units)
        return ac_in + self.grid_side + self.rng.gauss(0, self.meter_noise)

    def _apply_profile(self) -> None:
        current = [step for step in self.profile if step.at <= self.elapsed]
        if not current:
            return
        step = current[-1]
        for unit, load in zip(self.sim.device.units, step.loads, strict=True):
            unit.load = load
        self.grid_side = step.grid_side

    async def tick(self) -> None:
        """One sample period: the world moves, the meter measures, the controller acts."""
        self.clock.advance(SAMPLE_PERIOD)
        self.elapsed += SAMPLE_PERIOD
        self._apply_profile()
        self.sim.device.refresh()
        metered = self.grid()
        run = self.run
        run.metered.append(metered)
        device = self.sim.device
        phase = tuple(-unit.ess_setpoint for unit in device.units)
        run.phase_setpoints.append(phase)
        run.setpoints.append(sum(phase))
        run.socs.append(device.physics.soc * 100)
        await self.unit.sampling_step()
        await self.control.settled()
        run.read_socs.append(self.control.grid.soc)
        due = self.last_meter_at is None or self.elapsed - self.last_meter_at >= self.meter_every
        if self.meter_on and due:
            self.last_meter_at = self.elapsed
            self.control.meter(metered)
            await self.control.settled()

    async def run_for(self, seconds: float) -> None:
        for _ in range(round(seconds / SAMPLE_PERIOD)):
            await self.tick()
