"""One byte stream, two protocols: text blocks and HEX frames apart (vedirect.md §4).

A byte-wise state machine. ``':'`` anywhere in a text block but at the checksum byte starts
a HEX frame; when the frame ends, the block goes on where it was (older firmware lets async
frames interrupt a block mid-field), and HEX bytes never count in the block's checksum. A
frame may follow a block's checksum byte with no separator. A block is handed on only once
its checksum verifies; a frame only when its check byte does.

Nothing raises on input: a byte that cannot be where it is ends what was being read, is
looked at again from the idle state, and what was dropped is counted. Buffers are bounded
by the protocol's own limits, and a pause longer than ``gap`` between bytes resets
everything read so far, so the stream lines up again after noise or a cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, auto

from .hex import HexFrame
from .text import CHECKSUM_LABEL, MAX_FIELDS, MAX_LABEL, MAX_VALUE, TextBlock

GAP = 0.5  # s of silence after which a half-read block or frame is given up
MAX_HEX_DIGITS = 1 + 2 * 100 + 2  # command, 100 data bytes (records are 52), check byte
# ODTU #1585: a frame's end byte sometimes arrives as 0xFE; its check byte still decides.
HEX_ENDS = (ord("\n"), 0xFE)
_HEX_DIGITS = frozenset(b"0123456789ABCDEFabcdef")
_CR, _LF, _TAB, _COLON = ord("\r"), ord("\n"), ord("\t"), ord(":")


class _State(Enum):
    IDLE = auto()
    CR = auto()  # a '\r' that starts a block or ends a field: '\n' must follow
    LABEL = auto()
    VALUE = auto()
    CHECKSUM = auto()  # the one byte after "Checksum\t"


@dataclass(slots=True)
class ReaderStats:
    """What the reader has seen; shown in diagnostics."""

    text_blocks: int = 0
    hex_frames: int = 0
    dropped_bytes: int = 0
    checksum_errors: int = 0  # text blocks
    hex_check_errors: int = 0
    overflows: int = 0
    gap_resets: int = 0
    interrupted_blocks: int = 0  # HEX frames that arrived in the middle of a block
    odd_frame_ends: int = 0


type Item = TextBlock | HexFrame


@dataclass(slots=True)
class StreamReader:
    """Feed bytes as they arrive; get the blocks and frames they complete, in order."""

    gap: float = GAP
    stats: ReaderStats = field(default_factory=ReaderStats)
    _state: _State = _State.IDLE
    _in_hex: bool = False
    _hex: bytearray = field(default_factory=bytearray)
    _sum: int = 0
    _size: int = 0  # bytes of the block so far
    _label: bytearray = field(default_factory=bytearray)
    _value: bytearray = field(default_factory=bytearray)
    _fields: list[tuple[str, str]] = field(default_factory=list)
    _last_byte_at: float | None = None
    _items: list[Item] = field(default_factory=list)

    @property
    def idle(self) -> bool:
        """Nothing half read."""
        return self._state is _State.IDLE and not self._in_hex

    def feed(self, data: bytes, now: float | None = None) -> list[Item]:
        """Bytes from the wire (``now``: when they came, monotonic seconds)."""
        if now is not None:
            last, self._last_byte_at = self._last_byte_at, now
            if last is not None and now - last > self.gap and not self.idle:
                self.stats.gap_resets += 1
                self.reset()
        for byte in data:
            if self._in_hex:
                self._hex_byte(byte)
            else:
                self._text_byte(byte)
        items, self._items = self._items, []
        return items

    def reset(self) -> None:
        """Give up whatever was half read (counted as dropped)."""
        if self._in_hex:
            self._end_hex(valid=False)
        self._abort_block()

    # --- HEX ------------------------------------------------------------------------------

    def _hex_byte(self, byte: int) -> None:
        if byte in _HEX_DIGITS:
            if len(self._hex) >= MAX_HEX_DIGITS:
                self.stats.overflows += 1
                self._end_hex(valid=False)
                return
            self._hex.append(byte)
            return
        if byte in HEX_ENDS:
            frame = HexFrame.parse(bytes(self._hex))
            if frame is not None:
                if byte != _LF:
                    self.stats.odd_frame_ends += 1
                self.stats.hex_frames += 1
                if self._state is not _State.IDLE:
                    self.stats.interrupted_blocks += 1
                self._items.append(frame)
                self._in_hex = False
                self._hex.clear()
                return
            self.stats.hex_check_errors += 1
            self._end_hex(valid=False, extra=1)
            return
        # Anything else ends the frame unread; the byte may start what comes next.
        self._end_hex(valid=False)
        if byte == _COLON:
            self._start_hex()
        else:
            self._text_byte(byte)

    def _start_hex(self) -> None:
        self._in_hex = True
        self._hex.clear()

    def _end_hex(self, *, valid: bool, extra: int = 0) -> None:
        if not valid:
            self.stats.dropped_bytes += 1 + len(self._hex) + extra  # ':' and the digits
        self._in_hex = False
        self._hex.clear()

    # --- text ------------------------------------------------------------------------------

    def _text_byte(self, byte: int) -> None:
        state = self._state
        if state is _State.CHECKSUM:
            self._add(byte)
            self._finish_block()
            return
        if byte == _COLON:
            self._start_hex()
            return
        if state is _State.IDLE:
            if byte == _CR:
                self._fields.clear()
                self._sum = self._size = 0
                self._add(byte)
                self._state = _State.CR
            elif byte != _LF:  # a '\n' between frames is no noise
                self.stats.dropped_bytes += 1
            return
        if state is _State.CR:
            if byte == _LF:
                self._add(byte)
                self._label.clear()
                self._state = _State.LABEL
                return
        elif state is _State.LABEL:
            if byte == _TAB and self._label:
                self._add(byte)
                label = self._label.decode("ascii")
                self._value.clear()
                self._state = _State.CHECKSUM if label == CHECKSUM_LABEL else _State.VALUE
                return
            if 0x21 <= byte <= 0x7E:
                if len(self._label) < MAX_LABEL:
                    self._add(byte)
                    self._label.append(byte)
                else:
                    self.stats.overflows += 1
                    self._abort_block()
                return
        elif state is _State.VALUE:
            if byte == _CR:
                if len(self._fields) >= MAX_FIELDS:
                    self.stats.overflows += 1
                    self._abort_block()
                    return
                self._add(byte)
                self._fields.append((self._label.decode("ascii"), self._value.decode("ascii")))
                self._state = _State.CR
                return
            if 0x20 <= byte <= 0x7E:
                if len(self._value) < MAX_VALUE:
                    self._add(byte)
                    self._value.append(byte)
                else:
                    self.stats.overflows += 1
                    self._abort_block()
                return
        # A byte that cannot be here: the block so far is lost; the byte may start another.
        self._abort_block()
        self._text_byte(byte)

    def _add(self, byte: int) -> None:
        self._sum += byte
        self._size += 1

    def _finish_block(self) -> None:
        if self._sum & 0xFF == 0:
            self.stats.text_blocks += 1
            self._items.append(TextBlock(tuple(self._fields)))
        else:
            self.stats.checksum_errors += 1
            self.stats.dropped_bytes += self._size
        self._clear_block()

    def _abort_block(self) -> None:
        self.stats.dropped_bytes += self._size
        self._clear_block()

    def _clear_block(self) -> None:
        self._state = _State.IDLE
        self._sum = self._size = 0
        self._fields.clear()
        self._label.clear()
        self._value.clear()
