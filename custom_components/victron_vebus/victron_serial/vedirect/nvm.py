"""The non-volatile memory rule: a register is written at most once per interval.

Every write of a Blue Smart setting goes to its non-volatile memory, and "continuous
writing, for example from a control loop, will lead to early failure" (HEXDOC; vedirect.md
§5.1): foundation/wear.py counts every attempt that may have reached the charger.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..foundation.wear import WEAR_INTERVAL, WearLimiter
from .errors import ERRORS
from .registers import REGISTERS

NVM_INTERVAL = WEAR_INTERVAL  # s between two writes of one register


class NvmLimiter(WearLimiter):
    """When each register was last written, and whether it may be written now."""

    errors = ERRORS

    def item_name(self, item_id: int) -> str:
        item = REGISTERS.get(item_id)
        return item.name if item is not None else f"register 0x{item_id:04X}"

    async def write[T](self, register_id: int, write: Callable[[], Awaitable[T]]) -> T:
        """Run ``write`` (one NVM write) if the interval allows; record the attempt."""
        return await self.attempt(register_id, write)
