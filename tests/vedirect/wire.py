"""Test helpers for the wire between client and charger simulator: lost requests, lost replies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
import contextlib

from vebus_sim.vedirect import ChargerSimulator
from victron_serial.vedirect.protocol import Command, HexFrame


def is_set(frame: HexFrame) -> bool:
    return frame.command == Command.SET


def sets_seen(sim: ChargerSimulator) -> list[HexFrame]:
    return [frame for frame in sim.charger.requests if is_set(frame)]


@contextlib.contextmanager
def lost_on_the_wire(
    sim: ChargerSimulator, lost: Callable[[HexFrame], bool], *, requests: bool
) -> Iterator[None]:
    """Lose every request ``lost`` picks (the charger never acts) or only its reply (it does)."""
    charger = sim.charger
    handle = charger.handle

    def wire(frame: HexFrame) -> list[bytes]:
        if not lost(frame):
            return handle(frame)
        if requests:
            return []
        handle(frame)
        return []

    charger.handle = wire  # type: ignore[method-assign]
    try:
        yield
    finally:
        del charger.handle
