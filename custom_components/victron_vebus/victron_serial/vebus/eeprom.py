"""The EEPROM rule: a setting is saved at most once per interval (design.md §5).

Every attempt that may have reached the unit counts, whether its reply came back or not: a
write that ended unconfirmed, or whose port went away after it was sent, is recorded like a
confirmed one. Only a write refused before the wire, or one whose read-back showed the unit
without the value (nothing was stored), is not. The record is kept by the caller across
restarts (``saved`` in, ``on_change`` out), so a restart does not reset the limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from .clock import Clock, SystemClock
from .errors import VEBusError, VEBusRateLimitedError, VEBusWriteNotAppliedError
from .protocol.ids import setting_name

EEPROM_INTERVAL = 600.0  # s between two saves of one setting


class EepromLimiter:
    """When each setting was last saved, and whether it may be saved now."""

    def __init__(
        self,
        *,
        interval: float = EEPROM_INTERVAL,
        clock: Clock | None = None,
        saved: Mapping[int, float] | None = None,
        on_change: Callable[[dict[int, float]], None] | None = None,
    ) -> None:
        self.interval = interval
        self.clock = clock or SystemClock()
        self._saved = dict(saved or {})
        self._on_change = on_change

    @property
    def saved(self) -> dict[int, float]:
        """Setting id -> wall-clock time of its last save (attempt)."""
        return dict(self._saved)

    def retry_at(self, setting_id: int) -> float | None:
        """When ``setting_id`` may be saved again; None: now."""
        last = self._saved.get(setting_id)
        if last is None:
            return None
        now = self.clock.time()
        # A clock set back must not hold a setting for longer than the interval.
        retry = min(last, now) + self.interval
        return retry if now < retry else None

    def check(self, setting_id: int) -> None:
        retry = self.retry_at(setting_id)
        if retry is not None:
            raise VEBusRateLimitedError(setting_name(setting_id), retry)

    async def save[T](self, setting_id: int, write: Callable[[], Awaitable[T]]) -> T:
        """Run ``write`` (one EEPROM write) if the interval allows; record the attempt."""
        self.check(setting_id)
        try:
            result = await write()
        except VEBusWriteNotAppliedError:
            raise  # read back without the value: nothing was stored
        except VEBusError as err:
            if err.request_sent:
                self._record(setting_id)
            raise
        except asyncio.CancelledError:
            self._record(setting_id)  # it may have gone out
            raise
        self._record(setting_id)
        return result

    def _record(self, setting_id: int) -> None:
        self._saved[setting_id] = self.clock.time()
        if self._on_change is not None:
            self._on_change(self.saved)
