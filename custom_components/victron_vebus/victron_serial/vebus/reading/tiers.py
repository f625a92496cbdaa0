"""Which parts of a refresh are read every time, and which only now and then.

What moves every second (LEDs, battery, AC values, power) is read on every refresh: the
fast tier. What rarely changes (the AC-input configuration with the remote switch and the
current limit bounds, the device state, the settings) is read again at most every
``SLOW_INTERVAL``, or at once when something says it may have changed: a control write,
a new session (a restart or a reconnect) or a change of the LEDs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...foundation.clock import Clock
from ..device.states import LedStatus

SLOW_INTERVAL = 60.0  # s


@dataclass(frozen=True, slots=True)
class Events:
    """What says the slow parts may have changed, as it stands at one refresh."""

    leds: LedStatus | None
    session: int  # a new one after a reconnect or a restart of the unit
    controls: int  # control writes so far


@dataclass(slots=True)
class SlowTier:
    """Decides whether a refresh reads the slow parts too."""

    clock: Clock
    interval: float = SLOW_INTERVAL
    _read_at: float | None = None
    _events: Events | None = None

    def changed(self, events: Events) -> bool:
        """Something happened since the slow parts were last read."""
        return self._read_at is None or events != self._events

    def due(self, events: Events) -> bool:
        """True when the slow parts are to be read with this refresh."""
        if self.changed(events):
            return True
        assert self._read_at is not None
        return self.clock.time() - self._read_at >= self.interval

    def read(self, events: Events) -> None:
        """The slow parts were read, with ``events`` as they stood."""
        self._read_at = self.clock.time()
        self._events = events

    def expire(self) -> None:
        """Read them with the next refresh, whatever the state."""
        self._read_at = None
