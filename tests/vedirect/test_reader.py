"""One stream, two protocols: every captured block and frame out of it, and nothing else."""

from __future__ import annotations

import re

from hypothesis import given, strategies as st
import pytest

from tests.vedirect.vectors import BLOCKS, HEX, STREAMS, BlockVector, frame
from victron_serial.vedirect import ChargerError, ChargeState, read_block
from victron_serial.vedirect.protocol import (
    MAX_FIELDS,
    HexFrame,
    StreamReader,
    TextBlock,
    encode_block,
)
from victron_serial.vedirect.protocol.reader import MAX_HEX_DIGITS

VALID_FRAMES = [row.wire for row in HEX if row.meaning != "bad"]
T1 = BLOCKS["T1"]


def items(data: bytes, reader: StreamReader | None = None) -> list[TextBlock | HexFrame]:
    return (reader or StreamReader()).feed(data, 0.0)


@pytest.mark.parametrize("block", BLOCKS.values(), ids=lambda block: block.name)
def test_every_captured_block_is_read_with_its_checksum(block: BlockVector) -> None:
    assert sum(block.wire) % 256 == 0
    assert encode_block(block.fields) == block.wire  # the simulator's encoder agrees
    (read,) = items(block.wire + b"\r\n")  # the next block's start: nothing more yet
    assert isinstance(read, TextBlock)
    assert read.fields == block.fields
    reading = read_block(read)
    expected = block.expected
    if "product_id" in expected:
        assert reading.product_id == int(expected["product_id"], 16)
    for key in ("firmware", "serial"):
        if key in expected:
            assert getattr(reading, key) == expected[key]
    for key in ("voltage", "current"):
        assert getattr(reading, key) == pytest.approx(float(expected[key]))
    if "temperature" in expected:
        assert reading.temperature is None
    assert reading.charge_state is ChargeState[expected["charge_state"].upper()]
    if "error" in expected:
        assert reading.error is ChargerError[expected["error"].upper()]


def test_a_frame_right_after_the_checksum_byte_is_its_own_item() -> None:
    stream = STREAMS["S1"]
    read = items(T1.wire + stream.wire + b"\r\n")
    assert read[0] == TextBlock(T1.fields)
    assert [f.encode() for f in read[1:] if isinstance(f, HexFrame)] == list(stream.frames)
    assert len(read) == 1 + len(stream.frames)


def test_the_captured_streams_come_apart_frame_by_frame() -> None:
    reader = StreamReader()
    for name in ("S2", "S3"):
        stream = STREAMS[name]
        read = reader.feed(BLOCKS["T6"].wire + stream.wire, 0.0)
        assert read[0] == TextBlock(BLOCKS["T6"].fields)
        assert [f.encode() for f in read[1:] if isinstance(f, HexFrame)] == list(stream.frames)
    assert reader.stats.dropped_bytes == 0
    assert reader.stats.text_blocks == 2


def test_a_frame_in_the_middle_of_a_field_leaves_the_block_whole() -> None:
    # Older firmware lets async frames interrupt a block (TXTDOC, HEXDOC §1.2).
    wire = T1.wire
    for cut in (wire.index(b"26870") + 2, wire.index(b"\tHQ") + 1, wire.index(b"ERR") + 1):
        reader = StreamReader()
        read = reader.feed(wire[:cut] + frame(16) + wire[cut:], 0.0)
        assert read == [HexFrame.decode(frame(16)), TextBlock(T1.fields)]
        assert reader.stats.interrupted_blocks == 1


@pytest.mark.parametrize("checksum_byte", [b":", b"\r", b"\t", b"\n", b"\x00", b"\xff"])
def test_the_checksum_byte_can_be_anything(checksum_byte: bytes) -> None:
    # A pad field whose value makes the block's checksum byte the one wanted.
    fields = next(
        fields
        for a in range(0x21, 0x7F)
        for b in range(0x21, 0x7F)
        if encode_block(fields := (*T1.fields, ("X", chr(a) + chr(b))))[-1:] == checksum_byte
    )
    wire = encode_block(fields)
    read = items(wire + frame(17))
    assert read == [TextBlock(fields), HexFrame.decode(frame(17))]


def test_a_block_that_does_not_add_up_is_never_handed_on() -> None:
    reader = StreamReader()
    broken = T1.wire.replace(b"26870", b"26871")
    assert reader.feed(broken + T1.wire, 0.0) == [TextBlock(T1.fields)]
    assert reader.stats.checksum_errors == 1
    assert reader.stats.dropped_bytes == len(broken)


def test_a_pause_longer_than_the_gap_starts_again() -> None:
    reader = StreamReader(gap=0.5)
    half = len(T1.wire) // 2
    assert reader.feed(T1.wire[:half], 10.0) == []
    assert reader.feed(T1.wire[half:], 10.6) == []  # a cut: the rest is no block
    assert reader.stats.gap_resets == 1
    assert reader.feed(frame(17)[:5], 11.0) == []
    assert reader.feed(frame(17)[5:] + T1.wire, 11.4) == [
        HexFrame.decode(frame(17)),
        TextBlock(T1.fields),
    ]
    assert reader.idle


def test_buffers_are_bounded_and_the_stream_lines_up_again() -> None:
    reader = StreamReader()
    long_label = b"\r\n" + b"L" * 20 + b"\t1"
    long_value = b"\r\nV\t" + b"9" * 40
    many_fields = b"".join(b"\r\nF\t1" for _ in range(MAX_FIELDS + 1)) + b"\r\n"
    long_frame = b":A" + b"0" * (MAX_HEX_DIGITS + 10) + b"\n"
    for junk in (long_label, long_value, many_fields, long_frame):
        assert reader.feed(junk + T1.wire, 0.0) == [TextBlock(T1.fields)], junk[:20]
    assert reader.stats.overflows == 4


def test_garbage_is_dropped_and_counted() -> None:
    reader = StreamReader()
    garbage = b"\x00\xff\x13hello:ZZ\n:452\n:4AAAAF\r\x81"
    assert reader.feed(garbage + frame(17) + T1.wire, 0.0) == [
        HexFrame.decode(frame(17)),
        TextBlock(T1.fields),
    ]
    assert reader.stats.dropped_bytes == len(garbage) - 1  # the '\n' after ':ZZ' is no noise
    assert reader.stats.hex_check_errors >= 1


def test_a_frame_may_end_in_0xfe() -> None:
    # OpenDTU #1585: the end byte sometimes arrives as 0xFE; the check byte decides.
    reader = StreamReader()
    assert reader.feed(frame(17)[:-1] + b"\xfe", 0.0) == [HexFrame.decode(frame(17))]
    assert reader.stats.odd_frame_ends == 1


def test_reset_drops_what_was_half_read() -> None:
    reader = StreamReader()
    reader.feed(T1.wire[:10] + b":A09", 0.0)
    assert not reader.idle
    reader.reset()
    assert reader.idle
    assert reader.stats.dropped_bytes == 14


# --- the property ---------------------------------------------------------------------

# Noise is anything but what a device sends: no valid frame hides in it, and it never
# starts a block field ("\r\n" label "\t"), which only the checksum could tell from a real
# one (such noise costs the block that follows it, never gives a wrong one).
_FIELD_START = re.compile(rb"\r\n[\x21-\x7e]{1,9}\t")


def _innocent(noise: bytes) -> bool:
    return not _FIELD_START.search(noise) and not StreamReader().feed(noise + b"\r\n", 0.0)


noise = st.binary(min_size=0, max_size=24).filter(_innocent)
valid_item = st.one_of(
    st.sampled_from(VALID_FRAMES),
    st.sampled_from([block.wire for block in BLOCKS.values()]),
)


@given(st.lists(st.tuples(noise, valid_item), max_size=12), noise, st.integers(1, 64))
def test_an_interleaved_stream_with_noise_gives_every_item_and_nothing_else(
    parts: list[tuple[bytes, bytes]], tail: bytes, chunk: int
) -> None:
    stream = b"".join(junk + item for junk, item in parts) + tail
    # After noise a block needs its own "\r": it was there, as the first byte of the item.
    reader = StreamReader()
    read = []
    for start in range(0, len(stream), chunk):
        read += reader.feed(stream[start : start + chunk], 0.0)
    read += reader.feed(b"\r\n", 0.0)  # the start of a next block ends nothing
    expected = []
    for _, item in parts:
        parsed = HexFrame.decode(item)
        if parsed is not None:
            expected.append(parsed)
        else:
            (block,) = StreamReader().feed(item, 0.0)
            expected.append(block)
    assert read == expected
