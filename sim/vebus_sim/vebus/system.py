"""The simulated VE.Bus system: its units, the simulated clock, and what the units share.

A system of several units (``units``, spread over ``phases``: address a sits on phase
a % phases + 1, the lowest address of a phase leads it) answers at each unit's own
address. The remote switch, the panel's current limit, the AC input, sleep and the clock
are the system's (``SharedState``, which every unit reads).

With ``live=True`` the physics (``physics.PowerModel``, one per unit) rewrites the
measured RAM variables as simulated time passes. With ``live=False`` nothing moves by
itself, so captured frames can be reproduced byte for byte; commands still change what
they directly set.

Simulated time is ``real time * time_scale + advance()`` when live, and only what
``advance()`` added when frozen.
"""

from __future__ import annotations

from collections.abc import Callable
import random

from victron_serial.vebus import ChargeState, DeviceState, SwitchState
from victron_serial.vebus.protocol.ids import Flags0, Flags1, Setting

from .models import INVERTER_VOLTAGE, MAINS_VOLTAGE, DeviceModel
from .physics import clamp
from .unit import SharedState, SimUnit

MAX_STEP = 30.0  # s, physics integration step
FROZEN_VOLTAGE_SKEW = 0.01  # a frozen unit at address a reads (1 + a * this) × the master's
# The AC input current limit of each input, and the flag that lets the remote panel
# overrule it (protocol.md §6).
_INPUT_LIMITS = (Setting.AC_INPUT_CURRENT_LIMIT, Setting.AC_INPUT_2_CURRENT_LIMIT)
_REMOTE_OVERRULES = (
    (Setting.FLAGS1, Flags1.REMOTE_OVERRULES_AC1),
    (Setting.FLAGS0, Flags0.REMOTE_OVERRULES_AC2),
)


class SimSystem:
    """The units of one VE.Bus system and what they share; ``standby`` says whether the
    interface holds the standby line (no auto-sleep while it does)."""

    def __init__(
        self,
        model: DeviceModel,
        *,
        phases: int,
        live: bool,
        time_scale: float,
        clock: Callable[[], float],
        standby: Callable[[], bool],
    ) -> None:
        self.model = model
        self.phases = phases
        self.live = live
        self.time_scale = time_scale
        self.shared = SharedState(mains_present=model.ac_inputs > 0)
        self.units: list[SimUnit] = []
        self._clock = clock
        self._t0 = clock()
        self._advanced = 0.0
        self._last_step = 0.0
        self._standby = standby
        self.sleep_when_off: float | None = None  # s off without standby line -> asleep
        self._off_since: float | None = None

    def add_units(
        self,
        master: SimUnit,
        count: int,
        *,
        rng: random.Random,
        ess: bool,
        assistants: list[tuple[int, int]] | None,
    ) -> None:
        """``master`` at address 0 and ``count - 1`` units after it, a random source each."""
        self.units = [master]
        for address in range(1, count):
            unit = SimUnit(
                self,
                self.model,
                address=address,
                phase=address % self.phases + 1,
                shared=self.shared,
                rng=random.Random(rng.random()),
                ess=ess,
                assistants=assistants,
            )
            skew = 1 + FROZEN_VOLTAGE_SKEW * address
            for var in (MAINS_VOLTAGE, INVERTER_VOLTAGE):
                unit.set_ram_raw(var, round(master.ram_raw(var) * skew))
            self.units.append(unit)

    # --- the units ------------------------------------------------------------------------

    def unit_at(self, address: int) -> SimUnit | None:
        return self.units[address] if 0 <= address < len(self.units) else None

    def units_on_phase(self, phase: int) -> int:
        return sum(unit.phase == phase for unit in self.units)

    def phase_leader(self, phase: int) -> SimUnit | None:
        return next((unit for unit in self.units if unit.phase == phase), None)

    def step_units(self, dt: float) -> None:
        for unit in self.units:
            unit.physics.step(dt)

    # --- clock -----------------------------------------------------------------------

    def now(self) -> float:
        """Simulated seconds since the system was created."""
        real = (self._clock() - self._t0) * self.time_scale if self.live else 0.0
        return real + self._advanced

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward (and the physics with it when live)."""
        if seconds < 0:
            raise ValueError("cannot go back in time")
        self._advanced += seconds
        self.tick()

    def tick(self) -> None:
        """Bring the system up to the simulated clock: physics, ESS timeout, auto-sleep."""
        now = self.now()
        if self.live:
            while self._last_step < now:
                dt = min(MAX_STEP, now - self._last_step)
                self._last_step += dt
                self.step_units(dt)
        self._last_step = now
        for unit in self.units:
            unit.chain.expire(now)
        self._check_auto_sleep(now)

    def refresh(self) -> None:
        """Recompute the live state now, after a command changed an input."""
        self.tick()
        if self.live:
            self.step_units(0.0)

    # --- power and panel -----------------------------------------------------------------

    def set_mains_present(self, present: bool) -> None:
        if present and not self.shared.mains_present:
            self.set_asleep(False)  # AC on the input wakes the unit and the MK3
        self.shared.mains_present = present
        self.refresh()

    def set_asleep(self, value: bool) -> None:
        self.shared.asleep = value
        self._off_since = None
        if value and self.live:
            for unit in self.units:
                unit.device_state = DeviceState.OFF

    def set_active_input(self, index: int) -> None:
        if not 0 <= index < self.model.ac_inputs:
            raise ValueError(f"{self.model.name} has {self.model.ac_inputs} AC input(s)")
        self.shared.active_input = index
        self.refresh()

    @property
    def remote_limits_input(self) -> bool:
        """The panel's limit ('S') applies to the active input (its overrule flag is set)."""
        if not self.model.ac_inputs:
            return False
        setting, bit = _REMOTE_OVERRULES[self.shared.active_input]
        return bool(self.units[0].setting_raw(setting) & bit)

    @property
    def current_limit(self) -> float:
        """AC input current limit in force (A): the panel's ('S') or the active input's
        setting (6, or 49 on AC2), bounded; 0 without an AC input."""
        if not self.model.ac_inputs:
            return 0.0
        panel = self.shared.panel_limit
        if panel is not None and self.remote_limits_input:
            limit = panel
        else:
            limit = self.units[0].setting(_INPUT_LIMITS[self.shared.active_input])
        return clamp(limit, self.model.input_limit_min, self.model.input_limit_max)

    def restart(self) -> None:
        """The units reboot: RAM-only settings, ESS setpoints, snapshots and the remote
        panel's current limit are lost; a live charger starts over in bulk."""
        # The interface's panel command goes with it: the unit runs its own current limit
        # until a panel sends one again (protocol.md §3.6).
        self.shared.panel_limit = None
        for unit in self.units:
            unit.forget_ram_only()
            if self.live:
                unit.force_charge_state(ChargeState.BULK)
        if self.live:
            self.step_units(0.0)

    def _check_auto_sleep(self, now: float) -> None:
        if (
            self.sleep_when_off is None
            or self.shared.asleep
            or self.shared.switch_state != SwitchState.OFF
            or self._standby()
        ):
            self._off_since = None
            return
        if self._off_since is None:
            self._off_since = now
        elif now - self._off_since >= self.sleep_when_off:
            self.set_asleep(True)
