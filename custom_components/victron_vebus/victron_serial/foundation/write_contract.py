"""The write contract: a control write ends confirmed, or raises saying what is known.

- **Confirmed**: the device's reply, or, when the write went unanswered, a read-back showing
  the value in force.
- **Not applied** (``…WriteNotAppliedError``): unanswered, and the read-back shows the device
  without the value.
- **Unconfirmed** (``…WriteUnconfirmedError``): nobody can tell. The read-back failed too,
  the port went away after the request went out, or nothing reads the value back.

A write that failed before it went out (``request_sent`` false) raises its own error: the
device holds what it held. Each library sends the write; this decides what an unanswered
one means.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .errors import ErrorFamily, mark_sent
from .link_stats import LinkCounters


async def read_back_unanswered[H](
    stats: LinkCounters,
    errors: ErrorFamily[Any],
    what: str,
    failure: Exception,
    read_back: Callable[[], Awaitable[H]] | None,
    applied: Callable[[H], bool],
    *,
    device: str,
) -> H:
    """What ``read_back()`` holds when ``applied`` says the write is in force; else the
    not-applied or unconfirmed error. ``failure`` is why the write went unanswered,
    ``device`` names the device in the not-applied message."""
    if isinstance(failure, errors.connection) or read_back is None:
        why = "cannot be read back" if read_back is None else "the port went away"
        raise unconfirmed(stats, errors, what, why, failure)
    stats.write_readbacks += 1
    try:
        held = await read_back()
    except errors.base as err:
        raise unconfirmed(stats, errors, what, f"the read-back failed: {err}", err) from err
    if not applied(held):
        error = errors.not_applied(f"{what}: no reply, and the {device} does not hold the value")
        mark_sent(error)
        stats.not_applied(error)
        raise error from failure
    stats.writes_confirmed_by_readback += 1
    return held


def unconfirmed(
    stats: LinkCounters, errors: ErrorFamily[Any], what: str, why: str, cause: Exception
) -> Exception:
    """The unconfirmed error for a write that went out with no reply, counted."""
    error = errors.unconfirmed(f"{what}: no reply and {why}; the value may or may not be in force")
    mark_sent(error)
    error.__cause__ = cause
    stats.unconfirmed(error)
    return error
