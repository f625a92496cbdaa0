"""Sleep is a state, not a fault.

From the moment ``send`` sent the command the unit counts as asleep (controls refused,
nothing written); a refresh asks once whether it answers (``answers``) and reports it
asleep without reading anything until it wakes (an answer after silence) or turns out
never to have fallen asleep (still answering after ``SLEEP_SETTLE``).
"""

from __future__ import annotations

from collections.abc import Callable
import logging

from ...foundation.clock import Clock
from ..client import VEBusClient
from ..errors import VEBusTimeoutError
from .gate import WriteGate

_LOGGER = logging.getLogger(__name__)

# A unit may take minutes to fall asleep after the command (martiby/multiplus2#5); one that
# still answers after this long did not go to sleep.
SLEEP_SETTLE = 300.0  # s


class Sleep:
    """Sending the unit to sleep, waking it, and telling whether it is awake again."""

    def __init__(
        self,
        client: VEBusClient,
        gate: WriteGate,
        clock: Clock,
        on_awake: Callable[[], None],
    ) -> None:
        self._client = client
        self._gate = gate
        self.clock = clock
        self._on_awake = on_awake  # the ESS setpoint may be written again
        self._sent_at: float | None = None  # until it answers again (or never slept)
        self._silent_since = False  # it did fall asleep: the next answer is a wake-up

    async def send(self) -> None:
        """The sleep command; from now on the unit counts as asleep."""
        async with self._gate.control():
            await self._client.sleep()
        self._sent_at = self.clock.time()
        self._silent_since = False
        self._gate.asleep = True

    async def wake(self) -> None:
        """Wake the unit; returns once it answers (VEBusTimeoutError if it does not)."""
        counters = self._gate.counters
        counters["writes"] += 1
        try:
            async with self._gate.lock:
                await self._client.wake()
        except BaseException:
            counters["writes_failed"] += 1
            raise
        if self._gate.asleep:
            _LOGGER.info("%s woke up", self._client.url)
        self.awake()

    async def answers(self) -> bool:
        """One 'V', tried once: True once the unit is awake. An answer after silence is a
        wake-up (AC on its input, its front switch); an answer before any silence is a
        unit still falling asleep, until ``SLEEP_SETTLE`` says it never will."""
        url = self._client.url
        try:
            await self._client.version(retries=0)
        except VEBusTimeoutError:
            if not self._silent_since:
                _LOGGER.info("%s is asleep", url)
            self._silent_since = True
            return False
        sent_at = self._sent_at or 0.0
        if self._silent_since:
            _LOGGER.info("%s woke up", url)
        elif self.clock.time() - sent_at <= SLEEP_SETTLE:
            return False
        else:
            _LOGGER.info("%s still answers %.0f s after Sleep: awake", url, SLEEP_SETTLE)
        self.awake()
        return True

    def awake(self) -> None:
        """It answers again (or never went to sleep): controls and the ESS setpoint work."""
        self._gate.asleep, self._sent_at, self._silent_since = False, None, False
        self._on_awake()
