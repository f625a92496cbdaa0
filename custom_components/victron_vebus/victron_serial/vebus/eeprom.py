"""The EEPROM rule: a setting is saved at most once per interval (foundation/wear.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..foundation.wear import WEAR_INTERVAL, WearLimiter
from .errors import ERRORS
from .protocol.ids import setting_name

EEPROM_INTERVAL = WEAR_INTERVAL  # s between two saves of one setting


class EepromLimiter(WearLimiter):
    """When each setting was last saved to the unit's EEPROM, and whether it may be now."""

    errors = ERRORS

    def item_name(self, item_id: int) -> str:
        return setting_name(item_id)

    async def save[T](self, setting_id: int, write: Callable[[], Awaitable[T]]) -> T:
        """Run ``write`` (one EEPROM write) if the interval allows; record the attempt."""
        return await self.attempt(setting_id, write)
