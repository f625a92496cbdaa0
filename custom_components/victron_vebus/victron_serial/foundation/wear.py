"""The wear rule of a device's non-volatile memory: a setting is written at most once per
interval (design.md §5). VE.Bus calls the memory EEPROM, VE.Direct NVM; the rule is one.

Every attempt that may have reached the device counts, whether its reply came back or not: a
write left unconfirmed, refused by the device after it was sent, or whose port went away
after it was sent is recorded like a confirmed one. Only a write refused before the wire,
or one whose read-back showed the device without the value (nothing was stored), is not.
The owner keeps the record across restarts (``saved`` in, ``on_change`` out), so a restart
does not reset the limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from .clock import Clock, SystemClock
from .errors import ErrorFamily, request_sent

WEAR_INTERVAL = 600.0  # s between two writes of one setting


class WearLimiter:
    """When each setting was last written to the memory, and whether it may be now.

    A library's limiter names its error family (``errors``) and its settings (``item_name``).
    """

    errors: ClassVar[ErrorFamily[Any]]

    def __init__(
        self,
        *,
        interval: float = WEAR_INTERVAL,
        clock: Clock | None = None,
        saved: Mapping[int, float] | None = None,
        on_change: Callable[[dict[int, float]], None] | None = None,
    ) -> None:
        self.interval = interval
        self.clock = clock or SystemClock()
        self._saved = {int(key): float(value) for key, value in (saved or {}).items()}
        self._on_change = on_change
        self.writes = 0  # attempts recorded since this limiter was made

    def item_name(self, item_id: int) -> str:
        """How the rate-limited error names ``item_id``."""
        raise NotImplementedError

    @property
    def saved(self) -> dict[int, float]:
        """Setting id -> wall-clock time of its last write (attempt): what to persist."""
        return dict(self._saved)

    def retry_at(self, item_id: int) -> float | None:
        """When ``item_id`` may be written again; None: now."""
        last = self._saved.get(item_id)
        if last is None:
            return None
        now = self.clock.time()
        # A clock set back must not hold a setting for longer than the interval.
        retry = min(last, now) + self.interval
        return retry if now < retry else None

    def check(self, item_id: int) -> None:
        retry = self.retry_at(item_id)
        if retry is not None:
            raise self.errors.rate_limited(self.item_name(item_id), retry)

    async def attempt[T](self, item_id: int, write: Callable[[], Awaitable[T]]) -> T:
        """Run ``write`` (one write to the memory) if the interval allows; record it."""
        self.check(item_id)
        try:
            result = await write()
        except self.errors.not_applied:
            raise  # read back without the value: nothing was stored
        except self.errors.base as err:
            if request_sent(err):
                self._record(item_id)
            raise
        except asyncio.CancelledError:
            self._record(item_id)  # it may have gone out
            raise
        self._record(item_id)
        return result

    def _record(self, item_id: int) -> None:
        self.writes += 1
        self._saved[item_id] = self.clock.time()
        if self._on_change is not None:
            self._on_change(self.saved)
