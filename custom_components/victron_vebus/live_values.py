"""The key values between refreshes: each sample of the library (4 a second) goes into the
coordinator's data, and the entities that show a sampled value are told at most once per live
interval. The others follow the refreshes as before, so a sample costs a few entities' state,
and an unchanged value writes no new state (Home Assistant keeps an equal state as it is)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
import math
import time

from homeassistant.core import CALLBACK_TYPE, callback

from .victron_serial.vebus import PowerSample, UnitState

# Samples come every 0.25 s with a little jitter: an interval of 1 s is told every 4th one.
JITTER = 0.05


class LiveValues:
    """Samples into ``data`` (read and written through the two callables); listeners told
    at most once per ``interval`` seconds."""

    def __init__(
        self,
        interval: float,
        get_data: Callable[[], UnitState | None],
        set_data: Callable[[UnitState], None],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._get_data = get_data
        self._set_data = set_data
        self._monotonic = monotonic
        self._listeners: list[CALLBACK_TYPE] = []
        self._told = -math.inf

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """``update`` is called with each live update; returns its removal."""
        self._listeners.append(update)

        @callback
        def remove() -> None:
            self._listeners.remove(update)

        return remove

    @callback
    def on_sample(self, sample: PowerSample) -> None:
        data = self._get_data()
        if data is None or data.asleep:
            return
        self._set_data(replace(data, live=sample))
        now = self._monotonic()
        if now - self._told < self.interval - JITTER:
            return
        self._told = now
        for update in list(self._listeners):
            update()
