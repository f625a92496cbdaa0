"""What the foundation raises for a library: each library names its own error classes.

``VEBus…Error`` and ``VEDirect…Error`` stay two families (an ``except VEBusError`` never
catches a VE.Direct failure); the code written once here is told which family to raise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class ErrorFamily[C: Exception]:
    """A library's errors, for what the foundation raises or catches on its behalf.

    ``base`` is the family's root (its ``request_sent`` says whether the request went out);
    ``connection`` and the port errors below it (type ``C``) say why a port cannot be opened
    or went away; ``not_applied`` and ``unconfirmed`` end an unanswered write; and
    ``rate_limited`` a write to the device's memory before its interval passed.
    """

    base: type[Exception]
    connection: type[C]
    not_found: type[C]
    busy: type[C]
    invalid: type[C]
    lost: type[C]
    not_applied: type[Exception]
    unconfirmed: type[Exception]
    rate_limited: Callable[[str, float], Exception]


@runtime_checkable
class _SentFlag(Protocol):
    request_sent: bool


def request_sent(error: Exception) -> bool:
    """Whether the request that failed with ``error`` went out on the wire."""
    return isinstance(error, _SentFlag) and error.request_sent


def mark_sent(error: Exception) -> None:
    """Say on a library's ``error`` that its request went out (the device may have acted)."""
    if isinstance(error, _SentFlag):
        error.request_sent = True


class OutOfRange(ValueError):
    """A value outside what the device (or the quantity) allows; nothing was sent.

    ``unit`` is the engineering unit of the bounds ("V", "A", "W"), when there is one.
    A library's error derives from its base error and this.
    """

    def __init__(
        self, item: str, value: float, minimum: float, maximum: float, unit: str | None = None
    ) -> None:
        suffix = f" {unit}" if unit else ""
        super().__init__(f"{item}: {value:g}{suffix} is outside {minimum:g} to {maximum:g}{suffix}")
        self.item = item
        self.value = value
        self.minimum = minimum
        self.maximum = maximum
        self.unit = unit


class InvalidValue(ValueError):
    """A value that is not what its quantity takes, whatever its bounds (a boolean for a
    number, a fraction for a whole number); nothing was sent, nothing rounded into shape.
    ``expected`` says what it takes ("a number", "a whole number", "0 or 1")."""

    def __init__(self, item: str, value: object, expected: str) -> None:
        shown = str(value).lower() if isinstance(value, bool) else f"{value:g}"
        super().__init__(f"{item}: {shown} is not {expected}; nothing was sent")
        self.item = item
        self.value = shown
        self.expected = expected
