"""The two tasks of a control loop: a worker that takes one step after each input, one
step at a time (what arrives during a step is taken on right after it), and a watchdog that
wakes it when something falls due without an input."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import logging

from ...foundation.clock import Clock

_LOGGER = logging.getLogger(__name__)

WATCH_IDLE = 60.0  # s the watchdog sleeps when nothing is due
WATCH_RETRY = 1.0  # s before the watchdog looks again at something still due


class ControlTasks:
    """The worker and the watchdog of one control; they run while ``active()``."""

    def __init__(
        self,
        *,
        clock: Callable[[], Clock],
        active: Callable[[], bool],
        step: Callable[[], Awaitable[None]],
        next_due: Callable[[], float | None],
        on_due: Callable[[float], None],
    ) -> None:
        self._clock = clock
        self._active = active
        self._step = step
        self._next_due = next_due  # the nearest moment something must happen, or None
        self._on_due = on_due  # before the step a due moment wakes (with the time now)
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._worker: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None

    async def settled(self) -> None:
        """Until every input so far has been taken on."""
        await asyncio.sleep(0)
        await self._idle.wait()

    def poke(self) -> None:
        """An input: the worker takes a step (when it runs)."""
        if self._worker is None:
            return
        self._idle.clear()
        self._wake.set()

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._work(), name="vebus ESS control")
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = loop.create_task(self._watch(), name="vebus ESS control watchdog")

    def rewatch(self) -> None:
        """A deadline may have come nearer: the watchdog looks again."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = asyncio.get_running_loop().create_task(
                self._watch(), name="vebus ESS control watchdog"
            )

    def stop_when_idle(self) -> None:
        """Nothing left to do: the tasks end (the worker after its step)."""
        if self._active():
            return
        current = asyncio.current_task()
        if self._watchdog is not None and self._watchdog is not current:
            self._watchdog.cancel()
            self._watchdog = None
        if self._worker is not None and self._worker is not current:
            self._worker.cancel()
            self._worker = None
            self._idle.set()

    async def close(self) -> None:
        """Both tasks ended, and waited for."""
        for task in (self._worker, self._watchdog):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._worker = self._watchdog = None
        self._idle.set()

    async def _work(self) -> None:
        try:
            while self._active():
                if not self._wake.is_set():
                    self._idle.set()
                await self._wake.wait()
                self._wake.clear()
                try:
                    await self._step()
                except Exception:  # a bug must not end the control: it logs and goes on
                    _LOGGER.exception("ESS control step failed")
        finally:
            if self._worker is asyncio.current_task():
                self._worker = None
                self._idle.set()

    async def _watch(self) -> None:
        clock = self._clock()
        while True:
            now = clock.time()
            due = self._next_due()
            if due is None or due > now:
                await clock.sleep(WATCH_IDLE if due is None else due - now)
                continue
            self._on_due(now)
            self.poke()
            await self.settled()
            if (due := self._next_due()) is not None and due <= clock.time():
                await clock.sleep(WATCH_RETRY)  # nothing changed it: do not spin
