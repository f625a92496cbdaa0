"""Frames, blocks and streams seen on real chargers: docs/vedirect-vectors.md.

That page is the one source: this module reads it. These bytes are facts: a test that
disagrees with them is wrong, not the frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import re

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "vedirect-vectors.md"
_TEXT = VECTORS.read_text(encoding="utf-8")
_HEX_ROW = re.compile(r"^\| (\d+) \| (:[0-9A-F]+) \| (TX|RX) \| ([^|]+?) \| [^|]+ \| (\w+) \|$")
_BLOCK_ROW = re.compile(
    r"^\| (T\d+) \| [^|]+? \| ([^|]+?) \| 0x([0-9A-F]{2}) \| ([^|]+?) \| [^|]+ \| (\w+) \|$"
)
_STREAM = re.compile(
    r"^### (S\d+)[^\n]*\n(?:[^\n]*\n)*?state: ([^\n]+)\nsim: ([^\n]+)\n\n```\n(.*?)```",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class HexVector:
    number: int
    wire: bytes  # as on the wire, '\n' included
    direction: str
    meaning: str  # the "decodes to" column
    kind: str


@dataclass(frozen=True)
class BlockVector:
    name: str
    fields: tuple[tuple[str, str], ...]
    checksum: int
    expected: dict[str, str]
    kind: str

    @property
    def wire(self) -> bytes:
        body = b"".join(f"\r\n{k}\t{v}".encode() for k, v in self.fields)
        return body + b"\r\nChecksum\t" + bytes((self.checksum,))


@dataclass(frozen=True)
class StreamVector:
    name: str
    state: dict[str, str]
    sim: str
    frames: tuple[bytes, ...]  # each with its '\n'

    @property
    def wire(self) -> bytes:
        return b"".join(self.frames)

    @property
    def simulated(self) -> tuple[bytes, ...]:
        """The frames the simulator must reproduce."""
        if self.sim == "all":
            return self.frames
        return self.frames[: int(self.sim.removeprefix("first "))]


def _pairs(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split())


def _hex_rows() -> list[HexVector]:
    rows = []
    for line in _TEXT.splitlines():
        match = _HEX_ROW.match(line)
        if match:
            number, frame, direction, meaning, kind = match.groups()
            rows.append(HexVector(int(number), frame.encode() + b"\n", direction, meaning, kind))
    return rows


def _block_rows() -> list[BlockVector]:
    rows = []
    for line in _TEXT.splitlines():
        match = _BLOCK_ROW.match(line.replace("\\|", "/"))  # "24\|8" in a table cell
        if match:
            name, fields, checksum, expected, kind = match.groups()
            pairs = tuple(
                tuple(item.strip().split("=", 1)) for item in fields.split(";") if item.strip()
            )
            rows.append(BlockVector(name, pairs, int(checksum, 16), _pairs(expected), kind))  # type: ignore[arg-type]
    return rows


def _streams() -> list[StreamVector]:
    streams = []
    for match in _STREAM.finditer(_TEXT):
        name, state, sim, body = match.groups()
        frames = tuple(line.encode() + b"\n" for line in body.split())
        streams.append(StreamVector(name, _pairs(state), sim.strip(), frames))
    return streams


HEX = _hex_rows()
BLOCKS = {block.name: block for block in _block_rows()}
STREAMS = {stream.name: stream for stream in _streams()}
assert len(HEX) >= 90 and len(BLOCKS) == 6 and len(STREAMS) == 4, (
    len(HEX),
    len(BLOCKS),
    len(STREAMS),
)


def frame(number: int) -> bytes:
    """The wire bytes of row ``number``."""
    return next(row.wire for row in HEX if row.number == number)
