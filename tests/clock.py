"""A clock the code under test accepts (its ``clock`` attribute), moved by the test."""

from __future__ import annotations

import time


class FakeClock:
    """Wall-clock seconds that pass only when the test says so."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
