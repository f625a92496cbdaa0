"""The unit's ESS: the setpoint of each phase master (addresses 0, 1, 2: protocol.md §8),
found by ``discover`` or at the first setpoint, and the ESS control on it.

The setpoint is kept alive while set and returned to 0 W on ``close`` (``ess.setpoint``);
*Sleep* and *Standby* end the control and release a standing setpoint first (``end``),
and neither comes back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import logging
from typing import Any

from ...foundation.clock import Clock
from ..client import VEBusClient
from ..device.states import Mode
from ..device.value_checks import number
from ..errors import VEBusError, VEBusUnsupportedError
from ..ess.controller import EssController, EssHost
from ..ess.setpoint import EssSetpoint, check_ess_mode
from ..ess.system import EssSystem
from ..reading.sampling import PowerSample
from .facts import UnitFacts
from .gate import WriteGate

_LOGGER = logging.getLogger(__name__)


class UnitEss:
    """The ESS setpoints of the unit's system (None without an ESS assistant) and their
    control, made once the first setpoint is found."""

    def __init__(
        self,
        client: VEBusClient,
        gate: WriteGate,
        facts: UnitFacts,
        clock: Clock,
        *,
        host: EssHost,
        mode_in_force: Callable[[], Awaitable[Mode | None]],
        max_power: int,
        keepalive: float,
    ) -> None:
        self._client = client
        self._gate = gate
        self._facts = facts
        self._clock = clock
        self._host = host  # what the ESS control reads of the unit
        self._mode_in_force = mode_in_force
        self._max_power = max_power
        self._keepalive = keepalive
        self.system: EssSystem | None = None
        self.control: EssController | None = None  # with an ESS assistant

    @property
    def clock(self) -> Clock:
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = clock
        if self.system is not None:
            self.system.clock = clock

    @property
    def max_power(self) -> int:
        return self.system.max_power if self.system is not None else self._max_power

    @max_power.setter
    def max_power(self, watts: int) -> None:
        self._max_power = watts
        if self.system is not None:
            self.system.max_power = watts

    async def find(self) -> None:
        """The ESS setpoint of each phase master."""
        ram_id = await self._client.find_ess_setpoint()
        if ram_id is None:
            return
        setpoints = [self._at(ram_id)]
        for address in range(1, self._facts.phases):
            try:
                phase_id = await self._client.find_ess_setpoint(address=address)
            except VEBusError as err:
                phase_id = None
                _LOGGER.debug("No ESS assistant found at address %s: %s", address, err)
            if phase_id is None:
                _LOGGER.warning(
                    "The phase master at address %s has no ESS assistant: the ESS setpoint "
                    "goes to the other phases only",
                    address,
                )
                continue
            setpoints.append(self._at(phase_id, address))
        self._use(EssSystem(setpoints))

    def _use(self, system: EssSystem) -> None:
        self.system = system
        if self.control is None:
            self.control = EssController(self._host)

    def _at(self, ram_id: int, address: int | None = None) -> EssSetpoint:
        return EssSetpoint(
            self._client,
            ram_id,
            self._gate.lock,
            self._clock,
            max_power=self._max_power,
            interval=self._keepalive,
            address=address,
        )

    async def ram_id(self) -> int | None:
        """The setpoint's RAM id (None: no ESS assistant)."""
        if self.system is None and self._facts.device is None:  # not discovered: look now
            return await self._client.find_ess_setpoint()
        return self.system.ram_id if self.system is not None else None

    async def set(self, watts: float, duration: float | None = None) -> None:
        """ESS mode 3 setpoint in W (+ = charge from AC-in), kept alive while not 0; the
        system's total, split over the phase masters. Ends a running state-of-charge
        program (the grid target, when on, goes on from this setpoint)."""
        watts = number("ESS setpoint", watts)
        self._gate.refuse_asleep()
        check_ess_mode(await self._mode_in_force(), watts)
        if self.system is None:
            ram_id = await self.ram_id()
            if ram_id is None:
                raise VEBusUnsupportedError("this unit has no ESS assistant")
            self._use(EssSystem([self._at(ram_id)]))
        assert self.system is not None
        if self.control is not None:
            self.control.setpoint_set_by_hand()
        counters = self._gate.counters
        counters["writes"] += 1
        try:
            await self.system.set(watts, duration)
        except BaseException:
            counters["writes_failed"] += 1
            raise

    async def reapply(self) -> None:
        """After the units restarted (they forgot the setpoint); the caller holds the lock."""
        if self.system is not None:
            await self.system.reapply()

    async def end(self, *, pause: bool = False) -> None:
        """The ESS control off and a standing setpoint back to 0 W; ``pause``: nothing is
        written after that 0 W until ``resume`` (the unit goes to sleep)."""
        if self.control is not None:
            await self.control.close()
        if self.system is not None:
            if pause:
                self.system.pause()  # no write starts from here on; the release's 0 W still goes
            await self.system.release()

    def resume(self) -> None:
        """The unit is awake: the setpoint may be written again."""
        if self.system is not None:
            self.system.resume()

    def sampled_phases(self) -> list[int]:
        """The other phase masters whose AC-in a sample reads too: while the ESS control
        runs on a system of several phases."""
        if self.control is None or not self.control.active:
            return []
        addresses = self.system.addresses if self.system else []
        return [address for address in addresses if address is not None]

    def on_sample(self, sample: PowerSample) -> None:
        if self.control is not None:
            self.control.on_sample(sample)

    def diagnostics(self) -> dict[str, Any]:
        system, control = self.system, self.control
        return {
            "ess_ram_id": system.ram_id if system else None,
            "ess_setpoint": system.watts if system else None,
            "ess_setpoint_unconfirmed": bool(system and system.unsure),
            "ess_phase_setpoints": system.phase_watts if system else [],
            "ess_control": control.diagnostics() if control else None,
        }
