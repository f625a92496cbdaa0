"""The ESS control of one unit: the decisions of ``decisions`` put to work.

The owner feeds grid meter readings (``meter``); the unit feeds each of its samples and
refreshes (``on_sample``: AC-in power and the state of charge, 4 times a second while the
sampler runs). Every input wakes one worker (``tasks``), which decides and writes the
setpoint through the ESS keep-alive (``EssSystem``: one share per phase master), one write
at a time; what arrives during a write is decided on right after it. A watchdog on the
unit's clock turns a meter that stopped into 0 W exactly when it has been silent for the
stale time, and a unit that stopped answering (no reading for ``UNIT_SILENCE``, a write
that found the port gone, or the owner's ``unit_lost``) into a forgotten setpoint: 0 W as
soon as it answers again, and it drops the old one by itself within about 15 s anyway.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
import contextlib
from dataclasses import replace
import logging
import math
from typing import Any, Protocol

from ...foundation.clock import Clock
from ..device.states import Mode
from ..errors import (
    VEBusAsleepError,
    VEBusClosedError,
    VEBusConnectionError,
    VEBusError,
    VEBusTimeoutError,
    VEBusUnsupportedError,
)
from ..plausible import MAX_POWER
from ..protocol.ids import RamVar
from ..reading.sampling import PowerSample
from .control_state import EssControlState, state_of
from .decisions import (
    DECISIONS_KEPT,
    Decision,
    DecisionReason,
    GridTarget,
    GridTargetSettings,
    SocProgram,
    check_soc_program,
)
from .setpoint import check_ess_mode
from .system import EssSystem
from .tasks import ControlTasks

__all__ = ["UNIT_SILENCE", "EssController", "EssHost"]

_LOGGER = logging.getLogger(__name__)

UNIT_SILENCE = 10.0  # s without a reading from the unit: lost
METER_BOUND_FACTOR = 100  # times the ESS maximum power: a grid meter reading beyond is absurd


class EssHost(Protocol):
    """What the ESS control reads of its unit (``VEBusUnit`` is one)."""

    @property
    def clock(self) -> Clock: ...
    @property
    def ess(self) -> EssSystem | None: ...
    @property
    def ess_max_power(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @property
    def asleep(self) -> bool: ...
    @property
    def supported_ram(self) -> set[int]: ...
    @property
    def soc(self) -> float | None: ...
    async def sample(self) -> PowerSample: ...
    async def mode_in_force(self) -> Mode | None: ...


class EssController:
    """Grid target and state-of-charge programs on one unit's ESS setpoint."""

    def __init__(self, unit: EssHost, settings: GridTargetSettings | None = None) -> None:
        self._unit = unit
        self.grid = GridTarget(settings or GridTargetSettings())
        self.enabled = False  # the grid target
        self.program: SocProgram | None = None
        self.state = EssControlState.OFF
        self.decisions: deque[Decision] = deque(maxlen=DECISIONS_KEPT)
        self.on_change: Callable[[], None] | None = None  # the state or the setpoint moved
        self._notified_setpoint = 0
        self.writes = 0
        self.write_failures = 0
        self._lost = False
        self._started_at = 0.0
        self._last_reading: float | None = None
        self._writing = asyncio.Lock()
        self._tasks = ControlTasks(
            clock=lambda: self.clock,
            active=lambda: self.active,
            step=self._step,
            next_due=self._next_due,
            on_due=self._due,
        )

    @property
    def active(self) -> bool:
        """Running (or waiting for a lost unit): it needs the unit's samples."""
        return self.enabled or self.program is not None or self._lost

    @property
    def clock(self) -> Clock:
        return self._unit.clock

    def _ess(self) -> EssSystem:
        if self._unit.ess is None:
            raise VEBusUnsupportedError("this unit has no ESS assistant")
        return self._unit.ess

    def _startable(self) -> EssSystem:
        """The setpoint a control may start on: not while the unit sleeps, never once the
        unit is closed (nothing would hold the setpoint, or open the port)."""
        if self._unit.closed:
            raise VEBusClosedError("the unit is closed: the ESS control does not start")
        if self._unit.asleep:
            raise VEBusAsleepError("the unit is asleep: the ESS control does not start")
        return self._ess()

    async def settled(self) -> None:
        """Until every input so far has been decided on (and written)."""
        await self._tasks.settled()

    def unit_lost(self) -> None:
        """The unit stopped answering: the setpoint counts as 0 W (a program ends)."""
        if not self.active or self._lost or self._unit.ess is None:
            return
        self._lost = True
        self.program = None
        self._unit.ess.forget()
        self.grid.sync(0, self.clock.time())
        self._record(
            Decision(self.clock.time(), self.grid.meter, None, 0, DecisionReason.UNIT_LOST)
        )
        self._update_state()

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
        self._tasks.poke()

    def meter_unavailable(self) -> None:
        """The meter has no value now: 0 W at once, stale after the stale time."""
        self.grid.meter_lost()
        self._tasks.poke()

    def on_sample(self, sample: PowerSample) -> None:
        """A reading of the unit (a sample or a refresh): it answers."""
        self._last_reading = self.clock.time()
        self.grid.read_unit(self._ac_in(sample), sample.soc)
        if self._lost:
            self._lost = False
            self.grid.sync(self._ess().watts, self._last_reading)
            self._tasks.rewatch()
        self._tasks.poke()

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
        self._tasks.start()
        self._tasks.poke()

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
        self._tasks.stop_when_idle()

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
            self._tasks.start()
            self._tasks.rewatch()
            self._update_state()

    def setpoint_set_by_hand(self) -> None:
        """The owner wrote the setpoint itself: a running program ends there."""
        if self.program is not None:
            self.program = None
            self._update_state()
            self._tasks.stop_when_idle()

    async def close(self) -> None:
        """Everything off; the owner then releases the setpoint (``EssSetpoint.release``)."""
        self.enabled, self.program, self._lost = False, None, False
        await self._tasks.close()
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

    async def _step(self) -> None:
        async with self._writing:
            now = self.clock.time()
            decision = self._decide(now)
            if decision is None:
                return
            last = self.decisions[-1] if self.decisions else None
            if last is None or (last.setpoint, last.reason) != (
                decision.setpoint,
                decision.reason,
            ):
                self._record(decision)
            await self._apply(decision.setpoint)
            self._update_state()

    def _decide(self, now: float) -> Decision | None:
        if self._lost:
            return None
        program = self.program
        if program is not None:
            ended = program.end(self.grid.soc, now)
            if ended is None:
                return Decision(now, self.grid.meter, None, program.power, program.reason)
            self.program = None
            if not self.enabled:
                self._tasks.stop_when_idle()
                return Decision(now, self.grid.meter, None, program.previous, ended)
            # The grid target again, from the program's setpoint.
            self._record(Decision(now, self.grid.meter, None, self.grid.setpoint, ended))
        if not self.enabled:
            return None
        return self.grid.decide(now, self._started_at)

    async def _apply(self, setpoint: int) -> None:
        """Write ``setpoint`` unless the unit holds it; failures are kept, not raised."""
        ess = self._ess()
        now = self.clock.time()
        if setpoint != ess.watts or ess.unsure:
            try:
                await ess.set(setpoint)
                self.writes += 1
            except (VEBusConnectionError, VEBusTimeoutError) as err:
                _LOGGER.debug("ESS control: the unit is out of reach: %s", err)
                self.write_failures += 1
                self.unit_lost()
                return
            except VEBusError as err:  # unconfirmed: the keep-alive sends it again
                _LOGGER.debug("ESS control: setpoint %s W not confirmed: %s", setpoint, err)
                self.write_failures += 1
        self.grid.sync(ess.watts, now)

    def _record(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def _update_state(self) -> None:
        """The state now; ``on_change`` when it or the setpoint moved."""
        state = self._state()
        setpoint = self._unit.ess.watts if self._unit.ess is not None else 0
        if (state, setpoint) == (self.state, self._notified_setpoint):
            return
        if state != self.state:
            _LOGGER.debug("ESS control: %s -> %s", self.state, state)
        self.state, self._notified_setpoint = state, setpoint
        if self.on_change is not None:
            self.on_change()

    def _state(self) -> EssControlState:
        last = self.decisions[-1].reason if self.decisions else DecisionReason.NO_METER
        return state_of(lost=self._lost, program=self.program, enabled=self.enabled, last=last)

    def _due(self, now: float) -> None:
        """Something fell due: no reading from the unit for ``UNIT_SILENCE`` is a lost unit."""
        if self._last_reading_due(now):
            self.unit_lost()

    def _next_due(self) -> float | None:
        """The nearest moment something must happen without an input."""
        if not self.active or self._lost:
            return None
        times: list[float] = []
        if self._last_reading is not None:
            times.append(self._last_reading + UNIT_SILENCE)
        else:
            times.append(self._started_at + UNIT_SILENCE)
        if self.program is not None:
            if self.program.deadline is not None:
                times.append(self.program.deadline)
        elif self.enabled and self.state != EssControlState.METER_STALE:
            times.append(self.grid.stale_at(self._started_at))
        return min(times)

    def _last_reading_due(self, now: float) -> bool:
        last = self._started_at if self._last_reading is None else self._last_reading
        return now >= last + UNIT_SILENCE
