"""The key values between refreshes (the library's ``sampling_step``), on loop timers.

Each sample is a short background task started by a timer: no task lives for the entry's
lifetime, so waiting for Home Assistant's background tasks still ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .const import DOMAIN
from .victron_serial.vebus import VEBusUnit


class Sampler:
    """Samples ``unit`` while ``active()``; ``async_stop`` ends it for good."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        unit: VEBusUnit,
        active: Callable[[], bool],
    ) -> None:
        self._hass = hass
        self._entry = entry
        self._unit = unit
        self._active = active
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._stopped = False

    @callback
    def async_start(self, delay: float = 0.0) -> None:
        if not self._stopped:
            self._timer = self._hass.loop.call_later(delay, self._start_sample)

    @callback
    def _start_sample(self) -> None:
        self._timer = None
        self._task = self._entry.async_create_background_task(
            self._hass, self._async_sample(), f"{DOMAIN} sample {self._entry.title}"
        )

    async def _async_sample(self) -> None:
        delay = await self._unit.sampling_step(self._active)
        self.async_start(delay)

    async def async_stop(self) -> None:
        """Before the port closes: a sample must not open it again."""
        self._stopped = True
        timer, self._timer = self._timer, None
        task, self._task = self._task, None
        if timer is not None:
            timer.cancel()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
