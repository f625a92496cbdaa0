"""A clock the code under test accepts (``VEBusUnit.clock``), moved by the test."""

from __future__ import annotations

import asyncio
import time


class FakeClock:
    """Wall-clock seconds that pass only when the test says so; sleepers wake on ``advance``."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start
        self.sleepers = 0  # tasks waiting in sleep(): advance only once they wait
        self._moved = asyncio.Event()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        until = self.now + seconds
        self.sleepers += 1
        try:
            while self.now < until:
                self._moved.clear()
                await self._moved.wait()
        finally:
            self.sleepers -= 1

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self._moved.set()
