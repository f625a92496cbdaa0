"""Faults the VE.Direct simulator injects, and the spec string that switches them on.

Spec (``vedirect-sim --faults SPEC``, ``VEDirectFaults.parse``): comma-separated items::

    noise=P          chance per item (block or frame) of 1-8 random bytes before it
    drop=P           chance per sent byte of losing it
    bitflip=P        chance per sent byte of one flipped bit
    split=P[:S]      chance per item of a pause of S seconds (default 0.05) in its middle
    interrupt=P      chance per block of an async frame in the middle of a field (old firmware)
    framing=P        chance per request of ':4AAAAFD' instead of the answer
    replydrop=P      chance per HEX reply of losing it (the product acted on the request)
    rxdrop=P         chance per request of losing it (the product never saw it)
    slow=S           extra seconds before every HEX reply
    nohex            HEX requests go unanswered (a header wired for reading only)
    silent           nothing at all is sent (the product has no power)

P is 0..1, S seconds >= 0. A bad spec raises ValueError naming the item (the grammar is
``framework.faults``'). Changes to a ``VEDirectFaults`` while the simulator runs apply at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from vebus_sim.framework.faults import FaultSpec, chance, seconds

DEFAULT_SPLIT_PAUSE = 0.05


@dataclass
class VEDirectFaults(FaultSpec):
    """Faults in force, the same for every VE.Direct product."""

    CHANCES: ClassVar[Mapping[str, str]] = {
        "noise": "noise",
        "drop": "drop",
        "bitflip": "bit_flip",
        "interrupt": "interrupt",
        "framing": "framing",
        "replydrop": "reply_drop",
        "rxdrop": "rx_drop",
    }
    SECONDS: ClassVar[Mapping[str, str]] = {"slow": "slow"}
    FLAGS: ClassVar[Mapping[str, str]] = {"nohex": "no_hex", "silent": "silent"}
    OTHERS: ClassVar[frozenset[str]] = frozenset({"split"})

    noise: float = 0.0
    drop: float = 0.0
    bit_flip: float = 0.0
    split: float = 0.0
    split_pause: float = DEFAULT_SPLIT_PAUSE
    interrupt: float = 0.0
    framing: float = 0.0
    reply_drop: float = 0.0
    rx_drop: float = 0.0
    slow: float = 0.0
    no_hex: bool = False
    silent: bool = False

    def _read(self, key: str, value: str, item: str) -> None:
        probability, _, pause = value.partition(":")  # split=P[:S]
        self.split = chance(probability, item)
        self.split_pause = seconds(pause, item) if pause else DEFAULT_SPLIT_PAUSE


ChargerFaults = VEDirectFaults  # the name from when the charger was the only product
