"""The ESS control's worker and watchdog: one task decides and writes, one turns silence
into 0 W (``ess_controller`` says what the control does)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from enum import StrEnum
import logging
from typing import TYPE_CHECKING

from .errors import (
    VEBusAsleepError,
    VEBusClosedError,
    VEBusConnectionError,
    VEBusError,
    VEBusTimeoutError,
    VEBusUnsupportedError,
)
from .ess_control import (
    DECISIONS_KEPT,
    Decision,
    DecisionReason,
    GridTarget,
    GridTargetSettings,
    SocProgram,
)

if TYPE_CHECKING:
    from .clock import Clock
    from .ess_system import EssSystem
    from .unit import VEBusUnit

_LOGGER = logging.getLogger(__name__)

UNIT_SILENCE = 10.0  # s without a reading from the unit: lost
WATCH_IDLE = 60.0  # s the watchdog sleeps when nothing is due
WATCH_RETRY = 1.0  # s before the watchdog looks again at something still due


class EssControlState(StrEnum):
    """What the ESS control does now."""

    OFF = "off"
    WAITING = "waiting"  # grid target on, no meter reading yet: 0 W
    HOLDING = "holding"  # holding the grid at the target
    METER_UNAVAILABLE = "meter_unavailable"  # 0 W; stale once it lasts the stale time
    METER_STALE = "meter_stale"  # 0 W: no valid reading for the stale time
    UNIT_LOST = "unit_lost"  # the setpoint forgotten until the unit answers
    CHARGING_TO_SOC = "charging_to_soc"
    DISCHARGING_TO_SOC = "discharging_to_soc"


_GRID_STATES = {
    DecisionReason.NO_METER: EssControlState.WAITING,
    DecisionReason.METER_UNAVAILABLE: EssControlState.METER_UNAVAILABLE,
    DecisionReason.METER_STALE: EssControlState.METER_STALE,
}


class EssWorker:
    """The state of one ESS control and the tasks that act on it."""

    def __init__(self, unit: VEBusUnit, settings: GridTargetSettings | None = None) -> None:
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
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._writing = asyncio.Lock()
        self._worker: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None

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

    async def settled(self) -> None:
        """Until every input so far has been decided on (and written)."""
        await asyncio.sleep(0)
        await self._idle.wait()

    def _poke(self) -> None:
        if self._worker is None:
            return
        self._idle.clear()
        self._wake.set()

    def _start_tasks(self) -> None:
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._work(), name="vebus ESS control")
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = loop.create_task(self._watch(), name="vebus ESS control watchdog")

    def _rewatch(self) -> None:
        """A deadline may have come nearer: the watchdog looks again."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = asyncio.get_running_loop().create_task(
                self._watch(), name="vebus ESS control watchdog"
            )

    def _stop_when_idle(self) -> None:
        """Nothing left to do: the tasks end (the worker after its step)."""
        if self.active:
            return
        current = asyncio.current_task()
        if self._watchdog is not None and self._watchdog is not current:
            self._watchdog.cancel()
            self._watchdog = None
        if self._worker is not None and self._worker is not current:
            self._worker.cancel()
            self._worker = None
            self._idle.set()

    async def _work(self) -> None:
        try:
            while self.active:
                if not self._wake.is_set():
                    self._idle.set()
                await self._wake.wait()
                self._wake.clear()
                try:
                    await self._step()
                except Exception:  # a bug must not end the control: it logs and goes on
                    _LOGGER.exception("ESS control step failed")
        finally:
            if self._worker is asyncio.current_task():
                self._worker = None
                self._idle.set()

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
                self._stop_when_idle()
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
        if self._lost:
            return EssControlState.UNIT_LOST
        if self.program is not None:
            if self.program.charging:
                return EssControlState.CHARGING_TO_SOC
            return EssControlState.DISCHARGING_TO_SOC
        if not self.enabled:
            return EssControlState.OFF
        last = self.decisions[-1].reason if self.decisions else DecisionReason.NO_METER
        return _GRID_STATES.get(last, EssControlState.HOLDING)

    async def _watch(self) -> None:
        clock = self.clock
        while True:
            now = clock.time()
            due = self._next_due()
            if due is None or due > now:
                await clock.sleep(WATCH_IDLE if due is None else due - now)
                continue
            if self._last_reading_due(now):
                self.unit_lost()
            self._poke()
            await self.settled()
            if (due := self._next_due()) is not None and due <= clock.time():
                await clock.sleep(WATCH_RETRY)  # nothing changed it: do not spin

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
