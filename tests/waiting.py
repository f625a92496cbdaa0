"""Waiting for a condition instead of for a fixed time (design.md §9).

A test that sleeps a fixed time and then looks fails on a slow or busy machine; one that
waits for the condition with a generous deadline passes on any machine and fails only
when the condition never comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

DEADLINE = 20.0  # s; only reached when the condition never comes
POLL = 0.005


async def wait_for(condition: Callable[[], object], what: str, deadline: float = DEADLINE) -> None:
    """Return as soon as ``condition()`` is true; fail naming ``what`` after ``deadline``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not condition():
        if loop.time() >= end:
            raise AssertionError(f"still waiting after {deadline:g} s: {what}")
        await asyncio.sleep(POLL)


async def wait_for_async(
    condition: Callable[[], Awaitable[bool]], what: str, deadline: float = DEADLINE
) -> None:
    """The same for a condition that must itself be awaited (a request that may fail)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not await condition():
        if loop.time() >= end:
            raise AssertionError(f"still waiting after {deadline:g} s: {what}")
        await asyncio.sleep(POLL)
