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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from vebus_sim.framework.faults import FaultSpec, integer, seconds

DEFAULT_DENIED_LEVEL = 0x01
DEFAULT_FLAP_DOWN = 1.0


@dataclass
class Faults(FaultSpec):
    """Faults in force; the simulator reads them at every frame, so changes apply at once."""

    CHANCES: ClassVar[Mapping[str, str]] = {
        "noise": "noise",
        "bitflip": "bit_flip",
        "bit_flip": "bit_flip",
        "drop": "drop",
        "unrelated": "unrelated",
        "rxbitflip": "rx_bit_flip",
        "rx_bit_flip": "rx_bit_flip",
        "rxdrop": "rx_drop",
        "rx_drop": "rx_drop",
    }
    SECONDS: ClassVar[Mapping[str, str]] = {"slow": "slow"}
    SWITCHES: ClassVar[Mapping[str, str]] = {"silent": "silent"}
    OTHERS: ClassVar[frozenset[str]] = frozenset({"unsupported", "denied", "flap"})

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

    def _read(self, key: str, value: str, item: str) -> None:
        if key == "unsupported":
            self._unsupported(value, item)
        elif key == "denied":
            self._denied(value, item)
        else:
            period, _, down = value.partition(":")
            down_s = seconds(down, item) if down else DEFAULT_FLAP_DOWN
            period_s = seconds(period, item)
            if period_s <= 0:
                raise ValueError(f"flap period must be positive in {item!r}")
            self.flap = (period_s, down_s)

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
            level_value = integer(level, item) if at else DEFAULT_DENIED_LEVEL
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


def _ids(value: str, item: str) -> set[int]:
    ids: set[int] = set()
    for part in value.split("+"):
        first, dash, last = (p.strip() for p in part.partition("-"))
        if not first:
            raise ValueError(f"missing id in {item!r}")
        low = integer(first, item)
        high = integer(last, item) if dash else low
        if not 0 <= low <= high <= 0xFFFF:
            raise ValueError(f"bad id or range {part!r} in {item!r}")
        ids.update(range(low, high + 1))
    return ids
