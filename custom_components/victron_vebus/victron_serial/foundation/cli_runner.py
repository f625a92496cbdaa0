"""How a command of ``vebus`` and ``vedirect`` runs and ends.

- Every signal that would end the process, short of SIGKILL, cancels the command instead,
  so its own clean-up runs (an ESS setpoint back to 0 W) before it exits with 128 + the
  signal's number; a second signal while it cleans up changes nothing.
- A stdout nobody reads any more (a closed pipe, a hung-up terminal) is no error: what is
  said goes nowhere from then on, and the command goes on with what it does. A command
  whose only job is saying things (a monitor) asks ``say`` and ends.
- A library error prints one line and exits 1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import logging
import os
import signal
import sys
import threading

from .exit_codes import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_SIGNAL_BASE

# The signals whose default action ends the process. Not SIGKILL and SIGSTOP (nothing can
# catch them), nor the faults a process raises on itself (SIGSEGV, SIGBUS, SIGILL, SIGFPE:
# the faulting instruction runs again after any handler), nor SIGPIPE (Python ignores it:
# a closed stdout is an OSError, which ``say`` takes).
_ENDING_NAMES = (
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGTRAP",
    "SIGABRT",
    "SIGUSR1",
    "SIGUSR2",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
)
_REALTIME = range(signal.SIGRTMIN, signal.SIGRTMAX + 1) if hasattr(signal, "SIGRTMIN") else range(0)
ENDING_SIGNALS = tuple(
    sorted(
        {getattr(signal, name) for name in _ENDING_NAMES if hasattr(signal, name)} | set(_REALTIME)
    )
)


def say(text: str) -> bool:
    """Print ``text`` now; False once nobody reads stdout any more. From then on it goes
    to /dev/null, so neither a later line nor the flush at exit fails."""
    try:
        print(text, flush=True)
    except OSError:  # EPIPE, EIO: the reader or the terminal is gone
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        return False
    return True


async def _ending_on_signals(command: Callable[[], Awaitable[int]]) -> int:
    """``command()``, cancelled by the first ending signal (128 + its number)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    ended_by: list[int] = []

    def end(signum: int) -> None:
        if not ended_by:  # the clean-up the first one started is let finish
            ended_by.append(signum)
            task.cancel()

    # Signal handlers exist in the main thread only (an embedding program may run us elsewhere).
    signals = ENDING_SIGNALS if threading.current_thread() is threading.main_thread() else ()
    for signum in signals:
        loop.add_signal_handler(signum, end, signum)
    try:
        return await command()
    except asyncio.CancelledError:
        if not ended_by:
            raise
        return EXIT_SIGNAL_BASE + ended_by[0]
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


def run_cli(
    prog: str,
    command: Callable[[], Awaitable[int]],
    errors: tuple[type[BaseException], ...],
    *,
    verbose: bool = False,
) -> int:
    """Run ``command`` to its exit code; ``errors`` print ``prog: error: …`` and give 1."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return asyncio.run(_ending_on_signals(command))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except errors as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        with contextlib.suppress(OSError):  # nobody reads stderr either: the code says it
            print(f"{prog}: error: {message}", file=sys.stderr)
        return EXIT_FAILURE
