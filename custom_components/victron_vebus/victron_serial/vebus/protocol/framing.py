"""Byte stream <-> frames for the MK2/MK3 link (protocol.md §1).

A frame is ``<len> <type> <payload…> <chk>``. ``len`` counts the bytes after
itself up to (not including) the checksum; bit 7 of ``len`` means the device
appended two LED bytes (on, blink) at the end of the payload. The checksum makes
all bytes sum to 0 mod 256, except for raw VE.Bus frame types whose checksum
also adds the nibble-swapped bytes at positions 1, 3 and 5.

The decoder never raises on input: anything that is not a frame is dropped one
byte at a time until the stream lines up again, and the drops are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MK2_FRAME = 0xFF
INFO_FRAME = 0x20
AC_INPUT_CONFIG_FRAME = 0x41
PANEL_FRAME = 0x40
# Raw VE.Bus frame types whose checksum follows the nibble-swap rule.
NIBBLE_SWAP_TYPES = frozenset({0x21, 0x38, 0x3D, 0x3F})
KNOWN_TYPES = frozenset(
    {MK2_FRAME, INFO_FRAME, AC_INPUT_CONFIG_FRAME, PANEL_FRAME, 0x3C} | NIBBLE_SWAP_TYPES
)

LED_APPENDED = 0x80
LENGTH_MASK = 0x7F
MIN_LENGTH = 2  # type plus at least one byte
# The longest frame any source shows is 0x11 bytes with LEDs; leave headroom,
# but refuse lengths that would make the decoder wait for a phantom frame.
MAX_LENGTH = 0x28


def _nibble_swap(value: int) -> int:
    return ((value >> 4) | (value << 4)) & 0xFF


def checksum(body: bytes) -> int:
    """Checksum byte for ``body`` (the length byte up to the last data byte)."""
    total = sum(body)
    if len(body) > 1 and body[1] in NIBBLE_SWAP_TYPES:
        total += sum(_nibble_swap(body[i]) for i in (1, 3, 5) if i < len(body))
    return -total & 0xFF


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame off the wire, LED bytes split off."""

    frame_type: int
    payload: bytes
    leds: tuple[int, int] | None = None

    @property
    def command(self) -> int | None:
        """The MK2 command letter of a 0xFF frame."""
        if self.frame_type == MK2_FRAME and self.payload:
            return self.payload[0]
        return None

    @property
    def data(self) -> bytes:
        """Payload after the command letter (0xFF frames) or the whole payload."""
        if self.frame_type == MK2_FRAME:
            return self.payload[1:]
        return self.payload


def encode_frame(frame_type: int, payload: bytes, leds: tuple[int, int] | None = None) -> bytes:
    """Build the wire bytes of a frame, appending LED bytes when given."""
    body = payload if leds is None else payload + bytes(leds)
    length = len(body) + 1
    if length > LENGTH_MASK:
        raise ValueError(f"frame too long: {length} bytes")
    if leds is not None:
        length |= LED_APPENDED
    head = bytes((length, frame_type)) + body
    return head + bytes((checksum(head),))


def encode_mk2(command: str | int, data: bytes = b"") -> bytes:
    """Build an MK2 command frame ``<len> FF <command> <data> <chk>``."""
    letter = ord(command) if isinstance(command, str) else command
    return encode_frame(MK2_FRAME, bytes((letter,)) + data)


def _parse(raw: bytes) -> Frame:
    length_byte = raw[0]
    body = raw[2:-1]
    if length_byte & LED_APPENDED:
        return Frame(raw[1], body[:-2], (body[-2], body[-1]))
    return Frame(raw[1], body)


@dataclass(slots=True)
class DecoderStats:
    """What the decoder has seen; shown in diagnostics."""

    frames: int = 0
    dropped_bytes: int = 0
    checksum_errors: int = 0
    padding_bytes: int = 0


@dataclass(slots=True)
class FrameDecoder:
    """Incremental decoder: feed bytes, get complete frames."""

    stats: DecoderStats = field(default_factory=DecoderStats)
    _buffer: bytearray = field(default_factory=bytearray)

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buffer)

    def missing(self) -> int:
        """Bytes still to come for the frame held back (0 when none is under way)."""
        buffer = self._buffer
        if not buffer:
            return 0
        length = buffer[0] & LENGTH_MASK
        if not MIN_LENGTH <= length <= MAX_LENGTH:
            return 0
        return max(0, length + 2 - len(buffer))

    def feed(self, data: bytes) -> list[Frame]:
        """Add bytes from the wire and return every frame they complete."""
        self._buffer += data
        frames: list[Frame] = []
        buffer = self._buffer
        while buffer:
            length_byte = buffer[0]
            length = length_byte & LENGTH_MASK
            if length_byte == 0:
                # A trailing pad byte from an old MK2: not a frame, not noise.
                del buffer[0]
                self.stats.padding_bytes += 1
                continue
            if length < MIN_LENGTH or length > MAX_LENGTH:
                self._drop()
                continue
            if len(buffer) >= 2 and buffer[1] not in KNOWN_TYPES:
                self._drop()
                continue
            if length_byte & LED_APPENDED and length < MIN_LENGTH + 2:
                self._drop()
                continue
            size = length + 2
            if len(buffer) < size:
                break
            raw = bytes(buffer[:size])
            if checksum(raw[:-1]) != raw[-1]:
                self.stats.checksum_errors += 1
                self._drop()
                continue
            del buffer[:size]
            self.stats.frames += 1
            frames.append(_parse(raw))
        return frames

    def discard_partial(self) -> list[Frame]:
        """Give up on a frame that never completed (called after a silence).

        Drops the first held byte only and rescans: the rest may hold a real frame.
        """
        if not self._buffer:
            return []
        self._drop()
        return self.feed(b"")

    def reset(self) -> None:
        """Forget held bytes, e.g. after the port was reopened."""
        self.stats.dropped_bytes += len(self._buffer)
        self._buffer.clear()

    def _drop(self) -> None:
        del self._buffer[0]
        self.stats.dropped_bytes += 1
