"""The ESS control of one unit: the decisions of ``ess_control`` put to work.

The owner feeds grid meter readings (``meter``); the unit feeds each of its samples and
refreshes (``on_sample``: AC-in power and the state of charge, 4 times a second while the
sampler runs). Every input wakes one worker, which decides and writes the setpoint through
the ESS keep-alive (``EssSystem``: one share per phase master), one write at a time; what
arrives during a write is decided on right after it. A watchdog on the unit's clock turns
a meter that stopped into 0 W exactly when it has been silent for the stale time, and a
unit that stopped answering (no reading for ``UNIT_SILENCE``, a write that found the port
gone, or the owner's ``unit_lost``) into a forgotten setpoint: 0 W as soon as it answers
again, and it drops the old one by itself within about 15 s anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
import math
from typing import Any

from .errors import VEBusError, VEBusUnsupportedError
from .ess import check_ess_mode
from .ess_control import (
    Decision,
    DecisionReason,
    GridTargetSettings,
    SocProgram,
    check_soc_program,
)
from .ess_worker import UNIT_SILENCE, EssControlState, EssWorker
from .ids import RamVar
from .plausible import MAX_POWER
from .sampling import PowerSample

__all__ = ["UNIT_SILENCE", "EssControlState", "EssController"]

METER_BOUND_FACTOR = 100  # times the ESS maximum power: a grid meter reading beyond is absurd


class EssController(EssWorker):
    """Grid target and state-of-charge programs on one unit's ESS setpoint."""

    @property
    def settings(self) -> GridTargetSettings:
        return self.grid.settings

    def configure(self, settings: GridTargetSettings) -> None:
        """The owner's choices; the maximum powers never beyond the ESS maximum power."""
        limit = self._unit.ess_max_power
        self.grid.settings = replace(
            settings,
            max_charge=min(settings.max_charge, limit),
            max_discharge=min(settings.max_discharge, limit),
        )

    @property
    def meter_bound(self) -> float:
        """W either way beyond which a grid meter reading is no reading: 100 times the ESS
        maximum power, at least ``MAX_POWER`` (a meter sending 1e30 W is broken)."""
        return max(METER_BOUND_FACTOR * self._unit.ess_max_power, MAX_POWER)

    def meter(self, watts: float) -> None:
        """A grid meter reading in W, + = imported from the grid; one that is not a number
        or beyond ``meter_bound`` counts as no reading, as an unavailable meter."""
        if not math.isfinite(watts) or abs(watts) > self.meter_bound:
            self.meter_unavailable()
            return
        self.grid.read_meter(watts, self.clock.time())
        self._poke()

    def meter_unavailable(self) -> None:
        """The meter has no value now: 0 W at once, stale after the stale time."""
        self.grid.meter_lost()
        self._poke()

    def on_sample(self, sample: PowerSample) -> None:
        """A reading of the unit (a sample or a refresh): it answers."""
        self._last_reading = self.clock.time()
        self.grid.read_unit(self._ac_in(sample), sample.soc)
        if self._lost:
            self._lost = False
            self.grid.sync(self._ess().watts, self._last_reading)
            self._rewatch()
        self._poke()

    def _ac_in(self, sample: PowerSample) -> float | None:
        """The system's AC-in power (+ = drawn); None unless every phase was read."""
        ess = self._unit.ess
        phases = 1 if ess is None else len(ess.phases)
        if phases == 1:
            return sample.grid_power
        values = sample.phase_grid_power
        if len(values) != phases or any(value is None for value in values):
            return None
        return sum(value for value in values if value is not None)

    async def enable(self) -> None:
        """Hold the grid at the target from now on."""
        ess = self._startable()
        if self.enabled:
            return
        self.enabled = True
        self._started_at = self.clock.time()
        self.grid.start(ess.watts, self._started_at)
        self._start_tasks()
        self._poke()

    async def disable(self) -> None:
        """Grid target off: the setpoint back to 0 W (a running program goes on)."""
        if not self.enabled:
            return
        self.enabled = False
        if self.program is None and not self._lost:
            async with self._writing:
                now = self.clock.time()
                self._record(Decision(now, self.grid.meter, None, 0, DecisionReason.OFF))
                await self._apply(0)
        self._update_state()
        self._stop_when_idle()

    async def charge_to_soc(
        self, target: float, power: float, deadline: float | None = None
    ) -> None:
        """Charge with ``power`` W until the state of charge reaches ``target`` % (or the
        clock ``deadline``), then return to the setpoint before (or the grid target)."""
        await self._program(True, target, power, deadline)

    async def discharge_to_soc(
        self, target: float, power: float, deadline: float | None = None
    ) -> None:
        """Feed in ``power`` W until the state of charge falls to ``target`` %."""
        await self._program(False, target, power, deadline)

    async def read_soc(self) -> float | None:
        """The state of charge read now (the last one when the reading fails); None
        without the battery monitor."""
        if RamVar.STATE_OF_CHARGE in self._unit.supported_ram:
            with contextlib.suppress(VEBusError):
                await self._unit.sample()
        return self._unit.soc

    async def _program(
        self, charging: bool, target: float, power: float, deadline: float | None
    ) -> None:
        ess = self._startable()
        soc = await self.read_soc()
        if soc is None:
            raise VEBusUnsupportedError("the unit reports no state of charge (battery monitor)")
        watts = check_soc_program(
            self.settings,
            charging=charging,
            target=target,
            power=power,
            soc=soc,
            max_power=ess.max_power,
        )
        check_ess_mode(await self._unit.mode_in_force(), watts)
        now = self.clock.time()
        if deadline is not None and deadline <= now:
            raise ValueError("the deadline has passed")
        async with self._writing:
            before = self.program
            previous = before.previous if before is not None else ess.watts
            program = SocProgram(target, watts, deadline, previous)
            try:
                await ess.set(watts)
            except BaseException:  # the caller hears of it; nothing runs on without it
                self.write_failures += 1
                raise
            self.writes += 1
            self.program = program
            self.grid.sync(ess.watts, now)
            self._record(Decision(now, self.grid.meter, None, watts, program.reason))
            self._start_tasks()
            self._rewatch()
            self._update_state()

    def setpoint_set_by_hand(self) -> None:
        """The owner wrote the setpoint itself: a running program ends there."""
        if self.program is not None:
            self.program = None
            self._update_state()
            self._stop_when_idle()

    async def close(self) -> None:
        """Everything off; the owner then releases the setpoint (``EssSetpoint.release``)."""
        self.enabled, self.program, self._lost = False, None, False
        for task in (self._worker, self._watchdog):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._worker = self._watchdog = None
        self._idle.set()
        self._update_state()

    def diagnostics(self) -> dict[str, Any]:
        program = self.program
        return {
            "state": str(self.state),
            "enabled": self.enabled,
            "settings": {
                key: getattr(self.settings, key) for key in GridTargetSettings.__dataclass_fields__
            },
            "program": None
            if program is None
            else {
                "target": program.target,
                "power": program.power,
                "deadline": program.deadline,
                "previous": program.previous,
            },
            "meter": self.grid.meter,
            "meter_age": None
            if self.grid.meter_at is None
            else round(self.clock.time() - self.grid.meter_at, 1),
            "writes": self.writes,
            "write_failures": self.write_failures,
            "decisions": [decision.as_dict() for decision in self.decisions],
        }
