"""Framing: checksums, LED-appended frames, pads, resynchronisation."""

from __future__ import annotations

import pytest

from victron_serial.vebus.protocol.framing import (
    Frame,
    FrameDecoder,
    checksum,
    encode_frame,
    encode_mk2,
)

from . import captured as cap


@pytest.mark.parametrize("raw", cap.ALL, ids=lambda raw: raw.hex(" "))
def test_every_captured_frame_checksums_and_decodes_alone(raw: bytes) -> None:
    assert checksum(raw[:-1]) == raw[-1]
    decoder = FrameDecoder()
    frames = decoder.feed(raw)
    assert len(frames) == 1
    assert decoder.stats.dropped_bytes == 0
    frame = frames[0]
    assert encode_frame(frame.frame_type, frame.payload, frame.leds) == raw


def test_sleep_and_wake_need_the_nibble_swap_rule() -> None:
    standard = -sum(cap.SLEEP[:-1]) & 0xFF
    assert standard != cap.SLEEP[-1]
    assert encode_frame(0x3F, bytes.fromhex("04 00 00 00")) == cap.SLEEP
    assert encode_frame(0x3F, bytes.fromhex("07 00 00 00")) == cap.WAKE


def test_led_bytes_are_split_off() -> None:
    (frame,) = FrameDecoder().feed(cap.LED_APPENDED_SETTING_VALUE)
    assert frame == Frame(0xFF, bytes.fromhex("58 86 34 81"), (0x1F, 0x1F))
    assert frame.command == ord("X")
    assert frame.data == bytes.fromhex("86 34 81")


def test_frames_split_across_reads_are_joined() -> None:
    decoder = FrameDecoder()
    stream = cap.DC_INFO + cap.VERSION_MK3_B
    frames = [f for byte in stream for f in decoder.feed(bytes((byte,)))]
    assert [f.frame_type for f in frames] == [0x20, 0xFF]
    assert decoder.pending == 0


def test_garbage_is_dropped_and_the_stream_resynchronises() -> None:
    decoder = FrameDecoder()
    noise = bytes.fromhex("13 37 FF 00 42 07 FF 56 00")  # includes a fake 'V' start
    frames = decoder.feed(noise + cap.LED_MAINS_ABSORPTION + noise[:3] + cap.AC_INFO_CHARGE)
    assert [f.payload for f in frames] == [cap.LED_MAINS_ABSORPTION[2:-1], cap.AC_INFO_CHARGE[2:-1]]
    assert decoder.stats.frames == 2
    assert decoder.stats.dropped_bytes > 0


def test_bad_checksum_costs_one_byte_not_the_next_frame() -> None:
    corrupted = bytearray(cap.LED_MAINS_BULK_FLOAT_BLINK)
    corrupted[4] ^= 0x01
    decoder = FrameDecoder()
    frames = decoder.feed(bytes(corrupted) + cap.VERSION_MK3_B)
    assert [f.command for f in frames] == [ord("V")]
    assert decoder.stats.checksum_errors >= 1


def test_trailing_pad_bytes_are_not_noise() -> None:
    decoder = FrameDecoder()
    frames = decoder.feed(cap.ADDRESS_SELECT + b"\x00" + cap.VERSION_MK3_B)
    assert len(frames) == 2
    assert decoder.stats.padding_bytes == 1
    assert decoder.stats.dropped_bytes == 0


def test_impossible_length_does_not_stall_the_decoder() -> None:
    decoder = FrameDecoder()
    frames = decoder.feed(b"\x7e\xff" + cap.VERSION_MK3_B)
    assert [f.command for f in frames] == [ord("V")]


def test_a_partial_frame_is_abandoned_after_silence() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"\x0f\x20\x01" + cap.VERSION_MK3_B[:-1]) == []
    # the 'V' frame is complete once the bytes of the phantom frame are given up on
    assert decoder.feed(cap.VERSION_MK3_B[-1:]) == []
    frames = decoder.discard_partial()
    frames += decoder.discard_partial() + decoder.discard_partial()
    assert [f.command for f in frames] == [ord("V")]
    assert decoder.discard_partial() == []


def test_reset_forgets_held_bytes() -> None:
    decoder = FrameDecoder()
    decoder.feed(cap.DC_INFO[:5])
    decoder.reset()
    assert decoder.pending == 0
    assert decoder.feed(cap.VERSION_MK3_B)[0].command == ord("V")


def test_encoding_rejects_oversized_frames() -> None:
    with pytest.raises(ValueError, match="too long"):
        encode_mk2("X", bytes(200))
