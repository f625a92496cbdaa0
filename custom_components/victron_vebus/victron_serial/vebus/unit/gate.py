"""The control lock: writes, re-applying and the ESS keep-alive run one at a time, so none
of them undoes another; and from the moment the unit is sent to sleep no control is
written until it is found awake."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
import contextlib

from ..client import VEBusClient
from ..errors import VEBusAsleepError


class WriteGate:
    """The lock every control write takes, the unit's counters, and whether it sleeps."""

    def __init__(self, client: VEBusClient) -> None:
        self._client = client
        self.lock = asyncio.Lock()
        self.counters: Counter[str] = Counter()
        self.controls = 0  # control writes: the slow tier is read again after one
        self.asleep = False  # sent to sleep, and not found awake since

    @contextlib.asynccontextmanager
    async def control(self) -> AsyncIterator[None]:
        """One control write: refused while asleep, counted, under the lock."""
        self.refuse_asleep()
        self.counters["writes"] += 1
        self.controls += 1
        try:
            async with self.lock:
                yield
        except BaseException:
            self.counters["writes_failed"] += 1
            raise

    def refuse_asleep(self) -> None:
        if self.asleep:
            raise VEBusAsleepError(f"{self._client.url}: the unit is asleep; wake it up first")
