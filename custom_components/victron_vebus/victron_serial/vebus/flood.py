"""A peer that sends far more than a 2400 baud line can carry is a fault, not a device.

A real MK2/MK3 (or a ser2net serving one) delivers at most 240 bytes a second, and most of
what arrives answers a request. Random bytes or 'V' frames at full speed over a socket would
otherwise cost a whole core for as long as they last. The guard allows the replies to the
requests sent plus ``factor`` times the line rate besides, over a sliding window; beyond
that the link drops the connection and waits (``backoff``, doubling up to a cap) before it
connects again.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
import time

LINE_RATE = 240  # bytes a second at 2400 baud, 8N1
MAX_REPLY_BYTES = 48  # the longest answer to one request (split setting info: 3 frames)
WINDOW = 2.0  # s
FACTOR = 4  # the line rate this many times over, besides the replies, is a flood
BACKOFF_FIRST = 5.0  # s
BACKOFF_MAX = 60.0


@dataclass(slots=True)
class FloodGuard:
    window: float = WINDOW
    factor: float = FACTOR
    backoff_first: float = BACKOFF_FIRST
    backoff_max: float = BACKOFF_MAX
    floods: int = 0
    backoff_until: float = 0.0
    _backoff: float = 0.0
    _received: collections.deque[tuple[float, int]] = field(default_factory=collections.deque)
    _total: int = 0  # bytes in ``_received``
    _requests: collections.deque[float] = field(default_factory=collections.deque)

    def request_sent(self) -> None:
        self._requests.append(time.monotonic())

    def received(self, count: int) -> bool:
        """Count ``count`` bytes in; True when that makes a flood (the caller resets)."""
        now = time.monotonic()
        received = self._received
        received.append((now, count))
        self._total += count
        start = now - self.window
        while received[0][0] < start:
            self._total -= received.popleft()[1]
        while self._requests and self._requests[0] < start:
            self._requests.popleft()
        allowed = MAX_REPLY_BYTES * len(self._requests) + self.factor * LINE_RATE * self.window
        if self._total <= allowed:
            return False
        self.floods += 1
        self._backoff = min(self.backoff_max, self._backoff * 2 or self.backoff_first)
        self.backoff_until = now + self._backoff
        received.clear()
        self._total = 0
        return True

    def wait_left(self) -> float:
        """Seconds until a new connection is allowed (0: now)."""
        return max(0.0, self.backoff_until - time.monotonic())

    def calm(self) -> None:
        """A reply came back on a connection that did not flood: start the back-off anew."""
        if not self.wait_left():
            self._backoff = 0.0
