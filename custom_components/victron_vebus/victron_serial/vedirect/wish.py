"""The "latest wish" mode for values automations change often (the charge current limit).

An automation may want a new limit every few seconds; the charger's memory takes one write
per interval (``nvm``). A ``LatestWish`` keeps only the newest wanted value and writes it as
soon as the interval allows; every wish ends reported (``Wish.result()``, ``on_result``):

- ``applied``: written (``in_force`` is what the charger took: chargers clamp);
- ``unchanged``: the charger already holds it (to the device step): nothing written;
- ``superseded``: a newer wish came before this one could be written;
- ``failed``: the write failed (``error``); the next wish tries again;
- ``dropped``: the owner closed before it could be written.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import logging

from ..foundation.clock import Clock
from .errors import VEDirectClosedError, VEDirectError, VEDirectRateLimitedError
from .nvm import NvmLimiter

_LOGGER = logging.getLogger(__name__)


class WishOutcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    SUPERSEDED = "superseded"
    FAILED = "failed"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class WishResult:
    wanted: float
    outcome: WishOutcome
    in_force: float | None = None
    error: VEDirectError | None = None


class Wish:
    """One wanted value; ``await wish.result()`` tells what became of it."""

    def __init__(self, value: float, made_at: float) -> None:
        self.value = value
        self.made_at = made_at
        self._future: asyncio.Future[WishResult] = asyncio.get_running_loop().create_future()

    def done(self) -> bool:
        return self._future.done()

    async def result(self) -> WishResult:
        return await asyncio.shield(self._future)

    def _finish(self, result: WishResult) -> None:
        if not self._future.done():
            self._future.set_result(result)


@dataclass(frozen=True, slots=True)
class Applied:
    """What the apply callback reports: whether it wrote, and the value in force."""

    written: bool
    in_force: float | None


class LatestWish:
    """The newest wish for one register, written when the NVM interval allows."""

    def __init__(
        self,
        register_id: int,
        *,
        apply: Callable[[float], Awaitable[Applied]],
        unchanged: Callable[[float], bool],
        limiter: NvmLimiter,
        clock: Clock,
        on_result: Callable[[WishResult], None] | None = None,
    ) -> None:
        self.register_id = register_id
        self.clock = clock
        self.on_result = on_result
        self.counts: Counter[str] = Counter()
        self.pending: Wish | None = None
        self._apply = apply
        self._unchanged = unchanged
        self.limiter = limiter  # the charger's: one record of writes for both
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.writing = False  # a wish is being written now

    @property
    def apply_at(self) -> float | None:
        """When the pending wish may be written (wall clock); None: nothing pending or now."""
        return None if self.pending is None else self.limiter.retry_at(self.register_id)

    def wish(self, value: float) -> Wish:
        """Keep ``value`` as the newest wish (bounds are the caller's to check first)."""
        if self._closed:
            raise VEDirectClosedError("the charger is closed: the wish would never be written")
        wish = Wish(value, self.clock.time())
        self.counts["wishes"] += 1
        if self.pending is not None:
            self._finish(self.pending, WishResult(self.pending.value, WishOutcome.SUPERSEDED))
        self.pending = wish
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"vedirect wish 0x{self.register_id:04X}"
            )
        return wish

    def supersede(self) -> None:
        """An explicit write came first: the pending wish is not written any more."""
        if self.pending is not None:
            self._finish(self.pending, WishResult(self.pending.value, WishOutcome.SUPERSEDED))
            self.pending = None

    async def close(self) -> None:
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.pending is not None:
            self._finish(self.pending, WishResult(self.pending.value, WishOutcome.DROPPED))
            self.pending = None

    def _finish(self, wish: Wish, result: WishResult) -> None:
        self.counts[result.outcome.value] += 1
        wish._finish(result)
        if self.on_result is not None:
            self.on_result(result)

    async def _run(self) -> None:
        while self.pending is not None:
            self._wake.clear()
            wish = self.pending
            if self._unchanged(wish.value):
                self.pending = None
                self._finish(wish, WishResult(wish.value, WishOutcome.UNCHANGED))
                continue
            retry_at = self.limiter.retry_at(self.register_id)
            if retry_at is not None:
                await self._wait_until(retry_at)
                continue
            self.pending = None  # a wish made while this one is written waits for its turn
            self.writing = True
            try:
                applied = await self._apply(wish.value)
            except VEDirectRateLimitedError:
                if self._newest() is None:
                    self.pending = wish  # written meanwhile by someone else: wait again
                else:
                    self._finish(wish, WishResult(wish.value, WishOutcome.SUPERSEDED))
                continue
            except VEDirectError as err:
                _LOGGER.debug("Wish %g for 0x%04X failed: %s", wish.value, self.register_id, err)
                self._finish(wish, WishResult(wish.value, WishOutcome.FAILED, error=err))
                continue
            finally:
                self.writing = False
            outcome = WishOutcome.APPLIED if applied.written else WishOutcome.UNCHANGED
            self._finish(wish, WishResult(wish.value, outcome, applied.in_force))

    def _newest(self) -> Wish | None:
        return self.pending  # (a method: a wish may have come while the write was awaited)

    async def _wait_until(self, when: float) -> None:
        """Until the clock reaches ``when``, or a new wish came."""
        sleeper = asyncio.ensure_future(self._sleep_until(when))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)

    async def _sleep_until(self, when: float) -> None:
        # The time left is taken when the sleep starts, not when it was asked for.
        await self.clock.sleep(max(when - self.clock.time(), 0.0))
