"""Faults the charger simulator injects, and the spec string that switches them on.

Spec (``vedirect-sim --faults SPEC``, ``ChargerFaults.parse``): comma-separated items::

    noise=P          chance per item (block or frame) of 1-8 random bytes before it
    drop=P           chance per sent byte of losing it
    bitflip=P        chance per sent byte of one flipped bit
    split=P[:S]      chance per item of a pause of S seconds (default 0.05) in its middle
    interrupt=P      chance per block of an async frame in the middle of a field (old firmware)
    framing=P        chance per request of ':4AAAAFD' instead of the answer
    replydrop=P      chance per HEX reply of losing it (the charger acted on the request)
    rxdrop=P         chance per request of losing it (the charger never saw it)
    slow=S           extra seconds before every HEX reply
    nohex            HEX requests go unanswered (a header wired for reading only)
    silent           nothing at all is sent (the charger has no power)

P is 0..1, S seconds >= 0. A bad spec raises ValueError naming the item. Changes to a
``ChargerFaults`` while the simulator runs apply at once.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

DEFAULT_SPLIT_PAUSE = 0.05
_CHANCES = {
    "noise": "noise",
    "drop": "drop",
    "bitflip": "bit_flip",
    "interrupt": "interrupt",
    "framing": "framing",
    "replydrop": "reply_drop",
    "rxdrop": "rx_drop",
}
_FLAGS = {"nohex": "no_hex", "silent": "silent"}
_KEYS = sorted({*_CHANCES, *_FLAGS, "split", "slow"})


@dataclass
class ChargerFaults:
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

    @classmethod
    def parse(cls, spec: str) -> ChargerFaults:
        faults = cls()
        for item in (part.strip() for part in spec.split(",")):
            if item:
                faults._apply(item)
        return faults

    def _apply(self, item: str) -> None:
        key, sep, value = (part.strip() for part in item.partition("="))
        key = key.lower()
        if key in _FLAGS and not sep:
            setattr(self, _FLAGS[key], True)
            return
        if key not in _KEYS:
            raise ValueError(f"unknown fault {key!r} in {item!r}; known: {', '.join(_KEYS)}")
        if key in _FLAGS or not value:
            raise ValueError(
                f"fault {key!r} in {item!r}: "
                + ("takes no value" if key in _FLAGS else "needs a value")
            )
        if key in _CHANCES:
            setattr(self, _CHANCES[key], _chance(value, item))
        elif key == "split":
            chance, _, pause = value.partition(":")
            self.split = _chance(chance, item)
            self.split_pause = _seconds(pause, item) if pause else DEFAULT_SPLIT_PAUSE
        else:
            self.slow = _seconds(value, item)


def _number(value: str, item: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r} in {item!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r} in {item!r}")
    return number


def _chance(value: str, item: str) -> float:
    number = _number(value, item)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"a chance must be within 0..1 in {item!r}")
    return number


def _seconds(value: str, item: str) -> float:
    number = _number(value, item)
    if number < 0:
        raise ValueError(f"seconds must not be negative in {item!r}")
    return number
