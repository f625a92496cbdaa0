"""An unload waits for a refresh under way before it closes the port.

Closing the port under a refresh fails it, and Home Assistant would log that as a lost
connection although nothing was lost. So a coordinator's release stops new refreshes
(``async_shutdown``), waits here for the one under way, and then closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib

# Longer than a refresh takes with every retry on a lossy line; a port that hangs beyond it
# is closed anyway.
RELEASE_WAIT = 15.0  # s


class RefreshInFlight:
    """Whether a refresh is under way, and a wait for it to end."""

    def __init__(self) -> None:
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        self._idle.clear()
        try:
            yield
        finally:
            self._idle.set()

    async def ended(self, timeout: float = RELEASE_WAIT) -> bool:
        """True once no refresh is under way; False if one still is after ``timeout``."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        return self._idle.is_set()
