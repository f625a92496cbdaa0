"""The simulated VE.Bus system behind the MK3, and the MK3's own state.

``SimDevice`` is the unit at address 0 (a ``SimUnit``), the system it leads and the
MK3 it powers. A system of several units (``units``, spread over ``phases``: address a
sits on phase a % phases + 1, the lowest address of a phase leads it) answers at each
unit's own address: its own LEDs, alarms, DC and AC values and RAM variables. The
remote switch, the AC input, sleep and the clock are the system's.

With ``live=True`` the physics (``physics.PowerModel``, one per unit) rewrites the
measured RAM variables as simulated time passes. With ``live=False`` nothing moves by
itself, so captured frames can be reproduced byte for byte; commands still change what
they directly set (switch state, current limit, settings, forced charge state, ESS
setpoint and its timeout).

Simulated time is ``real time * time_scale + advance()`` when live, and only what
``advance()`` added when frozen.
"""

from __future__ import annotations

from collections.abc import Callable
import random
import time

from victron_serial.vebus import ChargeState, DeviceState, SwitchState
from victron_serial.vebus.ids import Flags0, Flags1, Lines, Setting

from .models import (
    INVERTER_VOLTAGE,
    MAINS_VOLTAGE,
    DeviceModel,
    get_model,
)
from .physics import clamp
from .unit import ESS_TIMEOUT, SharedState, SimUnit

__all__ = ["ESS_TIMEOUT", "SimDevice", "SimUnit"]

MK3_VERSION = 1170212
MK2_VERSION = 1130134
H_POWER_ON_DEFAULT = 0x05  # panel detect + bit 2 (protocol.md §3.7)
MAX_STEP = 30.0  # s, physics integration step
MAX_PHASES = 3
FROZEN_VOLTAGE_SKEW = 0.01  # a frozen unit at address a reads (1 + a * this) × the master's

# F5 switch register (protocol.md §7.4).
_REMOTE_BITS = {
    SwitchState.CHARGER_ONLY: 0x01,
    SwitchState.INVERTER_ONLY: 0x02,
    SwitchState.ON: 0x03,
}
SWITCH_FRONT_UP, SWITCH_FRONT_DOWN, SWITCH_ONBOARD_REMOTE = 0x04, 0x08, 0x40
# F5 config byte (protocol.md §3.3).
CONFIG_LIMIT_ADJUSTABLE, CONFIG_PANEL_DETECTED, CONFIG_INPUTS_SHIFT = 0x04, 0x80, 4
# The AC input current limit of each input, and the flag that lets the remote panel
# overrule it (protocol.md §6).
_INPUT_LIMITS = (Setting.AC_INPUT_CURRENT_LIMIT, Setting.AC_INPUT_2_CURRENT_LIMIT)
_REMOTE_OVERRULES = (
    (Setting.FLAGS1, Flags1.REMOTE_OVERRULES_AC1),
    (Setting.FLAGS0, Flags0.REMOTE_OVERRULES_AC2),
)


class SimDevice(SimUnit):
    """The simulated VE.Bus system: its master unit (address 0), the others, the MK3."""

    def __init__(
        self,
        model: str | DeviceModel = "multiplus-12",
        *,
        phases: int = 1,
        units: int | None = None,
        ess: bool = True,
        live: bool = True,
        seed: int | None = None,
        time_scale: float = 1.0,
        mk2: bool = False,
        assistants: list[tuple[int, int]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        units = phases if units is None else units
        if not 1 <= phases <= MAX_PHASES:
            raise ValueError(f"phases must be 1 to {MAX_PHASES}")
        if units < phases:
            raise ValueError("a system needs at least one unit per phase")
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        resolved = get_model(model)
        self.phases = phases
        self.live = live
        self.time_scale = time_scale
        self.mk2 = mk2
        self._clock = clock
        self._t0 = clock()
        self._advanced = 0.0
        self._last_step = 0.0
        shared = SharedState(mains_present=resolved.ac_inputs > 0)
        rng = random.Random(seed)
        super().__init__(
            self,
            resolved,
            address=0,
            phase=1,
            shared=shared,
            rng=rng,
            ess=ess,
            assistants=assistants,
        )
        self.units: list[SimUnit] = [self]
        for address in range(1, units):
            unit = SimUnit(
                self,
                resolved,
                address=address,
                phase=address % phases + 1,
                shared=shared,
                rng=random.Random(rng.random()),
                ess=ess,
                assistants=assistants,
            )
            skew = 1 + FROZEN_VOLTAGE_SKEW * address
            for var in (MAINS_VOLTAGE, INVERTER_VOLTAGE):
                unit.set_ram_raw(var, round(self.ram_raw(var) * skew))
            self.units.append(unit)

        # MK3 interface state.
        self.interface_version = MK2_VERSION if mk2 else MK3_VERSION
        self.address: int | None = None  # the MK3's selected address (this unit's is 0)
        self.interface_lines = H_POWER_ON_DEFAULT
        self.led_append = False
        self.combined_replies = False
        self.boots = 0  # restarts so far; the MK3 announces itself after each

        self.sleep_when_off: float | None = None  # s off without standby line -> asleep
        self._off_since: float | None = None
        if live:
            self.step_units(0.0)

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
        """Simulated seconds since the device was created."""
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
            unit.expire_ess(now)
        self._check_auto_sleep(now)

    def refresh(self) -> None:
        """Recompute the live state now, after a command changed an input."""
        self.tick()
        if self.live:
            self.step_units(0.0)

    # --- power and panel -----------------------------------------------------------------

    @property
    def mains_present(self) -> bool:
        return super().mains_present

    @mains_present.setter
    def mains_present(self, present: bool) -> None:
        shared = self._shared
        if present and not shared.mains_present:
            self.asleep = False  # AC on the input wakes the unit and the MK3
        shared.mains_present = present
        self.refresh()

    @property
    def asleep(self) -> bool:
        return self._shared.asleep

    @asleep.setter
    def asleep(self, value: bool) -> None:
        self._shared.asleep = value
        self._off_since = None
        if value and self.live:
            for unit in self.units:
                unit.device_state = DeviceState.OFF

    @property
    def front_switch_up(self) -> bool:
        return self._shared.front_switch_up

    @front_switch_up.setter
    def front_switch_up(self, up: bool) -> None:
        self._shared.front_switch_up = up

    @property
    def active_input(self) -> int:
        """The AC input in use: 0 = AC1, 1 = AC2 (only a Quattro has two)."""
        return self._shared.active_input

    @active_input.setter
    def active_input(self, index: int) -> None:
        if not 0 <= index < self.model.ac_inputs:
            raise ValueError(f"{self.model.name} has {self.model.ac_inputs} AC input(s)")
        self._shared.active_input = index
        self.refresh()

    @property
    def remote_limits_input(self) -> bool:
        """The panel's limit ('S') applies to the active input (its overrule flag is set)."""
        if not self.model.ac_inputs:
            return False
        setting, bit = _REMOTE_OVERRULES[self.active_input]
        return bool(self.setting_raw(setting) & bit)

    @property
    def current_limit(self) -> float:
        """AC input current limit in force (A): the panel's ('S') or the active input's
        setting (6, or 49 on AC2), bounded; 0 without an AC input."""
        if not self.model.ac_inputs:
            return 0.0
        panel = self._shared.panel_limit
        if panel is not None and self.remote_limits_input:
            limit = panel
        else:
            limit = self.setting(_INPUT_LIMITS[self.active_input])
        return clamp(limit, self.model.input_limit_min, self.model.input_limit_max)

    @current_limit.setter
    def current_limit(self, amps: float) -> None:
        self._shared.panel_limit = amps

    @property
    def panel_detected(self) -> bool:
        return self.mk2 or bool(self.interface_lines & Lines.PANEL_DETECT)

    @property
    def switch_register(self) -> int:
        """F5 switch register (protocol.md §7.4)."""
        remote = _REMOTE_BITS.get(SwitchState(self.switch_state), 0)
        value = SWITCH_ONBOARD_REMOTE | remote
        if self.front_switch_up:
            value |= SWITCH_FRONT_UP | remote << 4
        else:
            value |= SWITCH_FRONT_DOWN
        return value

    @property
    def input_config(self) -> int:
        """F5 AC-input config byte: active input, limit settable, inputs, panel detected."""
        value = self.active_input | self.model.ac_inputs << CONFIG_INPUTS_SHIFT
        if self.remote_limits_input:
            value |= CONFIG_LIMIT_ADJUSTABLE
        return value | (CONFIG_PANEL_DETECTED if self.panel_detected else 0)

    def reset_interface(self) -> None:
        """The MK3 back at power-on: no address ('B'), no LED append, split replies."""
        self.address = None
        self.led_append = False
        self.combined_replies = False
        self.interface_lines = H_POWER_ON_DEFAULT

    def restart(self) -> None:
        """Reboot the VE.Bus units: RAM-only settings, ESS setpoints, snapshots and the
        remote panel's current limit are lost.

        The MK3 draws its power from the VE.Bus, so it restarts too (``reset_interface``).
        """
        self.boots += 1
        self.reset_interface()
        # The interface's panel command goes with it: the unit runs its own current limit
        # until a panel sends one again (protocol.md §3.6).
        self._shared.panel_limit = None
        for unit in self.units:
            unit.forget_ram_only()
            if self.live:
                unit.force_charge_state(ChargeState.BULK)
        if self.live:
            self.step_units(0.0)

    def _check_auto_sleep(self, now: float) -> None:
        off = self.switch_state == SwitchState.OFF and not self.interface_lines & Lines.STANDBY
        if self.sleep_when_off is None or not off or self.asleep:
            self._off_since = None
            return
        if self._off_since is None:
            self._off_since = now
        elif now - self._off_since >= self.sleep_when_off:
            self.asleep = True
