"""Property-based tests of framing, every decoder and the scales (hypothesis).

No exception may escape a decoder, whatever the bytes; every intact frame in a
stream of noise, mutated frames and interleaved 'V' frames is found; the decoder
accounts for every byte and never holds more than one frame's worth of them.

``HYPOTHESIS_PROFILE=fuzz`` (``scripts/test --fuzz``) runs each property with the
example counts of the ``fuzz`` profile (tests/conftest.py); the default profile keeps
the normal run fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
import itertools
import math
from typing import Any

from hypothesis import example, given, settings, strategies as st
import pytest

from victron_serial.vebus import ChargeState, DeviceState, SettingScale, VarScale, VEBusError
from victron_serial.vebus.link import Link
from victron_serial.vebus.protocol import (
    AcInfoReply,
    AcInputConfigReply,
    AddressReply,
    AddressRequest,
    DcInfoReply,
    InfoRequest,
    InterfaceReply,
    InterfaceRequest,
    LedReply,
    LedRequest,
    RawSettingInfo,
    RawSwitchCommand,
    RawVarInfo,
    ResetRequest,
    SetStateReply,
    SetStateRequest,
    VersionReply,
    VersionRequest,
    WinmonReply,
    WinmonRequest,
    info,
    variables as v,
    winmon as w,
)
from victron_serial.vebus.protocol.codec import parse_u16_list
from victron_serial.vebus.protocol.framing import (
    KNOWN_TYPES,
    LED_APPENDED,
    MAX_LENGTH,
    Frame,
    FrameDecoder,
    checksum,
    encode_frame,
)

from . import captured as cap

FUZZ = settings().max_examples >= 10_000  # the fuzz profile is loaded
pytestmark = pytest.mark.timeout(3600 if FUZZ else 120)

byte = st.integers(0, 0xFF)
int16 = st.integers(-0x8000, 0x7FFF)
u16 = st.integers(0, 0xFFFF)
anything_float = st.floats(allow_nan=True, allow_infinity=True)

# --- strategies: valid frames, mutations, streams ---------------------------------------


KNOWN_TYPE = st.sampled_from(sorted(KNOWN_TYPES))
MAYBE_LEDS = st.none() | st.tuples(byte, byte)
PAYLOAD = st.binary(min_size=1, max_size=MAX_LENGTH - 1)
INDEX = st.integers(0, 0xFF)


@st.composite
def generated_frames(draw: st.DrawFn) -> bytes:
    """Any frame the decoder must accept: a known type, a length it allows, maybe LEDs."""
    frame_type = draw(KNOWN_TYPE)
    leds = draw(MAYBE_LEDS)
    room = MAX_LENGTH - 1 - (2 if leds else 0)
    payload = draw(PAYLOAD)[:room]
    return encode_frame(frame_type, payload, leds)


# Frames the client really meets, built by the message encoders.
message_frames = st.one_of(
    st.builds(lambda v, mode: VersionReply(v, mode).encode(), st.integers(0, 2**32 - 1), byte),
    st.builds(lambda a, b: AddressReply(a, b).encode(), byte, byte),
    st.builds(
        lambda on, blink, al, err, extra: LedReply(on, blink, al, err, extra).encode(),
        byte,
        byte,
        byte,
        byte,
        st.binary(max_size=2),
    ),
    st.builds(
        lambda v, i, c, p, h: DcInfoReply(v, i, c, p, h).encode(),
        u16,
        st.integers(0, 0xFFFFFF),
        st.integers(0, 0xFFFFFF),
        byte,
        st.binary(min_size=4, max_size=4),
    ),
    st.builds(
        lambda info, state, mv, mi, iv, ii, p: AcInfoReply(info, state, mv, mi, iv, ii, p).encode(),
        st.sampled_from(sorted(info.AC_PHASE_INFO)),
        byte,
        u16,
        int16,
        u16,
        int16,
        byte,
    ),
    st.builds(
        lambda c, lo, hi, act, sw: AcInputConfigReply(c, lo, hi, act, sw).encode(),
        byte,
        u16,
        u16,
        u16,
        byte,
    ),
    st.builds(
        lambda letter, code, data: WinmonReply(letter, code, data).encode(),
        st.sampled_from(list(w.WINMON_LETTERS)),
        st.sampled_from(list(w.ReplyCode)),
        st.binary(max_size=12),
    ),
    st.just(SetStateReply().encode()),
    st.builds(lambda lines: InterfaceReply(lines).encode(), byte),
)


valid_frames = st.one_of(st.sampled_from(cap.ALL), generated_frames(), message_frames)
heartbeats = st.sampled_from(
    [cap.VERSION_MK3_B, cap.VERSION_MK3_HEARTBEAT, cap.VERSION_MK3_ADDR0, cap.VERSION_MK2]
)

Segment = tuple[bytes, bool]  # bytes, and whether they are an intact frame that must be found


MUTATIONS = st.sampled_from(
    ["flip", "truncate", "insert", "duplicate", "length", "led_bit", "leds", "split_by_v"]
)
two_bytes = st.binary(min_size=2, max_size=2)


def mutated(draw: st.DrawFn, raw: bytes) -> list[Segment]:
    """``raw`` broken one way or another (or duplicated, or cut by a 'V' frame)."""
    kind = draw(MUTATIONS)
    data = bytearray(raw)
    if kind == "flip":
        data[draw(INDEX) % len(data)] ^= 1 << draw(INDEX) % 8
    elif kind == "truncate":
        data = data[: draw(INDEX) % len(data)]
    elif kind == "insert":
        data.insert(1 + draw(INDEX) % (len(data) - 1), draw(byte))
    elif kind == "duplicate":
        return [(raw, True), (raw, True)]
    elif kind == "length":
        data[0] = (data[0] + 1 + draw(INDEX) % 0xFF) & 0xFF
    elif kind == "led_bit":
        data[0] ^= LED_APPENDED
    elif kind == "leds":  # LED bytes appended without the length and checksum knowing
        data[-1:-1] = draw(two_bytes)
    else:
        cut = 1 + draw(INDEX) % (len(data) - 1)
        return [(bytes(data[:cut]), False), (draw(heartbeats), True), (bytes(data[cut:]), False)]
    # A mutation may by chance give a valid frame again; it then counts as noise that
    # happens to decode, which the property allows.
    return [(bytes(data), False)]


SEGMENT_COUNT = st.integers(1, 12)
SEGMENT_KIND = st.integers(0, 4)
NOISE = st.binary(min_size=1, max_size=24)


@st.composite
def streams(draw: st.DrawFn) -> list[Segment]:
    """Intact frames, noise, mutated frames and heartbeats in any order."""
    segments: list[Segment] = []
    for _ in range(draw(SEGMENT_COUNT)):
        choice = draw(SEGMENT_KIND)
        if choice == 0:
            segments.append((draw(NOISE), False))
        elif choice == 1:
            segments.append((draw(heartbeats), True))
        elif choice == 2:
            segments.extend(mutated(draw, draw(valid_frames)))
        else:
            segments.append((draw(valid_frames), True))
    return segments


def chunked(data: bytes, cuts: list[int]) -> Iterator[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    for start, end in itertools.pairwise(points):
        yield data[start:end]


def decode_all(stream: bytes, chunks: Iterator[bytes]) -> tuple[list[Frame], FrameDecoder]:
    """Feed ``chunks``, then give up on held bytes the way the client does after silence."""
    decoder = FrameDecoder()
    frames: list[Frame] = []
    for chunk in chunks:
        frames += decoder.feed(chunk)
        assert decoder.pending <= MAX_LENGTH + 1  # never more than one frame held back
    while decoder.pending:
        frames += decoder.discard_partial()
    return frames, decoder


def raw_of(frame: Frame) -> bytes:
    return encode_frame(frame.frame_type, frame.payload, frame.leds)


def check_stream(segments: list[Segment], frames: list[Frame], decoder: FrameDecoder) -> None:
    stream = b"".join(seg for seg, _ in segments)
    raws = [raw_of(frame) for frame in frames]
    stats = decoder.stats
    # Every byte is accounted for: in a frame, dropped, or a pad byte.
    assert stats.frames == len(frames)
    assert sum(map(len, raws)) + stats.dropped_bytes + stats.padding_bytes == len(stream)
    # Where each frame was found: the scan visits every position outside an emitted
    # frame, so a frame's first occurrence after the previous frame is where it was.
    spans: list[tuple[int, int]] = []
    position = 0
    for raw in raws:
        start = stream.find(raw, position)
        assert start >= 0
        spans.append((start, start + len(raw)))
        position = start + len(raw)
    starts = {start for start, _ in spans}
    offset = 0
    for seg, intact in segments:
        if intact and offset not in starts:
            # Only a frame that noise made up, spanning this one's first byte, hides it.
            assert any(a < offset < b for a, b in spans), (seg.hex(" "), stream.hex(" "))
        offset += len(seg)


# --- decoders and reply matchers under test ----------------------------------------------

any_frames = st.builds(
    Frame,
    frame_type=st.one_of(st.sampled_from(sorted(KNOWN_TYPES)), byte),
    payload=st.one_of(
        st.binary(max_size=48),
        st.builds(
            lambda c, rest: bytes((c,)) + rest,
            st.sampled_from(b"VALFSHRWXYZ"),
            st.binary(max_size=20),
        ),
    ),
    leds=st.none() | st.tuples(byte, byte),
)


# Every request and reply the library declares, as the client and the simulator read them.
WINMON_COMMANDS: list[type[w.WinmonCommand[Any]]] = [
    w.VersionPart0,
    w.VersionPart1,
    w.GetSetDeviceState,
    v.ReadRamVars,
    v.ReadSetting,
    v.GetRamVarInfo,
    v.GetSettingInfo,
    v.WriteViaId,
    v.SelectForWrite,
    v.WriteData,
    w.ReadSnapshot,
    w.GetSerialNumber,
]
DECODERS: list[Callable[[Frame], Any]] = [
    VersionRequest.decode,
    VersionReply.decode,
    AddressRequest.decode,
    AddressReply.decode,
    LedRequest.decode,
    LedReply.decode,
    InfoRequest.decode,
    info.DcInfoRequest.decode,
    info.AcInfoRequest.decode,
    info.AcInputConfigRequest.decode,
    info.TakeSnapshot.decode,
    SetStateRequest.decode,
    SetStateReply.decode,
    InterfaceRequest.decode,
    InterfaceReply.decode,
    ResetRequest.decode,
    DcInfoReply.decode,
    AcInfoReply.decode,
    AcInputConfigReply.decode,
    WinmonRequest.decode,
    WinmonReply.decode,
    RawSwitchCommand.decode,
    *(command.decode for command in WINMON_COMMANDS),
]
# One instance of each command, to read any reply data with.
SAMPLES: list[w.WinmonCommand[Any]] = [
    w.VersionPart0(),
    w.VersionPart1(),
    w.GetSetDeviceState(),
    v.ReadRamVars((0,)),
    v.ReadSetting(0),
    v.GetRamVarInfo(0),
    v.GetSettingInfo(0),
    v.WriteViaId(v.WRITE_RAM_ONLY, 0, 0),
    v.WriteViaId(v.WRITE_SETTING, 0, 0),
    v.WriteData(0),
    w.ReadSnapshot(),
    w.GetSerialNumber(),
]


def exercise(message: Any) -> None:
    """Read every property a caller may read; none may raise."""
    for name in dir(message):
        if not name.startswith("_") and name not in ("encode", "decode", "encode_data"):
            getattr(message, name)


def read_data(code: int, data: bytes) -> None:
    """Winmon data through every command's reader and every request parser; none may raise."""
    for sample in SAMPLES:
        parsed = sample.parse(code, data)
        if isinstance(parsed, v.VarInfoReply):
            assert parsed.info is None or parsed.info.supported
        if isinstance(parsed, v.SettingInfoReply):
            assert parsed.info is None or parsed.info.supported
        if isinstance(parsed, w.DeviceStateValue):
            DeviceState(parsed.state)
            ChargeState(parsed.substate)
        if isinstance(parsed, w.VersionLow):
            assert 0 <= parsed.value < 2**32
            assert parsed.complete == (len(data) >= 4)
    for letter in w.WINMON_LETTERS:
        for command in WINMON_COMMANDS:
            command.from_args(letter, data)
    assert len(parse_u16_list(data)) == len(data) // 2
    assert w.parse_id(data) is None or len(data) >= 1
    collector = v.SettingInfoCollector()
    collector.add(code, data)
    assert collector.info is None or collector.info.supported


def decode_everything(frame: Frame) -> None:
    """Every decoder, and every data reader on winmon data; none may raise."""
    for decode in DECODERS:
        message = decode(frame)
        if message is not None:
            exercise(message)
            if isinstance(message, AcInfoReply):
                DeviceState(message.state)
    reply = WinmonReply.decode(frame)
    if reply is not None:
        read_data(reply.code, reply.data)


def matchers() -> list[Callable[[Frame], Any]]:
    found: list[Callable[[Frame], Any]] = [
        VersionRequest().matcher(),
        AddressRequest.select(0).matcher(),
        LedRequest().matcher(),
        info.DcInfoRequest().matcher(),
        info.AcInfoRequest(1).matcher(),
        info.AcInputConfigRequest().matcher(),
        SetStateRequest(3).matcher(),
        InterfaceRequest().matcher(),
    ]
    for letter in w.ROTATING_LETTERS:
        found += [sample.with_letter(letter).matcher() for sample in SAMPLES]
    return found


MATCHERS = matchers()


def dispatch(frames: list[Frame], which: int) -> None:
    """Frames through the client's dispatcher with matcher ``which`` waiting."""
    link = Link("/dev/null")
    # The dispatcher only sets the future: a thread-safe one needs no event loop here.
    future: Future[Any] = Future()
    link._pending = (MATCHERS[which], future)  # type: ignore[assignment]
    for frame in frames:
        link._dispatch(frame)  # must not raise, whatever the frame
    if future.done() and future.exception() is not None:
        assert isinstance(future.exception(), VEBusError)
    stats = link.stats
    assert stats.heartbeats + stats.ignored_frames <= len(frames)


# --- framing ------------------------------------------------------------------------------


@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=20))
def test_random_bytes_never_raise_and_are_accounted_for(data: bytes, cuts: list[int]) -> None:
    frames, decoder = decode_all(data, chunked(data, cuts))
    check_stream([(data, False)], frames, decoder)
    for frame in frames:
        assert checksum(raw_of(frame)[:-1]) == raw_of(frame)[-1]


@given(streams(), st.lists(st.integers(0, 1000), max_size=30), st.integers(0, len(MATCHERS) - 1))
def test_intact_frames_are_found_in_noise_and_mutations(
    segments: list[Segment], cuts: list[int], which: int
) -> None:
    stream = b"".join(seg for seg, _ in segments)
    frames, decoder = decode_all(stream, chunked(stream, cuts))
    check_stream(segments, frames, decoder)
    # What the decoder finds in such traffic (near-misses included) goes on to every
    # message decoder and to the client's reply matching.
    for frame in frames:
        decode_everything(frame)
    dispatch(frames, which)


@given(streams(), st.lists(st.integers(0, 1000), max_size=30))
def test_chunking_never_changes_the_result(segments: list[Segment], cuts: list[int]) -> None:
    stream = b"".join(seg for seg, _ in segments)
    whole, whole_decoder = decode_all(stream, iter([stream]))
    byte_by_byte, bytewise_decoder = decode_all(stream, (bytes((b,)) for b in stream))
    pieces, pieces_decoder = decode_all(stream, chunked(stream, cuts))
    assert whole == byte_by_byte == pieces
    assert whole_decoder.stats == bytewise_decoder.stats == pieces_decoder.stats


@given(st.lists(valid_frames, min_size=1, max_size=6), st.binary(max_size=3))
def test_back_to_back_frames_are_all_found(raws: list[bytes], pads: bytes) -> None:
    decoder = FrameDecoder()
    stream = b"".join(raw + b"\x00" * (i < len(pads) and pads[i] % 2) for i, raw in enumerate(raws))
    frames = decoder.feed(stream)
    assert [raw_of(frame) for frame in frames] == raws
    assert decoder.stats.dropped_bytes == 0
    assert decoder.pending == 0


# --- every decoder ------------------------------------------------------------------------


@given(any_frames)
def test_no_decoder_raises_on_any_frame(frame: Frame) -> None:
    decode_everything(frame)


@given(st.one_of(st.sampled_from(list(w.ReplyCode)), byte), st.binary(max_size=40))
def test_data_readers_take_any_bytes(code: int, data: bytes) -> None:
    read_data(code, data)


@given(
    st.lists(
        st.tuples(st.one_of(st.sampled_from(list(w.ReplyCode)), byte), st.binary(max_size=14)),
        max_size=8,
    )
)
def test_setting_info_collector_takes_any_sequence(parts: list[tuple[int, bytes]]) -> None:
    collector = v.SettingInfoCollector()
    for code, data in parts:
        collector.add(code, data)
        if collector.done:
            break
    assert collector.info is None or collector.info.supported
    if collector.info is not None:
        SettingScale(collector.info).value(collector.info.default)


raw_setting_infos = st.builds(RawSettingInfo, int16, int16, u16, u16, u16, st.none() | byte)


@given(raw_setting_infos, st.booleans())
def test_setting_info_survives_both_reply_forms(info: RawSettingInfo, combined: bool) -> None:
    collector = v.SettingInfoCollector()
    for code, data in v.GetSettingInfo.answer(info, combined):
        collector.add(code, data)
    assert collector.done
    if not info.supported:
        assert collector.info is None
    elif combined:
        assert collector.info == info
    else:  # the split form carries no access byte
        assert collector.info == RawSettingInfo(
            info.scale, info.offset, info.default, info.minimum, info.maximum
        )


@given(st.builds(RawVarInfo, int16, int16), st.booleans())
def test_var_info_survives_both_reply_forms(info: RawVarInfo, combined: bool) -> None:
    ((code, data),) = v.GetRamVarInfo.answer(info, combined)
    decoded = v.GetRamVarInfo(0).parse(code, data).info
    assert decoded == (info if info.supported else None)


@given(
    st.sampled_from(list(w.WINMON_LETTERS)),
    byte,
    st.binary(max_size=w.MAX_WINMON_ARGS),
)
def test_winmon_requests_round_trip(letter: int, command: int, args: bytes) -> None:
    (frame,) = FrameDecoder().feed(WinmonRequest(letter, command, args).encode())
    decoded = WinmonRequest.decode(frame)
    assert decoded is not None
    assert (decoded.letter, decoded.command) == (letter, command)
    expected = args[:2].ljust(2, b"\x00") if letter == ord("W") else args
    assert decoded.args == expected


@given(byte, st.integers(0, 0x8000), st.sampled_from([0x80, 0x82]), st.none() | byte)
def test_set_state_requests_round_trip(
    switch: int, limit: int, flags: int, ext0: int | None
) -> None:
    request = SetStateRequest(switch, limit, flags, flags_ext0=ext0)
    (frame,) = FrameDecoder().feed(request.encode())
    assert SetStateRequest.decode(frame) == request


@given(st.none() | byte)
def test_interface_requests_round_trip(lines: int | None) -> None:
    (frame,) = FrameDecoder().feed(InterfaceRequest(lines).encode())
    assert InterfaceRequest.decode(frame) == InterfaceRequest(lines)
    if lines is not None:
        (reply,) = FrameDecoder().feed(InterfaceReply(lines).encode())
        assert InterfaceReply.decode(reply) == InterfaceReply(lines)


# --- the client's reply matching ---------------------------------------------------------


@given(st.lists(any_frames, min_size=1, max_size=4), st.integers(0, len(MATCHERS) - 1))
def test_reply_matching_never_raises_out_of_dispatch(frames: list[Frame], which: int) -> None:
    dispatch(frames, which)


# --- scales -------------------------------------------------------------------------------


@given(int16, int16, u16, st.integers(0, 0xFFFFFF), byte, anything_float)
# Found by this property: 1/0 for scale -0x8000, a negative shift for a bit variable
# with scale 0, OverflowError for infinity.
@example(-0x8000, 0, 1, 1, 1, 1.0)
@example(0, -0x8000, 1, 1, 1, 1.0)
@example(17, -0x8000, 0xFFFF, 1, 1, 1.0)  # bit 16 of a 16-bit word
@example(-32668, 0, 1, 1, 1, math.inf)
def test_var_scales_from_any_info(
    scale: int, offset: int, raw: int, wide: int, period: int, value: float
) -> None:
    var = VarScale.from_info(RawVarInfo(scale, offset))
    assert math.isfinite(var.value(raw))
    assert math.isfinite(var.value_wide(wide))
    frequency = var.frequency(period)
    assert math.isfinite(frequency)
    assert frequency >= 0
    try:
        encoded = var.raw(value)
    except ValueError:
        pass
    else:
        assert 0 <= encoded <= 0xFFFF
    if var.bit is None and var.factor:
        assert var.raw(var.value(raw)) == raw


@given(raw_setting_infos, u16, anything_float)
@example(RawSettingInfo(-100, 0, 1440, 1200, 1600), 1440, 1e308)  # was OverflowError
@example(RawSettingInfo(0, 0, 0, 0, 0xFFFF), 5, math.nan)  # was ZeroDivisionError
def test_setting_scales_from_any_info(info: RawSettingInfo, raw: int, value: float) -> None:
    scale = SettingScale(info)
    assert math.isfinite(scale.value(raw))
    assert scale.step > 0
    for bound in (scale.minimum, scale.maximum, scale.default):
        assert math.isfinite(bound)
    try:
        checked = scale.check(value)
    except ValueError:
        pass
    else:
        assert info.minimum <= checked <= info.maximum
    try:
        scale.raw(value)
    except ValueError:
        assert not math.isfinite(value) or abs(value) > 1e300
    if info.minimum <= raw <= info.maximum and info.scale:
        assert scale.check(scale.value(raw)) == raw
