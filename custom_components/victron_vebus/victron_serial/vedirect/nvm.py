"""The non-volatile memory rule: a setting is written at most once per interval.

Every write of a Blue Smart setting goes to its non-volatile memory, and "continuous
writing, for example from a control loop, will lead to early failure" (HEXDOC; vedirect.md
§5.1). So every attempt that may have reached the charger counts, whether its reply came
back or not: a write left unconfirmed, refused by the charger, or whose port went away
after it was sent is recorded like a confirmed one. Only a write refused before the wire,
or one whose read-back showed the charger without it, is not. The owner keeps the record
across restarts (``saved`` in, ``on_change`` out), so a restart does not reset the limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from .clock import Clock, SystemClock
from .errors import VEDirectError, VEDirectRateLimitedError, VEDirectWriteNotAppliedError
from .registers import REGISTERS

NVM_INTERVAL = 600.0  # s between two writes of one register


def _name(register_id: int) -> str:
    item = REGISTERS.get(register_id)
    return item.name if item is not None else f"register 0x{register_id:04X}"


class NvmLimiter:
    """When each register was last written, and whether it may be written now."""

    def __init__(
        self,
        *,
        interval: float = NVM_INTERVAL,
        clock: Clock | None = None,
        saved: Mapping[int, float] | None = None,
        on_change: Callable[[dict[int, float]], None] | None = None,
    ) -> None:
        self.interval = interval
        self.clock = clock or SystemClock()
        self._saved = {int(key): float(value) for key, value in (saved or {}).items()}
        self._on_change = on_change
        self.writes = 0  # attempts recorded since this limiter was made

    @property
    def saved(self) -> dict[int, float]:
        """Register id -> wall-clock time of its last write (attempt): what to persist."""
        return dict(self._saved)

    def retry_at(self, register_id: int) -> float | None:
        """When ``register_id`` may be written again; None: now."""
        last = self._saved.get(register_id)
        if last is None:
            return None
        now = self.clock.time()
        # A clock set back must not hold a register for longer than the interval.
        retry = min(last, now) + self.interval
        return retry if now < retry else None

    def check(self, register_id: int) -> None:
        retry = self.retry_at(register_id)
        if retry is not None:
            raise VEDirectRateLimitedError(_name(register_id), retry)

    async def write[T](self, register_id: int, write: Callable[[], Awaitable[T]]) -> T:
        """Run ``write`` (one NVM write) if the interval allows; record the attempt."""
        self.check(register_id)
        try:
            result = await write()
        except VEDirectWriteNotAppliedError:
            raise  # read back without the value: nothing was stored
        except VEDirectError as err:
            if err.request_sent:
                self._record(register_id)
            raise
        except asyncio.CancelledError:
            self._record(register_id)  # it may have gone out
            raise
        self._record(register_id)
        return result

    def _record(self, register_id: int) -> None:
        self.writes += 1
        self._saved[register_id] = self.clock.time()
        if self._on_change is not None:
            self._on_change(self.saved)
