"""Where the device rules take time from: wall-clock seconds and sleeping.

``VEBusUnit``, ``BlueSmartCharger`` and the wear limiters take a clock, so their timing rules
(the EEPROM and NVM intervals, the ESS keep-alive and expiry, the wish mode) are tested by
moving a clock, not by waiting.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float:
        """Wall-clock seconds since the epoch (write times outlive restarts)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real time."""

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
