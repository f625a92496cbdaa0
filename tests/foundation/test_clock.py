"""The real clock (foundation/clock.py)."""

from __future__ import annotations

from victron_serial.foundation.clock import SystemClock


async def test_the_system_clock_is_the_real_time() -> None:
    clock = SystemClock()
    before = clock.time()
    await clock.sleep(0)
    assert clock.time() >= before
