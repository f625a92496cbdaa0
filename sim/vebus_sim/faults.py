"""Faults the simulator can inject, and the spec string that switches them on.

Spec grammar (``vebus simulate --faults SPEC``, ``Faults.parse``)::

    spec        := "" | item ("," item)*          whitespace around items is ignored
    item        := "noise=" P                     chance per frame of 1-8 noise bytes before it
                 | "bitflip=" P                   chance per sent byte of one flipped bit
                 | "drop=" P                      chance per sent byte of losing it
                 | "rxbitflip=" P                 chance per received byte of one flipped bit
                 | "rxdrop=" P                    chance per received byte of losing it
                 | "slow=" SECONDS                extra delay before every reply
                 | "unrelated=" P                 chance per reply of an unrelated frame before it
                 | "silent" | "silent=" BOOL      the interface answers nothing (as if asleep)
                 | "unsupported=" kinds           ids the device says it does not support
                 | "denied=" denied               setting writes refused with 0x9B <level>
                 | "flap=" PERIOD [":" DOWN]      close the port every PERIOD s for DOWN s (def. 1)
    P           := a number in 0..1
    BOOL        := 1 | 0 | true | false | yes | no | on | off
    kinds       := kind (";" kind)*
    kind        := ("ram" | "setting" | "command") ":" ids   command: winmon command codes
    ids         := id ("+" id)*                   an id is N or a range N-M
    denied      := ["setting:"] one ("+" one)*
    one         := id ["@" LEVEL]                 LEVEL defaults to 1; decimal or 0x.. hex

"bitflip" and "drop" hit the replies and heartbeats the simulator sends; "rxbitflip" and
"rxdrop" hit the requests it receives (a request they break is dropped by the device's
decoder and never acted on), so ``bitflip=P,rxbitflip=P`` is noise on the whole cable.

Examples: ``noise=0.05,bitflip=0.001,drop=0.001,slow=0.4,unrelated=0.2``,
``silent``, ``unsupported=ram:13+17-19;setting:4``, ``unsupported=command:0x0E`` (older
firmware: no device state), ``denied=setting:2@0x80+3``, ``flap=30:2``. A key given twice
adds ids (sets) or replaces the value (numbers).
A bad spec raises ValueError naming the offending item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math

DEFAULT_DENIED_LEVEL = 0x01
DEFAULT_FLAP_DOWN = 1.0
_PROBABILITIES = {"noise": "noise", "bitflip": "bit_flip", "bit_flip": "bit_flip", "drop": "drop"}
_PROBABILITIES |= {
    "unrelated": "unrelated",
    "rxbitflip": "rx_bit_flip",
    "rx_bit_flip": "rx_bit_flip",
}
_PROBABILITIES |= {"rxdrop": "rx_drop", "rx_drop": "rx_drop"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_KEYS = sorted({*_PROBABILITIES, "slow", "silent", "unsupported", "denied", "flap"})


@dataclass
class Faults:
    """Faults in force; the simulator reads them at every frame, so changes apply at once."""

    noise: float = 0.0
    bit_flip: float = 0.0
    drop: float = 0.0
    rx_bit_flip: float = 0.0  # on the bytes the simulator receives
    rx_drop: float = 0.0
    slow: float = 0.0
    silent: bool = False
    unrelated: float = 0.0
    unsupported_ram: set[int] = field(default_factory=set)
    unsupported_settings: set[int] = field(default_factory=set)
    unsupported_commands: set[int] = field(default_factory=set)  # winmon, "unknown command"
    denied_settings: dict[int, int] = field(default_factory=dict)
    flap: tuple[float, float] | None = None  # (period, down) seconds

    @classmethod
    def parse(cls, spec: str) -> Faults:
        faults = cls()
        for item in (part.strip() for part in spec.split(",")):
            if item:
                faults._apply(item)
        return faults

    def _apply(self, item: str) -> None:
        key, sep, value = (part.strip() for part in item.partition("="))
        key = key.lower()
        if key == "silent":
            self.silent = _boolean(value, item) if sep else True
            return
        if not sep or not value:
            if key not in _KEYS:
                raise ValueError(f"unknown fault {key!r} in {item!r}; known: {', '.join(_KEYS)}")
            raise ValueError(f"fault {key!r} needs a value: {key}=…")
        if key in _PROBABILITIES:
            setattr(self, _PROBABILITIES[key], _probability(value, item))
        elif key == "slow":
            self.slow = _seconds(value, item)
        elif key == "unsupported":
            self._unsupported(value, item)
        elif key == "denied":
            self._denied(value, item)
        elif key == "flap":
            period, _, down = value.partition(":")
            down_s = _seconds(down, item) if down else DEFAULT_FLAP_DOWN
            period_s = _seconds(period, item)
            if period_s <= 0:
                raise ValueError(f"flap period must be positive in {item!r}")
            self.flap = (period_s, down_s)
        else:
            raise ValueError(f"unknown fault {key!r} in {item!r}; known: {', '.join(_KEYS)}")

    def _unsupported(self, value: str, item: str) -> None:
        for part in value.split(";"):
            kind, sep, ids = (p.strip() for p in part.partition(":"))
            if not sep:
                raise ValueError(f"expected ram:IDS, setting:IDS or command:IDS in {item!r}")
            if kind.lower() == "ram":
                self.unsupported_ram |= _ids(ids, item)
            elif kind.lower() == "setting":
                self.unsupported_settings |= _ids(ids, item)
            elif kind.lower() == "command":
                self.unsupported_commands |= _ids(ids, item)
            else:
                raise ValueError(
                    f"unknown id kind {kind!r} in {item!r}; use ram, setting or command"
                )

    def _denied(self, value: str, item: str) -> None:
        kind, sep, rest = value.partition(":")
        if sep:
            if kind.strip().lower() != "setting":
                raise ValueError(f"only settings can be denied, in {item!r}")
            value = rest
        for one in value.split("+"):
            ident, at, level = (p.strip() for p in one.partition("@"))
            level_value = _integer(level, item) if at else DEFAULT_DENIED_LEVEL
            if not 0 <= level_value <= 0xFF:
                raise ValueError(f"access level must be 0..255 in {item!r}")
            for setting in _ids(ident, item):
                self.denied_settings[setting] = level_value

    def spec(self) -> str:
        """The spec string that gives these faults (``Faults.parse(f.spec()) == f``)."""
        items: list[str] = []
        for key, name in (
            ("noise", "noise"),
            ("bitflip", "bit_flip"),
            ("drop", "drop"),
            ("rxbitflip", "rx_bit_flip"),
            ("rxdrop", "rx_drop"),
        ):
            if getattr(self, name):
                items.append(f"{key}={getattr(self, name)!r}")
        if self.slow:
            items.append(f"slow={self.slow!r}")
        if self.unrelated:
            items.append(f"unrelated={self.unrelated!r}")
        if self.silent:
            items.append("silent")
        kinds = [
            f"{kind}:{'+'.join(str(i) for i in sorted(ids))}"
            for kind, ids in (
                ("ram", self.unsupported_ram),
                ("setting", self.unsupported_settings),
                ("command", self.unsupported_commands),
            )
            if ids
        ]
        if kinds:
            items.append("unsupported=" + ";".join(kinds))
        if self.denied_settings:
            denied = "+".join(f"{i}@{lvl}" for i, lvl in sorted(self.denied_settings.items()))
            items.append(f"denied=setting:{denied}")
        if self.flap:
            items.append(f"flap={self.flap[0]!r}:{self.flap[1]!r}")
        return ",".join(items)


def _number(value: str, item: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r} in {item!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r} in {item!r}")
    return number


def _probability(value: str, item: str) -> float:
    number = _number(value, item)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"probability must be within 0..1 in {item!r}")
    return number


def _seconds(value: str, item: str) -> float:
    number = _number(value, item)
    if number < 0:
        raise ValueError(f"seconds must not be negative in {item!r}")
    return number


def _boolean(value: str, item: str) -> bool:
    text = value.lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected a boolean in {item!r}")


def _integer(value: str, item: str) -> int:
    try:
        return int(value, 0)
    except ValueError:
        raise ValueError(f"not an integer: {value!r} in {item!r}") from None


def _ids(value: str, item: str) -> set[int]:
    ids: set[int] = set()
    for part in value.split("+"):
        first, dash, last = (p.strip() for p in part.partition("-"))
        if not first:
            raise ValueError(f"missing id in {item!r}")
        low = _integer(first, item)
        high = _integer(last, item) if dash else low
        if not 0 <= low <= high <= 0xFFFF:
            raise ValueError(f"bad id or range {part!r} in {item!r}")
        ids.update(range(low, high + 1))
    return ids
