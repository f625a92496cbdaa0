"""The wear limiter (foundation/wear.py), as the VE.Direct library parameterises it."""

from __future__ import annotations

import asyncio

import pytest

from tests.clock import FakeClock
from victron_serial.vedirect import NvmLimiter, VEDirectRateLimitedError


async def test_the_write_record_counts_a_cancelled_write_and_survives_a_clock_set_back() -> None:
    clock = FakeClock(start=10_000.0)
    changes: list[dict[int, float]] = []
    limiter = NvmLimiter(clock=clock, interval=600.0, on_change=changes.append)

    async def never_answered() -> None:
        await asyncio.Event().wait()

    task = asyncio.ensure_future(limiter.write(0xEDF0, never_answered))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert changes == [{0xEDF0: 10_000.0}]  # it may have gone out
    clock.now = 9_000.0  # set back by an hour: held for one interval at most, from now
    assert limiter.retry_at(0xEDF0) == 9_600.0
    with pytest.raises(VEDirectRateLimitedError, match="charge_current_limit"):
        limiter.check(0xEDF0)
    with pytest.raises(VEDirectRateLimitedError, match="0x1234"):
        NvmLimiter(clock=clock, saved={0x1234: 9_000.0}).check(0x1234)
