"""What the simulated MK3 reaches: the master unit, the system it leads, the MK3 itself.

``SimDevice`` is the unit at address 0 (a ``SimUnit``) and the MK3 interface it powers
(its version, selected address, 'H' lines, reply modes and restarts); the system it leads
(``system.SimSystem``: the other units, the clock, the panel, the AC input, sleep) is
``system``, and the device shows its state as its own (``advance``, ``current_limit``,
``asleep``, …), as the MK3 and the tests see it.
"""

from __future__ import annotations

from collections.abc import Callable
import random
import time

from victron_serial.vebus.protocol.ids import Lines

from .assistants import ESS_TIMEOUT
from .models import DeviceModel, get_model
from .system import SimSystem
from .unit import SimUnit

__all__ = ["ESS_TIMEOUT", "SimDevice", "SimUnit"]

MK3_VERSION = 1170212
MK2_VERSION = 1130134
H_POWER_ON_DEFAULT = 0x05  # panel detect + bit 2 (protocol.md §3.7)
MAX_PHASES = 3


class SimDevice(SimUnit):
    """The simulated VE.Bus system: its master unit (address 0), the others, the MK3."""

    system: SimSystem

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
        system = SimSystem(
            resolved,
            phases=phases,
            live=live,
            time_scale=time_scale,
            clock=clock,
            standby=lambda: bool(self.interface_lines & Lines.STANDBY),
        )
        rng = random.Random(seed)
        super().__init__(
            system,
            resolved,
            address=0,
            phase=1,
            shared=system.shared,
            rng=rng,
            ess=ess,
            assistants=assistants,
        )
        system.add_units(self, units, rng=rng, ess=ess, assistants=assistants)

        # MK3 interface state.
        self.interface_version = MK2_VERSION if mk2 else MK3_VERSION
        self.address: int | None = None  # the MK3's selected address (this unit's is 0)
        self.interface_lines = H_POWER_ON_DEFAULT
        self.led_append = False
        self.combined_replies = False
        self.boots = 0  # restarts so far; the MK3 announces itself after each
        if live:
            system.step_units(0.0)

    def reset_interface(self) -> None:
        """The MK3 back at power-on: no address ('B'), no LED append, split replies."""
        self.address = None
        self.led_append = False
        self.combined_replies = False
        self.interface_lines = H_POWER_ON_DEFAULT

    def restart(self) -> None:
        """Reboot the VE.Bus units (``SimSystem.restart``). The MK3 draws its power from
        the VE.Bus, so it restarts too (``reset_interface``)."""
        self.boots += 1
        self.reset_interface()
        self.system.restart()

    # --- the system's state, as the device shows it -----------------------------------------

    @property
    def units(self) -> list[SimUnit]:
        return self.system.units

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward (and the physics with it when live)."""
        self.system.advance(seconds)

    @property
    def mains_present(self) -> bool:
        return super().mains_present

    @mains_present.setter
    def mains_present(self, present: bool) -> None:
        self.system.set_mains_present(present)

    @property
    def asleep(self) -> bool:
        return self._shared.asleep

    @asleep.setter
    def asleep(self, value: bool) -> None:
        self.system.set_asleep(value)

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
        self.system.set_active_input(index)

    @property
    def remote_limits_input(self) -> bool:
        return self.system.remote_limits_input

    @property
    def current_limit(self) -> float:
        return self.system.current_limit

    @current_limit.setter
    def current_limit(self, amps: float) -> None:
        self._shared.panel_limit = amps

    @property
    def sleep_when_off(self) -> float | None:
        """Seconds switched off without the standby line before the system sleeps."""
        return self.system.sleep_when_off

    @sleep_when_off.setter
    def sleep_when_off(self, seconds: float | None) -> None:
        self.system.sleep_when_off = seconds
