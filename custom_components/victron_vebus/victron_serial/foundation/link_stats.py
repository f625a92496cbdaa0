"""The counters both links keep, shown in diagnostics, and what each event adds to them."""

from __future__ import annotations

import collections
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class LinkCounters:
    """Counters of requests, the port and the write contract; a library's ``LinkStats``
    adds what only its protocol has."""

    requests: int = 0
    retries: int = 0
    timeouts: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    connects: int = 0
    connection_losses: int = 0
    settles: int = 0  # waits for late replies after a timeout
    write_readbacks: int = 0  # writes whose every attempt went unanswered, read back
    writes_confirmed_by_readback: int = 0
    writes_not_applied: int = 0  # the read-back showed the device without the value
    writes_unconfirmed: int = 0
    last_errors: collections.deque[str] = field(
        default_factory=lambda: collections.deque(maxlen=10)
    )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_errors"] = list(self.last_errors)
        return data

    def attempt(self, number: int) -> None:
        """A request goes out; ``number`` 0 is its first attempt, any other a retry."""
        self.requests += 1
        if number:
            self.retries += 1

    def error(self, error: Exception) -> None:
        self.last_errors.append(str(error))

    def lost(self, error: Exception) -> None:
        """The port went away (counted once per connection by the link)."""
        self.connection_losses += 1
        self.error(error)

    def not_applied(self, error: Exception) -> None:
        """A write unanswered, and read back without the value."""
        self.writes_not_applied += 1
        self.error(error)

    def unconfirmed(self, error: Exception) -> None:
        """A write that went out, neither answered nor read back."""
        self.writes_unconfirmed += 1
        self.error(error)
