"""The ESS setpoint of a whole system: one setpoint per phase master (protocol.md §8).

A system of several phases has an ESS assistant on each phase master (addresses 0, 1, 2),
and each takes its own setpoint: one write per phase master. Here the setpoint is the
system's total, + = charging from AC-in, split evenly over the phases; each phase's share
is an ``EssSetpoint`` with its own keep-alive and release. The ESS maximum power bounds the
total. A single unit is the same with one phase.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...foundation.clock import Clock
from ..errors import VEBusError
from .setpoint import EssSetpoint


def split(total: int, phases: int) -> list[int]:
    """``total`` W in ``phases`` whole-watt shares that add up to it, L1 first."""
    base, left = divmod(abs(total), phases)
    sign = 1 if total >= 0 else -1
    return [sign * (base + (index < left)) for index in range(phases)]


class EssSystem:
    """The phase masters' setpoints, set and shown as one total."""

    def __init__(self, setpoints: Sequence[EssSetpoint]) -> None:
        if not setpoints:
            raise ValueError("an ESS system needs at least one setpoint")
        self.phases = list(setpoints)

    @property
    def master(self) -> EssSetpoint:
        return self.phases[0]

    @property
    def ram_id(self) -> int:
        """The master's setpoint RAM id (each phase master's is its own, usually the same)."""
        return self.master.ram_id

    @property
    def addresses(self) -> list[int | None]:
        """Each phase's unit: None for the client's own (the master), else an address."""
        return [setpoint.address for setpoint in self.phases]

    @property
    def writes(self) -> int:
        return sum(setpoint.writes for setpoint in self.phases)

    @property
    def watts(self) -> int:
        """The total the units confirmed."""
        return sum(setpoint.watts for setpoint in self.phases)

    @property
    def phase_watts(self) -> list[int]:
        return [setpoint.watts for setpoint in self.phases]

    @property
    def unsure(self) -> bool:
        return any(setpoint.unsure for setpoint in self.phases)

    @property
    def max_power(self) -> int:
        return self.master.max_power

    @max_power.setter
    def max_power(self, watts: int) -> None:
        for setpoint in self.phases:
            setpoint.max_power = watts

    @property
    def clock(self) -> Clock:
        return self.master.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        for setpoint in self.phases:
            setpoint.clock = clock

    def check(self, watts: float) -> int:
        """The total as the units will take it, or VEBusOutOfRangeError naming the bound."""
        return self.master.check(watts)

    async def set(self, watts: float, duration: float | None = None) -> None:
        """Write the total, split evenly over the phases (every phase is tried; the first
        failure is raised after the others were written)."""
        total = self.check(watts)
        failure: VEBusError | None = None
        for setpoint, share in zip(self.phases, split(total, len(self.phases)), strict=True):
            try:
                await setpoint.set(share, duration)
            except VEBusError as err:
                failure = failure or err
        if failure is not None:
            raise failure

    async def reapply(self) -> None:
        """After the units restarted; the caller holds the control lock."""
        for setpoint in self.phases:
            await setpoint.reapply()

    def forget(self) -> None:
        """The units are out of reach (``EssSetpoint.forget``)."""
        for setpoint in self.phases:
            setpoint.forget()

    def pause(self) -> None:
        """The units go to sleep: nothing is written until ``resume`` (``EssSetpoint.pause``)."""
        for setpoint in self.phases:
            setpoint.pause()

    def resume(self) -> None:
        for setpoint in self.phases:
            setpoint.resume()

    async def release(self) -> None:
        for setpoint in self.phases:
            await setpoint.release()
