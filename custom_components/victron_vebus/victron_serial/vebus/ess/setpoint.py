"""The ESS mode 3 setpoint, kept alive while set and released to 0 W (protocol.md §8).

The unit drops a setpoint about 15 s after the last write, so a setpoint that is not 0 is
written again every ``interval`` seconds. A write left unconfirmed (or cancelled half-way)
is never taken for the value in force: the keep-alive sends the known setpoint again, 0 W
included. ``release()`` returns the setpoint to 0 W when the owner goes away. Every write
runs under the unit's control lock, so a keep-alive never re-sends a value that a newer
write (or an expiry) has replaced. While the unit sleeps (``pause``) nothing is written at
all: the keep-alive and the expiry stop, and a write is refused before the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math

from ...foundation.clock import Clock
from ..client import VEBusClient
from ..device.states import Mode
from ..errors import (
    VEBusAsleepError,
    VEBusError,
    VEBusModeError,
    VEBusOutOfRangeError,
    VEBusWriteUnconfirmedError,
)

_LOGGER = logging.getLogger(__name__)

KEEPALIVE_INTERVAL = 5.0  # s; the unit drops a setpoint about 15 s after the last write
DEFAULT_MAX_POWER = 3000  # W, charging and feeding in alike
INT16_MAX = 0x7FFF


def check_ess_mode(mode: Mode | None, watts: float) -> None:
    """A setpoint other than 0 W acts only in mode on: in charger only the inverter is off
    and the charger follows its own charge curve, in inverter only and off the AC input is
    open. Refused in those modes (VEBusModeError); 0 W, the safe state, is always taken."""
    if watts != 0 and mode is not None and mode is not Mode.ON:
        raise VEBusModeError("ESS setpoint", str(mode))


class EssSetpoint:
    """The setpoint at RAM ``ram_id`` of one unit; + = charge the battery from AC-in."""

    def __init__(
        self,
        client: VEBusClient,
        ram_id: int,
        lock: asyncio.Lock,
        clock: Clock,
        *,
        max_power: int = DEFAULT_MAX_POWER,
        interval: float = KEEPALIVE_INTERVAL,
        address: int | None = None,
    ) -> None:
        self.client = client
        self.ram_id = ram_id
        self.address = address  # None: the client's own unit; else another phase master
        self.max_power = max_power
        self.interval = interval
        self.clock = clock
        self._lock = lock
        self.watts = 0  # the setpoint the unit confirmed
        self.unsure = False  # a write left unconfirmed: the keep-alive repeats the known one
        self.paused = False  # while the unit sleeps nothing is written (``pause``)
        self.writes = 0
        self._keepalive: asyncio.Task[None] | None = None
        self._expiry: asyncio.Task[None] | None = None

    def check(self, watts: float) -> int:
        """``watts`` as the unit will take it, or VEBusOutOfRangeError naming the bound."""
        limit = min(self.max_power, INT16_MAX)
        if not math.isfinite(watts) or not -limit <= watts <= limit:
            bound = "ess_maximum" if limit == self.max_power else "wire"
            raise VEBusOutOfRangeError("ESS setpoint", watts, -limit, limit, "W", bound=bound)
        return round(watts)

    async def set(self, watts: float, duration: float | None = None) -> None:
        """Write the setpoint now (RAM only) and keep it alive; back to 0 W after
        ``duration`` seconds when given."""
        value = self.check(watts)
        self._cancel_expiry()
        async with self._lock:
            await self._write(value)
        if duration is not None and value:
            self._expiry = asyncio.get_running_loop().create_task(
                self._expire(duration), name="vebus ESS setpoint expiry"
            )

    async def reapply(self) -> None:
        """After the unit restarted (it forgot the setpoint); the caller holds the lock."""
        if (self.watts or self.unsure) and not self.paused:
            await self._write(self.watts)

    def pause(self) -> None:
        """The unit goes to sleep: from now on nothing is written (a write raises
        VEBusAsleepError) until ``resume``; the keep-alive and the expiry stop at once.
        ``release`` still writes its 0 W (the unit is sent to sleep after it)."""
        self.paused = True
        self._cancel_expiry()
        task, self._keepalive = self._keepalive, None
        if task is not None:
            task.cancel()

    def resume(self) -> None:
        """The unit is awake again; a setpoint left unsure is settled by the keep-alive."""
        self.paused = False
        self._start_keepalive()

    def forget(self) -> None:
        """The unit is out of reach: count the setpoint as 0 W, unsure, so the keep-alive
        (and ``reapply`` after a reconnect) writes 0 W once it answers, never the old
        value. The unit drops what it held by itself about 15 s after the last write."""
        self._cancel_expiry()
        if self.watts or self.unsure:
            self.watts, self.unsure = 0, True
            if not self.paused:
                self._start_keepalive()

    async def release(self) -> None:
        """Keep-alive and expiry off, the setpoint back to 0 W. A write still in flight
        is waited for (it holds the lock), so none lands after the release."""
        self._cancel_expiry()
        await self._stop_keepalive()
        async with self._lock:
            if self.watts or self.unsure:
                try:
                    await self.client.write_ess_setpoint(self.ram_id, 0, address=self.address)
                except VEBusError as err:
                    _LOGGER.warning(
                        "Could not return the ESS setpoint to 0 W; the unit drops it by "
                        "itself within about 15 s: %s",
                        err,
                    )
                self.watts = 0
                self.unsure = False
        await self._stop_keepalive()  # one a write in flight started meanwhile

    async def _stop_keepalive(self) -> None:
        task, self._keepalive = self._keepalive, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _write(self, value: int) -> None:
        """One write; the caller holds the lock."""
        if self.paused:
            raise VEBusAsleepError("ESS setpoint: the unit is asleep; nothing was sent")
        self.writes += 1
        try:
            await self.client.write_ess_setpoint(self.ram_id, value, address=self.address)
        except (VEBusWriteUnconfirmedError, asyncio.CancelledError):
            self.unsure = True
            self._start_keepalive()
            raise
        self.watts = value
        self.unsure = False
        self._start_keepalive()

    def _start_keepalive(self) -> None:
        if self.paused or not (self.watts or self.unsure):
            return
        if self._keepalive is None or self._keepalive.done():
            self._keepalive = asyncio.get_running_loop().create_task(
                self._keep_alive(), name="vebus ESS keep-alive"
            )

    async def _keep_alive(self) -> None:
        while (self.watts or self.unsure) and not self.paused:
            await self.clock.sleep(self.interval)
            async with self._lock:
                if self.paused or not (self.watts or self.unsure):
                    return
                try:
                    await self._write(self.watts)
                except VEBusError as err:
                    _LOGGER.debug("ESS keep-alive not delivered: %s", err)

    async def _expire(self, duration: float) -> None:
        await self.clock.sleep(duration)
        self._expiry = None
        try:
            await self.set(0)
        except VEBusError as err:
            _LOGGER.warning("Could not return the ESS setpoint to 0 W: %s", err)

    def _cancel_expiry(self) -> None:
        task, self._expiry = self._expiry, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
