"""VEBusClient: talks to a VE.Bus unit through an MK2/MK3 interface.

One request is in flight at a time (an asyncio lock queues concurrent callers).
Replies are matched by letter and reply code, never by position: unsolicited
'V' heartbeats and unrelated VE.Bus frames may arrive at any moment and are
absorbed. Winmon requests rotate X/Y/Z so a late reply is never taken for the
answer to the next request. Scales come from the device and are cached per
connection. Writes take engineering units and are checked against the device's
own bounds before anything is sent.

Faults: a frame lost or broken on the wire costs a timeout and a retry with the same
frame (every request is idempotent). After any timeout the client waits until the
line has been quiet for a while before it returns, so a late reply to an attempt it
gave up on is never taken for the answer to the next request.

Control writes end confirmed or raise, never in between. Confirmed means the device's
reply or, when every attempt went unanswered, a read-back showing that the device holds
the value: the remote switch and current limit ('F' 5), RAM variables incl. the ESS
setpoint (0x30), settings stored in EEPROM (0x31) and the interface lines ('H').
A read-back that shows the old value raises ``VEBusTimeout`` (not applied). When the
outcome cannot be known, ``VEBusWriteUnconfirmed`` is raised and the value may or may
not be in force: the read-back failed too, the port went away after the request went
out, or the write was a setting written RAM only, whose value in force no command reads
back (0x31 returns the EEPROM value).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable, Iterable
import contextlib
from dataclasses import dataclass, field
import logging
import math
import time
from typing import Any, TypeVar

from . import messages as m, registry
from .errors import (
    OutOfRangeError,
    PortLostError,
    VEBusAccessDenied,
    VEBusConnectionError,
    VEBusError,
    VEBusProtocolError,
    VEBusTimeout,
    VEBusUnsupported,
    VEBusWriteUnconfirmed,
)
from .framing import DecoderStats, Frame, FrameDecoder
from .models import (
    AcInfo,
    AcInputConfig,
    DcInfo,
    DeviceInfo,
    DeviceStatus,
    LedStatus,
    Mode,
)
from .scaling import SettingScale, VarScale
from .transport import Transport, describe_port

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

TIMEOUT = 0.5
SLOW_TIMEOUT = 1.0  # 'F' 5 needs more than 750 ms on real units
RETRIES = 2
# After a timeout: return once no reply came for SETTLE_QUIET request timeouts, or
# after SETTLE_LIMIT timeouts at the most.
SETTLE_QUIET = 1.5
SETTLE_LIMIT = 4.0
WAKE_TIMEOUT = 10.0
ESS_SCAN_LIMIT = 0xFF
INT16_MIN, INT16_MAX = -0x8000, 0x7FFF

Matcher = Callable[[Frame], T | None]


@dataclass(slots=True)
class ClientStats:
    """Counters shown in diagnostics."""

    requests: int = 0
    retries: int = 0
    timeouts: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    heartbeats: int = 0
    ignored_frames: int = 0
    connects: int = 0
    connection_losses: int = 0
    interface_resets: int = 0
    settles: int = 0  # waits for late replies after a timeout
    write_readbacks: int = 0  # writes whose every attempt went unanswered, read back
    writes_confirmed_by_readback: int = 0
    writes_not_applied: int = 0  # the read-back showed the device without the value
    writes_unconfirmed: int = 0  # VEBusWriteUnconfirmed raised
    last_errors: collections.deque[str] = field(
        default_factory=lambda: collections.deque(maxlen=10)
    )

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "timeouts": self.timeouts,
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
            "heartbeats": self.heartbeats,
            "ignored_frames": self.ignored_frames,
            "connects": self.connects,
            "connection_losses": self.connection_losses,
            "interface_resets": self.interface_resets,
            "settles": self.settles,
            "write_readbacks": self.write_readbacks,
            "writes_confirmed_by_readback": self.writes_confirmed_by_readback,
            "writes_not_applied": self.writes_not_applied,
            "writes_unconfirmed": self.writes_unconfirmed,
            "last_errors": list(self.last_errors),
        }


@dataclass(slots=True)
class _Pending:
    match: Matcher[Any]
    future: asyncio.Future[Any]


class VEBusClient:
    """Async client for one MK2/MK3 interface and the VE.Bus unit at ``address``."""

    def __init__(
        self,
        url: str,
        *,
        address: int = 0,
        timeout: float = TIMEOUT,
        slow_timeout: float = SLOW_TIMEOUT,
        retries: int = RETRIES,
    ) -> None:
        self.url = url
        self.address = address
        self.timeout = timeout
        self.slow_timeout = slow_timeout
        self.retries = retries
        self.stats = ClientStats()
        self.decoder = FrameDecoder()
        self.interface_version: int | None = None
        self.last_frame_at: float | None = None
        self._last_reply_at = -math.inf  # last frame that was not a 'V' frame
        # Bumped on every (re)connect and every interface reset seen on the wire,
        # so callers know when the device may have forgotten RAM-only values.
        self.session = 0
        self._transport: Transport | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._pending: _Pending | None = None
        self._letter = 0
        self._address_selected = False
        self._lost: VEBusConnectionError | None = None
        self._var_scales: dict[int, VarScale | None] = {}
        self._setting_scales: dict[int, SettingScale | None] = {}
        self._ac_input: AcInputConfig | None = None
        self._snapshot_supported = True

    # --- connection -----------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._transport is not None and self._lost is None

    @property
    def framing_stats(self) -> DecoderStats:
        return self.decoder.stats

    @property
    def is_mk3(self) -> bool:
        return self.interface_version is None or self.interface_version >= 1170000

    async def connect(self) -> None:
        """Open the port (again). Raises a VEBusConnectionError subclass on failure."""
        await self._drop_connection()
        transport = Transport(self.url)
        await transport.open()
        self._transport = transport
        self._lost = None
        self._address_selected = False
        self._var_scales.clear()
        self._setting_scales.clear()
        self._ac_input = None
        self._snapshot_supported = True
        self.decoder.reset()
        self.session += 1
        self.stats.connects += 1
        self._reader_task = asyncio.get_running_loop().create_task(
            self._read_loop(transport), name=f"vebus reader {describe_port(self.url)}"
        )

    async def ensure_connected(self) -> None:
        """Reconnect if the port was lost; a no-op while connected."""
        async with self._lock:
            if not self.connected:
                await self.connect()

    async def close(self) -> None:
        """Close the port; the client can connect again later."""
        await self._drop_connection()

    async def __aenter__(self) -> VEBusClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _drop_connection(self) -> None:
        task, self._reader_task = self._reader_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.close()
        self._fail_pending(PortLostError(f"{describe_port(self.url)}: closed"))

    async def _read_loop(self, transport: Transport) -> None:
        try:
            while True:
                data = await transport.read()
                self.stats.bytes_received += len(data)
                for frame in self.decoder.feed(data):
                    self._dispatch(frame)
        except VEBusConnectionError as exc:
            self._mark_lost(exc)

    def _mark_lost(self, exc: VEBusConnectionError) -> None:
        """The port is gone: the next request reconnects. Counted once per connection.

        Either side may see it first: the reader (EOF, EIO) or a write (EIO, or the
        port already closed). The write must not wait for the reader task to run: a
        request right after the failed one would find the client still connected to a
        closed port (on Python 3.14 an unplugged pty is regularly seen by the write
        first, and nothing in between lets the reader task run).
        """
        if self._lost is not None:
            return
        _LOGGER.debug("Lost %s: %s", describe_port(self.url), exc)
        self.stats.connection_losses += 1
        self.stats.last_errors.append(str(exc))
        self._lost = exc
        self._fail_pending(exc)

    def _fail_pending(self, exc: VEBusError) -> None:
        pending = self._pending
        if pending is not None and not pending.future.done():
            pending.future.set_exception(exc)

    def _dispatch(self, frame: Frame) -> None:
        self.last_frame_at = time.monotonic()
        if frame.command != ord("V"):
            self._last_reply_at = self.last_frame_at
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("<< %02x %s", frame.frame_type, frame.payload.hex(" "))
        pending = self._pending
        if pending is not None and not pending.future.done():
            try:
                result = pending.match(frame)
            except VEBusError as exc:
                pending.future.set_exception(exc)
                return
            if result is not None:
                pending.future.set_result(result)
                return
        version = m.VersionReply.decode(frame)
        if version is None:
            self.stats.ignored_frames += 1
            return
        self.stats.heartbeats += 1
        self.interface_version = version.version
        if version.mode == 0x42 and self._address_selected:
            # The interface was reset (the unit restarted): it forgot our address
            # and the unit forgot every RAM-only value.
            self._address_selected = False
            self.stats.interface_resets += 1
            self.session += 1

    # --- request primitives -----------------------------------------------------

    async def _ready(self) -> None:
        """Reconnect after a loss and select the address; caller holds the lock."""
        if self.connected and self._transport is not None and not self._transport.is_open:
            # Closed under us (the port went away) before the reader task could say so.
            self._mark_lost(PortLostError(f"{describe_port(self.url)}: closed"))
        if not self.connected:
            await self.connect()
        if not self._address_selected:
            await self._exchange(
                m.AddressRequest(1, self.address).encode(), lambda: _address_match(self.address)
            )
            self._address_selected = True

    async def _write(self, data: bytes) -> None:
        if self._transport is None or self._lost is not None:
            raise self._lost or PortLostError(f"{describe_port(self.url)}: not open")
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug(">> %s", data.hex(" "))
        self.stats.bytes_sent += len(data)
        try:
            await self._transport.write(data)
        except PortLostError as exc:
            self._mark_lost(exc)
            raise

    async def _exchange(
        self,
        request: bytes,
        make_match: Callable[[], Matcher[T]],
        timeout: float | None = None,
    ) -> T:
        """Send ``request`` and wait for the frame ``make_match`` accepts; caller holds the lock.

        Sent again after each timeout; after any timeout the line settles first.
        """
        wait = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        for attempt in range(self.retries + 1):
            self.stats.requests += 1
            if attempt:
                self.stats.retries += 1
            future: asyncio.Future[T] = loop.create_future()
            self._pending = _Pending(make_match(), future)
            try:
                await self._write(request)
                await asyncio.wait((future,), timeout=wait)
                if not future.done():
                    # The reply may wait behind a length byte that noise made up.
                    for frame in self.decoder.discard_partial():
                        self._dispatch(frame)
                if future.done():
                    if attempt:
                        await self._settle(wait)
                    return future.result()
            finally:
                self._pending = None
                future.cancel()  # nothing when done; never left for a late frame
            self.stats.timeouts += 1
        await self._settle(wait)
        error = VEBusTimeout(f"no reply to {request.hex(' ')} from {describe_port(self.url)}")
        self.stats.last_errors.append(str(error))
        raise error

    async def _settle(self, wait: float) -> None:
        """After a timeout: wait until no reply came for a while (caller holds the lock).

        A reply later than the timeout still arrives after the next request went out,
        and a winmon letter comes round again every three requests: letting it arrive
        (and be ignored) now keeps it from being taken for the next answer.
        """
        self.stats.settles += 1
        deadline = time.monotonic() + wait * SETTLE_LIMIT
        while self.connected:
            now = time.monotonic()
            until = min(self._last_reply_at + wait * SETTLE_QUIET, deadline)
            if now >= until:
                return
            await asyncio.sleep(until - now)

    async def _confirmed_write(
        self,
        request: bytes,
        make_match: Callable[[], Matcher[T]],
        what: str,
        read_back: Callable[[], Awaitable[bool]] | None,
        confirmed: Callable[[], T],
        timeout: float | None = None,
    ) -> T:
        """Send a control write and return only once the device confirmed it.

        Confirmed: its reply, or after unanswered attempts ``read_back()`` finding the
        value in force (``confirmed()`` then gives the result). Raises VEBusTimeout when
        the read-back shows the device without the value, VEBusWriteUnconfirmed when
        the outcome is unknown (see the module docstring).
        """
        sent = False
        try:
            async with self._lock:
                await self._ready()
                sent = True  # from here on the device may act on the request
                return await self._exchange(request, make_match, timeout)
        except (VEBusConnectionError, VEBusTimeout) as err:
            if not sent:
                raise  # nothing went out: the device holds what it held
            failure: VEBusError = err
        if isinstance(failure, VEBusConnectionError) or read_back is None:
            why = "cannot be read back" if read_back is None else "the port went away"
            raise self._unconfirmed(what, f"no reply and {why}", failure)
        self.stats.write_readbacks += 1
        try:
            held = await read_back()
        except VEBusError as err:
            raise self._unconfirmed(what, f"no reply and the read-back failed: {err}", err) from err
        if not held:
            self.stats.writes_not_applied += 1
            error = VEBusTimeout(f"{what}: no reply, and the device does not hold the value")
            self.stats.last_errors.append(str(error))
            raise error from failure
        self.stats.writes_confirmed_by_readback += 1
        _LOGGER.debug("%s: no reply, but the read-back shows the value in force", what)
        return confirmed()

    def _unconfirmed(self, what: str, why: str, cause: VEBusError) -> VEBusWriteUnconfirmed:
        self.stats.writes_unconfirmed += 1
        error = VEBusWriteUnconfirmed(f"{what}: {why}; the value may or may not be in force")
        error.__cause__ = cause
        self.stats.last_errors.append(str(error))
        return error

    async def _request(
        self,
        request: bytes,
        make_match: Callable[[], Matcher[T]],
        timeout: float | None = None,
    ) -> T:
        async with self._lock:
            await self._ready()
            return await self._exchange(request, make_match, timeout)

    def _next_letter(self) -> int:
        letter = m.ROTATING_LETTERS[self._letter]
        self._letter = (self._letter + 1) % len(m.ROTATING_LETTERS)
        return letter

    def _winmon_exchange(
        self, command: int, args: bytes, accept: Iterable[int], what: str
    ) -> tuple[bytes, Callable[[], Matcher[m.WinmonReply]]]:
        letter = self._next_letter()
        codes = frozenset(accept)
        request = m.WinmonRequest(letter, command, args).encode()

        def make_match() -> Matcher[m.WinmonReply]:
            return lambda frame: _winmon_match(frame, letter, codes, what)

        return request, make_match

    async def _winmon(
        self, command: int, args: bytes, accept: Iterable[int], what: str
    ) -> m.WinmonReply:
        request, make_match = self._winmon_exchange(command, args, accept, what)
        return await self._request(request, make_match)

    # --- identity -------------------------------------------------------------------

    async def version(self) -> int:
        """Interface firmware version ('V'); also proves something answers."""
        async with self._lock:
            if not self.connected:
                await self.connect()
            reply = await self._exchange(m.VersionRequest().encode(), lambda: m.VersionReply.decode)
        self.interface_version = reply.version
        return reply.version

    async def select_address(self, address: int) -> None:
        async with self._lock:
            if not self.connected:
                await self.connect()
            await self._exchange(
                m.AddressRequest(1, address).encode(), lambda: _address_match(address)
            )
            self.address = address
            self._address_selected = True

    async def probe(self) -> DeviceInfo:
        """Check that a VE.Bus interface answers and read what identifies the unit."""
        interface_version = await self.version()
        await self.select_address(self.address)
        firmware: int | None
        try:
            firmware = await self.firmware_version()
        except (VEBusTimeout, VEBusUnsupported):
            firmware = None
        try:
            serial = await self.serial_number()
        except (VEBusTimeout, VEBusUnsupported):
            serial = None
        return DeviceInfo(interface_version, interface_version >= 1170000, firmware, serial)

    async def firmware_version(self) -> int:
        """VE.Bus firmware of the unit (0x05, then 0x06 on units that split it)."""
        async with self._lock:
            await self._ready()
            request, match = self._winmon_exchange(
                m.Winmon.VERSION_PART0, b"", {m.Reply.VERSION_LOW}, "firmware version"
            )
            low = await self._exchange(request, match)
            value, complete = m.decode_version_low(low.data)
            if complete:
                return value
            request, match = self._winmon_exchange(
                m.Winmon.VERSION_PART1, b"", {m.Reply.VERSION_HIGH}, "firmware version"
            )
            high = await self._exchange(request, match)
        return value | m.parse_u16_list(high.data)[0] << 16

    async def serial_number(self) -> str:
        reply = await self._winmon(
            m.Winmon.SERIAL_NUMBER, b"", {m.Reply.SERIAL_NUMBER}, "serial number"
        )
        return m.decode_serial(reply.data)

    async def reset_interface(self) -> int:
        """'R': reset the interface; it answers with its version."""
        async with self._lock:
            reply = await self._exchange(m.ResetRequest().encode(), lambda: m.VersionReply.decode)
            self._address_selected = False
        return reply.version

    # --- status ---------------------------------------------------------------------

    async def leds(self) -> LedStatus:
        reply = await self._request(m.LedRequest().encode(), lambda: m.LedReply.decode)
        return LedStatus(reply.on, reply.blink, reply.alarms, reply.vebus_error)

    async def dc_info(self) -> DcInfo:
        await self._scales(4, 5, 7)
        reply = await self._request(m.InfoRequest(0).encode(), lambda: m.DcInfoReply.decode)
        volts, amps, period = self._need_scale(4), self._need_scale(5), self._need_scale(7)
        inverter = amps.value_wide(reply.inverter_current)
        charger = amps.value_wide(reply.charger_current)
        return DcInfo(
            voltage=volts.value(reply.voltage),
            current=charger - inverter,
            inverter_current=inverter,
            charger_current=charger,
            frequency=period.frequency(reply.period),
        )

    async def ac_info(self, phase: int = 1) -> AcInfo:
        if not 1 <= phase <= 4:
            raise ValueError("phase is 1..4")
        await self._scales(0, 1, 2, 3, 8)

        def match(frame: Frame) -> m.AcInfoReply | None:
            reply = m.AcInfoReply.decode(frame)
            return reply if reply is not None and reply.phase == phase else None

        reply = await self._request(m.InfoRequest(phase).encode(), lambda: match)
        mains_v, mains_i = self._need_scale(0), self._need_scale(1)
        inv_v, inv_i = self._need_scale(2), self._need_scale(3)
        # Currents in AC frames are signed whatever the variable info says (VEL, J9).
        return AcInfo(
            phase=reply.phase,
            phases=reply.phase_count,
            state=m.DeviceState(reply.state),
            input_voltage=mains_v.value(reply.mains_voltage),
            input_current=mains_i.value_wide(reply.mains_current) * reply.bf_factor,
            input_frequency=self._need_scale(8).frequency(reply.mains_period),
            output_voltage=inv_v.value(reply.inverter_voltage),
            output_current=inv_i.value_wide(reply.inverter_current) * reply.inverter_factor,
        )

    async def ac_input_config(self) -> AcInputConfig:
        reply = await self._request(
            m.InfoRequest(5).encode(), lambda: m.AcInputConfigReply.decode, self.slow_timeout
        )
        config = AcInputConfig(
            current_limit=reply.actual / 10,
            minimum=reply.minimum / 10,
            maximum=reply.maximum / 10,
            active_input=reply.active_input,
            inputs=reply.input_count,
            limit_adjustable=reply.limit_adjustable,
            panel_detected=reply.panel_detected,
            switch_register=reply.switch_register,
        )
        self._ac_input = config
        return config

    async def device_state(self) -> DeviceStatus:
        return await self._device_state_request(m.ForcedChargeState.INQUIRE)

    async def force_charge_state(self, state: m.ForcedChargeState) -> DeviceStatus:
        """Force equalise, absorption or float (0x0E); the reply is the state after."""
        return await self._device_state_request(state)

    async def _device_state_request(self, request: int) -> DeviceStatus:
        reply = await self._winmon(
            m.Winmon.DEVICE_STATE,
            m.device_state_args(request),
            {m.Reply.DEVICE_STATE},
            "device state",
        )
        state = m.DeviceStateReply.decode_data(reply.data)
        if state is None:
            raise VEBusProtocolError("device state reply too short")
        return DeviceStatus(m.DeviceState(state.state), m.ChargeState(state.substate))

    # --- control ----------------------------------------------------------------------

    async def set_panel_state(self, mode: Mode, current_limit: float | None = None) -> None:
        """Remote switch position and, optionally, the AC input current limit (RAM only)."""
        limit_raw = m.S_LIMIT_IGNORED
        if current_limit is not None:
            bounds = self._ac_input or await self.ac_input_config()
            if not bounds.minimum <= current_limit <= bounds.maximum:
                raise OutOfRangeError(
                    "AC input current limit", current_limit, bounds.minimum, bounds.maximum
                )
            limit_raw = round(current_limit * 10)
        request = m.SetStateRequest(mode.switch_state, limit_raw).encode()

        async def holds() -> bool:
            config = await self.ac_input_config()
            limit_held = (
                limit_raw == m.S_LIMIT_IGNORED or round(config.current_limit * 10) == limit_raw
            )
            return config.remote_mode is mode and limit_held

        await self._confirmed_write(
            request, lambda: m.SetStateReply.decode, "remote switch", holds, lambda: None
        )

    async def set_interface(self, *, standby: bool, panel_detect: bool = True) -> int:
        """'H' (MK3 only): hold the standby line so the unit stays reachable while off."""
        if not self.is_mk3:
            raise VEBusUnsupported("an MK2 interface has no standby line")
        lines = (m.H_PANEL_DETECT if panel_detect else 0) | (m.H_STANDBY if standby else 0)
        held: list[int] = []

        async def holds() -> bool:
            reply = await self._request(
                m.InterfaceRequest().encode(), lambda: m.InterfaceReply.decode
            )
            held.append(reply.lines)
            return reply.lines & (m.H_PANEL_DETECT | m.H_STANDBY) == lines

        reply = await self._confirmed_write(
            m.InterfaceRequest(lines).encode(),
            lambda: m.InterfaceReply.decode,
            "interface lines",
            holds,
            lambda: m.InterfaceReply(held[-1]),
        )
        return reply.lines

    async def sleep(self) -> None:
        """Send the unit to its low-power sleep; the interface goes quiet with it."""
        async with self._lock:
            await self._ready()
            await self._write(m.raw_switch_frame(m.RAW_SLEEP))

    async def wake(self, timeout: float = WAKE_TIMEOUT) -> None:
        """Wake a sleeping unit; returns once it answers again, else VEBusTimeout."""
        async with self._lock:
            if not self.connected:
                await self.connect()
            await self._write(m.raw_switch_frame(m.RAW_WAKE))
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                await self.version()
                return
            except VEBusTimeout:
                if asyncio.get_running_loop().time() >= deadline:
                    raise

    # --- RAM variables ------------------------------------------------------------------

    async def ram_var_info(self, ram_id: int) -> VarScale | None:
        """The device's scale of a RAM variable (cached), None when unsupported."""
        if ram_id in self._var_scales:
            return self._var_scales[ram_id]
        try:
            reply = await self._winmon(
                m.Winmon.RAM_VAR_INFO,
                m.id_args(ram_id),
                {m.Reply.VAR_SCALE},
                registry.ram_name(ram_id),
            )
            info = m.decode_var_info(reply.data)
        except VEBusUnsupported:
            info = None
        scale = VarScale.from_info(info) if info is not None else None
        self._var_scales[ram_id] = scale
        return scale

    async def _scales(self, *ram_ids: int) -> None:
        for ram_id in ram_ids:
            await self.ram_var_info(ram_id)

    def _need_scale(self, ram_id: int) -> VarScale:
        scale = self._var_scales.get(ram_id)
        if scale is None:
            raise VEBusUnsupported(f"{registry.ram_name(ram_id)} is not supported")
        return scale

    async def read_ram_raw(self, ram_ids: list[int]) -> dict[int, int]:
        values: dict[int, int] = {}
        for start in range(0, len(ram_ids), m.MAX_WINMON_ARGS):
            chunk = ram_ids[start : start + m.MAX_WINMON_ARGS]
            reply = await self._winmon(
                m.Winmon.READ_RAM_VAR,
                m.read_ram_vars_args(chunk),
                {m.Reply.RAM_VALUES},
                ", ".join(registry.ram_name(i) for i in chunk),
            )
            raw = m.parse_u16_list(reply.data)
            if len(raw) < len(chunk):
                raise VEBusProtocolError(f"asked for {len(chunk)} RAM values, got {len(raw)}")
            values.update(zip(chunk, raw, strict=False))
        return values

    async def read_ram_vars(self, ram_ids: list[int]) -> dict[int, float | None]:
        """Values in engineering units; None for variables the device does not support."""
        scales = {i: await self.ram_var_info(i) for i in ram_ids}
        supported = [i for i in ram_ids if scales[i] is not None]
        raw = await self.read_ram_raw(supported) if supported else {}
        return {i: _scaled(scales[i], raw.get(i)) for i in ram_ids}

    async def write_ram_raw(self, ram_id: int, raw: int) -> None:
        """WriteViaID to a RAM variable, RAM only (flags 0x02): no EEPROM wear."""
        if not INT16_MIN <= raw <= 0xFFFF:
            raise OutOfRangeError(registry.ram_name(ram_id), raw, INT16_MIN, 0xFFFF)
        name = registry.ram_name(ram_id)
        request, match = self._winmon_exchange(
            m.Winmon.WRITE_VIA_ID,
            m.write_via_id_args(m.WRITE_RAM_ONLY, ram_id, raw),
            {m.Reply.RAM_WRITTEN},
            name,
        )

        async def holds() -> bool:
            return (await self.read_ram_raw([ram_id]))[ram_id] == raw & 0xFFFF

        await self._confirmed_write(request, match, name, holds, lambda: None)

    async def write_ram_var(self, ram_id: int, value: float) -> None:
        scale = await self.ram_var_info(ram_id)
        if scale is None:
            raise VEBusUnsupported(f"{registry.ram_name(ram_id)} is not supported")
        try:
            raw = scale.raw(value)
        except ValueError as exc:
            low, high = (INT16_MIN, INT16_MAX) if scale.signed else (0, 0xFFFF)
            raise OutOfRangeError(
                registry.ram_name(ram_id), value, scale.value_wide(low), scale.value_wide(high)
            ) from exc
        await self.write_ram_raw(ram_id, raw)

    # --- settings --------------------------------------------------------------------------

    async def setting_info(self, setting_id: int) -> SettingScale | None:
        """Scale and bounds of a setting (cached), None when unsupported."""
        if setting_id in self._setting_scales:
            return self._setting_scales[setting_id]
        name = registry.setting_name(setting_id)
        letter = self._next_letter()
        request = m.WinmonRequest(letter, m.Winmon.SETTING_INFO, m.id_args(setting_id)).encode()

        def make_match() -> Matcher[m.SettingInfoCollector]:
            collector = m.SettingInfoCollector()

            def match(frame: Frame) -> m.SettingInfoCollector | None:
                reply = _winmon_match(frame, letter, m.SETTING_INFO_CODES, name)
                if reply is None:
                    return None
                collector.add(reply.code, reply.data)
                return collector if collector.done else None

            return match

        try:
            collected = await self._request(request, make_match)
            info = collected.info
        except VEBusUnsupported:
            info = None
        scale = SettingScale(info) if info is not None else None
        self._setting_scales[setting_id] = scale
        return scale

    async def read_setting_raw(self, setting_id: int) -> int:
        reply = await self._winmon(
            m.Winmon.READ_SETTING,
            m.id_args(setting_id),
            {m.Reply.SETTING_VALUE},
            registry.setting_name(setting_id),
        )
        values = m.parse_u16_list(reply.data)
        if not values:
            raise VEBusProtocolError("setting reply without a value")
        return values[0]

    async def read_setting(self, setting_id: int) -> float:
        """The stored (EEPROM) value; RAM-only writes do not show here."""
        scale = await self._need_setting(setting_id)
        return scale.value(await self.read_setting_raw(setting_id))

    async def write_setting_raw(self, setting_id: int, raw: int, *, persist: bool = False) -> bool:
        """WriteViaID to a setting: RAM only (0x03) unless ``persist`` (EEPROM, 0x01).

        Returns True when the device says the change needs a restart. A RAM-only value
        cannot be read back (0x31 gives the EEPROM value): when its reply is lost this
        raises VEBusWriteUnconfirmed, and the value may or may not be in force.
        """
        flags = m.WRITE_SETTING if persist else m.WRITE_SETTING | m.WRITE_RAM_ONLY
        name = registry.setting_name(setting_id)
        request, match = self._winmon_exchange(
            m.Winmon.WRITE_VIA_ID,
            m.write_via_id_args(flags, setting_id, raw),
            {m.Reply.SETTING_WRITTEN},
            name,
        )

        async def holds() -> bool:
            return await self.read_setting_raw(setting_id) == raw & 0xFFFF

        def read_back_reply() -> m.WinmonReply:
            scale = self._setting_scales.get(setting_id)
            reset = scale is not None and scale.info.needs_reset
            return m.WinmonReply(request[2], m.Reply.SETTING_WRITTEN, bytes((reset,)))

        # RAM only, the value in force cannot be read back: 0x31 gives the EEPROM value.
        reply = await self._confirmed_write(
            request, match, name, holds if persist else None, read_back_reply
        )
        return bool(reply.data and reply.data[0] & 0x01)

    async def write_setting(self, setting_id: int, value: float, *, persist: bool = False) -> bool:
        """Write a setting in engineering units, refused before sending when out of bounds.

        Flag registers are bounded by their supported-bit mask (the info's max), not
        numerically: bits outside the mask must keep the value they have.
        """
        scale = await self._need_setting(setting_id)
        name = registry.setting_name(setting_id)
        if setting_id in registry.FLAGS_SETTINGS:
            mask = scale.info.maximum
            if not math.isfinite(value) or value != int(value) or not 0 <= value <= 0xFFFF:
                raise OutOfRangeError(name, value, 0, mask)
            raw = int(value)
            current = await self.read_setting_raw(setting_id)
            if (raw ^ current) & ~mask & 0xFFFF:
                raise OutOfRangeError(name, value, 0, mask)
        else:
            try:
                raw = scale.check(value)
            except ValueError as exc:
                raise OutOfRangeError(name, value, scale.minimum, scale.maximum) from exc
        return await self.write_setting_raw(setting_id, raw, persist=persist)

    async def _need_setting(self, setting_id: int) -> SettingScale:
        scale = await self.setting_info(setting_id)
        if scale is None:
            raise VEBusUnsupported(f"{registry.setting_name(setting_id)} is not supported")
        return scale

    # --- snapshot and ESS -----------------------------------------------------------------

    async def snapshot(self, ram_ids: list[int]) -> dict[int, float | None]:
        """Read up to six RAM variables taken at one instant ('F' 6, then 0x38)."""
        scales = {i: await self.ram_var_info(i) for i in ram_ids}
        supported = [i for i in ram_ids if scales[i] is not None][: m.MAX_SNAPSHOT_IDS]
        raw: dict[int, int] = {}
        if supported and self._snapshot_supported:
            try:
                raw = await self._snapshot_raw(supported)
            except VEBusUnsupported:
                self._snapshot_supported = False  # older firmware: read the ids directly
        if supported:
            missing = [i for i in supported if i not in raw]
            if missing:  # a short reply (seen on real units): read the rest directly
                raw |= await self.read_ram_raw(missing)
        return {i: _scaled(scales[i], raw.get(i)) for i in ram_ids}

    async def _snapshot_raw(self, ram_ids: list[int]) -> dict[int, int]:
        async with self._lock:
            await self._ready()
            values: list[int] = []
            for _ in range(2):  # an empty snapshot means it was not taken yet: take it again
                await self._write(m.snapshot_request(ram_ids).encode())
                request, match = self._winmon_exchange(
                    m.Winmon.READ_SNAPSHOT, b"", {m.Reply.SNAPSHOT}, "snapshot"
                )
                reply = await self._exchange(request, match)
                values = m.parse_u16_list(reply.data)
                if values:
                    break
        return dict(zip(ram_ids, values, strict=False))

    async def find_ess_setpoint(self) -> int | None:
        """RAM id of the ESS setpoint: walk the assistant chain from RAM 128."""
        header_id = registry.ASSISTANT_START
        known: dict[int, int] = {}
        while header_id <= ESS_SCAN_LIMIT:
            if header_id not in known:
                chunk = list(range(header_id, min(header_id + m.MAX_WINMON_ARGS, 0x100)))
                known |= await self.read_ram_raw(chunk)
            header = known[header_id]
            if header == 0:
                return None
            assistant, count = header >> 4, header & 0x0F
            if assistant == registry.ESS_ASSISTANT_ID:
                return header_id + 1
            header_id += count + 1
        return None

    async def write_ess_setpoint(self, ram_id: int, watts: int) -> None:
        """Write the ESS setpoint, ``watts`` > 0 charging the battery from AC-in.

        The device counts the other way (+ = feed into AC-in), so the sign is flipped.
        Written RAM only; the device drops it about 15 s after the last write.
        """
        device_value = -int(watts)
        if not INT16_MIN <= device_value <= INT16_MAX:
            raise OutOfRangeError("ESS setpoint", watts, -INT16_MAX, -INT16_MIN)
        await self.write_ram_raw(ram_id, device_value & 0xFFFF)

    async def read_ess_setpoint(self, ram_id: int) -> int:
        """The setpoint in force, + = charging from AC-in."""
        raw = (await self.read_ram_raw([ram_id]))[ram_id]
        return -(raw - 0x10000 if raw >= 0x8000 else raw)


def _winmon_match(
    frame: Frame, letter: int, accept: frozenset[int], what: str
) -> m.WinmonReply | None:
    reply = m.WinmonReply.decode(frame)
    if reply is None or reply.letter != letter:
        return None
    if reply.code in accept:
        return reply
    if reply.code == m.Reply.ACCESS_DENIED:
        raise VEBusAccessDenied(what, reply.data[0] if reply.data else 0)
    if reply.code in (m.Reply.RAM_VAR_NOT_SUPPORTED, m.Reply.SETTING_NOT_SUPPORTED):
        raise VEBusUnsupported(f"{what}: not supported by the device")
    if reply.code == m.Reply.UNKNOWN_COMMAND:
        raise VEBusUnsupported(f"{what}: the device refused the request")
    return None


def _address_match(address: int) -> Matcher[m.AddressReply]:
    def match(frame: Frame) -> m.AddressReply | None:
        reply = m.AddressReply.decode(frame)
        return reply if reply is not None and reply.address == address else None

    return match


def _scaled(scale: VarScale | None, raw: int | None) -> float | None:
    if scale is None or raw is None:
        return None
    return scale.value(raw)
