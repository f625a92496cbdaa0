"""The MK3 side of the simulator: one request frame in, the reply frames out.

Every byte layout comes from ``messages`` (requests decoded with their ``decode``,
replies built with their ``encode``); this module only decides what to answer.
Timing, faults on the wire and endpoints are ``server``'s business.
"""

from __future__ import annotations

from collections.abc import Callable

from vebus.framing import MK2_FRAME, Frame, FrameDecoder, encode_frame
from vebus.messages import (
    S_FLAG_APPEND_LEDS,
    S_FLAG_VARIANT2,
    S_FLAGS_EXT0_COMPAT,
    WRITE_RAM_ONLY,
    WRITE_SETTING,
    AcInfoReply,
    AcInputConfigReply,
    AddressReply,
    AddressRequest,
    ChargeState,
    DcInfoReply,
    DeviceStateReply,
    ForcedChargeState,
    InfoRequest,
    InterfaceReply,
    InterfaceRequest,
    LedReply,
    LedRequest,
    RawSettingInfo as _RawSettingInfo,
    RawSwitchRequest,
    Reply,
    ResetRequest,
    SetStateReply,
    SetStateRequest,
    SwitchState,
    VersionReply,
    VersionRequest,
    Winmon,
    WinmonReply,
    WinmonRequest,
    encode_serial,
    encode_setting_info,
    encode_var_info,
    encode_version,
    encode_version_high,
    parse_device_state_args,
    parse_id_args,
    parse_read_ram_vars_args,
    parse_write_via_id_args,
    phase_info_for,
    u16_list,
)

from .device import SimDevice
from .faults import Faults
from .models import (
    BATTERY_CURRENT,
    BATTERY_VOLTAGE,
    INVERTER_CURRENT,
    INVERTER_PERIOD,
    INVERTER_VOLTAGE,
    MAINS_CURRENT,
    MAINS_PERIOD,
    MAINS_VOLTAGE,
)

MODE_NO_ADDRESS = 0x42  # 'B' in the 'V' frame until an address is selected
_RAW_SLEEP = 0x04
_RAW_SWITCH_STATES = {
    0x05: SwitchState.CHARGER_ONLY,
    0x06: SwitchState.INVERTER_ONLY,
    0x07: SwitchState.ON,
}
_FORCED: dict[int, ChargeState] = {
    ForcedChargeState.EQUALISE: ChargeState.EQUALISE,
    ForcedChargeState.ABSORPTION: ChargeState.ABSORPTION,
    ForcedChargeState.FLOAT: ChargeState.FLOAT,
}
_SWITCH_VALUES = frozenset(int(state) for state in SwitchState)
_INFO_DC, _INFO_AC_FIRST, _INFO_AC_LAST, _INFO_INPUT, _INFO_SNAPSHOT, _INFO_RESET = 0, 1, 4, 5, 6, 8

Replies = list[tuple[int, bytes]]


def _signed16(raw: int) -> int:
    raw &= 0xFFFF
    return raw - 0x10000 if raw >= 0x8000 else raw


def _tenths(amps: float) -> int:
    return max(0, min(0xFFFF, round(amps * 10)))


class Mk3Handler:
    """Answers requests for one ``SimDevice``; ``faults`` is read at every request."""

    def __init__(self, device: SimDevice, faults: Callable[[], Faults]) -> None:
        self.device = device
        self._faults = faults
        self._pending_write: tuple[bool, int] | None = None  # (setting?, id) of 0x32/0x33
        self._commands: dict[int, Callable[[Frame], list[bytes]]] = {
            ord("V"): self._version,
            ord("A"): self._address,
            ord("L"): self._leds,
            ord("F"): self._info,
            ord("S"): self._set_state,
            ord("H"): self._interface,
            ord("R"): self._reset,
        }
        self._winmon: dict[int, Callable[[WinmonRequest], Replies]] = {
            Winmon.VERSION_PART0: self._version_low,
            Winmon.VERSION_PART1: self._version_high,
            Winmon.DEVICE_STATE: self._device_state,
            Winmon.READ_RAM_VAR: self._read_ram,
            Winmon.READ_SETTING: self._read_setting,
            Winmon.WRITE_RAM_VAR: self._select_write,
            Winmon.WRITE_SETTING: self._select_write,
            Winmon.WRITE_DATA: self._write_data,
            Winmon.SETTING_INFO: self._setting_info,
            Winmon.RAM_VAR_INFO: self._ram_info,
            Winmon.WRITE_VIA_ID: self._write_via_id,
            Winmon.READ_SNAPSHOT: self._read_snapshot,
            Winmon.SERIAL_NUMBER: self._serial,
        }

    # --- entry points ---------------------------------------------------------------------

    def heartbeat(self) -> bytes | None:
        """The unsolicited 'V' frame, or None while the unit sleeps."""
        if self.device.asleep:
            return None
        return self._out(self._version_frame())

    def handle(self, frame: Frame) -> list[bytes]:
        """Wire bytes of every frame that answers ``frame`` (often one, maybe none)."""
        device = self.device
        device.tick()
        raw_switch = RawSwitchRequest.decode(frame)
        if raw_switch is not None:
            self._raw_switch(raw_switch.command)
            return []
        if device.asleep or frame.frame_type != MK2_FRAME or frame.command is None:
            return []
        if frame.command in b"WXYZ":
            request = WinmonRequest.decode(frame)
            replies = self._winmon_request(request) if request else []
        else:
            command = self._commands.get(frame.command)
            replies = command(frame) if command else []
        device.refresh()
        return [self._out(reply) for reply in replies]

    # --- helpers -----------------------------------------------------------------------

    def _out(self, frame: bytes) -> bytes:
        """Append the LED bytes when 'S' asked for it (MK2 frames only)."""
        if not self.device.led_append:
            return frame
        parsed = FrameDecoder().feed(frame)
        if len(parsed) != 1 or parsed[0].frame_type != MK2_FRAME:
            return frame
        return encode_frame(parsed[0].frame_type, parsed[0].payload, self.device.leds)

    def _version_frame(self) -> bytes:
        address = self.device.address
        mode = MODE_NO_ADDRESS if address is None else address
        return VersionReply(self.device.interface_version, mode).encode()

    def _ram_supported(self, var: int) -> bool:
        return self.device.ram_info(var) is not None and var not in self._faults().unsupported_ram

    def _ram_readable(self, var: int) -> bool:
        return self.device.ram_readable(var) and var not in self._faults().unsupported_ram

    def _setting(self, setting: int) -> _RawSettingInfo | None:
        if setting in self._faults().unsupported_settings:
            return None
        return self.device.setting_info(setting)

    @property
    def _unit(self) -> int | None:
        """Unit the winmon commands reach: the selected address, None if nobody is there."""
        address = self.device.address or 0
        return address if address < self.device.phases else None

    # --- MK2 commands ----------------------------------------------------------------

    def _version(self, frame: Frame) -> list[bytes]:
        return [self._version_frame()] if VersionRequest.decode(frame) else []

    def _address(self, frame: Frame) -> list[bytes]:
        request = AddressRequest.decode(frame)
        if request is None:
            return []
        if request.action & 0x01:
            self.device.address = request.address
            return [AddressReply(request.action, request.address).encode()]
        return [AddressReply(request.action, self.device.address or 0).encode()]

    def _leds(self, frame: Frame) -> list[bytes]:
        if LedRequest.decode(frame) is None:
            return []
        d = self.device
        return [LedReply(d.leds[0], d.leds[1], d.alarms, d.error_byte, d.led_extra).encode()]

    def _info(self, frame: Frame) -> list[bytes]:
        request = InfoRequest.decode(frame)
        if request is None:
            return []
        number = request.number
        if number == _INFO_DC:
            return [self._dc_frame()]
        if _INFO_AC_FIRST <= number <= _INFO_AC_LAST:
            return [self._ac_frame(number)] if number <= self.device.phases else []
        if number == _INFO_INPUT:
            return [self._input_frame()]
        if number == _INFO_SNAPSHOT:
            self.device.take_snapshot(parse_read_ram_vars_args(request.args), self._ram_supported)
        elif number == _INFO_RESET:
            self.device.restart()
        return []

    def _dc_frame(self) -> bytes:
        d = self.device
        current = _signed16(d.ram_raw(BATTERY_CURRENT))
        charger, inverter = (current, 0) if current >= 0 else (0, -current)
        period = d.ram_raw(INVERTER_PERIOD) & 0xFF
        return DcInfoReply(
            d.ram_raw(BATTERY_VOLTAGE), inverter, charger, period, d.dc_header
        ).encode()

    def _ac_frame(self, phase: int) -> bytes:
        d = self.device
        unit = phase - 1
        return AcInfoReply(
            phase_info_for(phase, d.phases),
            d.device_state,
            d.ram_raw(MAINS_VOLTAGE, unit),
            _signed16(d.ram_raw(MAINS_CURRENT, unit)),
            d.ram_raw(INVERTER_VOLTAGE, unit),
            _signed16(d.ram_raw(INVERTER_CURRENT, unit)),
            d.ram_raw(MAINS_PERIOD, unit) & 0xFF,
            d.ac_bf_factor,
            d.ac_inverter_factor,
            d.ac_reserved,
        ).encode()

    def _input_frame(self) -> bytes:
        d = self.device
        return AcInputConfigReply(
            d.input_config,
            _tenths(d.model.input_limit_min),
            _tenths(d.model.input_limit_max),
            _tenths(d.current_limit),
            d.switch_register,
            d.input_config_header,
        ).encode()

    def _set_state(self, frame: Frame) -> list[bytes]:
        request = SetStateRequest.decode(frame)
        if request is None:
            return []
        d = self.device
        d.led_append = bool(request.flags & S_FLAG_APPEND_LEDS)
        if request.flags_ext0 is not None:
            d.combined_replies = not request.flags_ext0 & S_FLAGS_EXT0_COMPAT
        if request.sends_state:
            if request.switch in _SWITCH_VALUES:
                d.switch_state = request.switch
            if request.flags & S_FLAG_VARIANT2 and request.sets_limit:
                d.current_limit = request.current_limit / 10
        return [SetStateReply().encode()]

    def _interface(self, frame: Frame) -> list[bytes]:
        request = InterfaceRequest.decode(frame)
        if request is None or self.device.mk2:
            return []  # an MK2 does not know 'H'
        if request.lines is not None:
            self.device.interface_lines = request.lines
        return [InterfaceReply(self.device.interface_lines).encode()]

    def _reset(self, frame: Frame) -> list[bytes]:
        if ResetRequest.decode(frame) is None:
            return []
        self.device.reset_interface()
        self._pending_write = None
        return [self._version_frame()]

    def _raw_switch(self, command: int) -> None:
        if command == _RAW_SLEEP:
            self.device.asleep = True
        elif command in _RAW_SWITCH_STATES:
            self.device.asleep = False
            self.device.switch_state = _RAW_SWITCH_STATES[command]
            self.device.refresh()

    # --- winmon --------------------------------------------------------------------------

    def _winmon_request(self, request: WinmonRequest) -> list[bytes]:
        if self._unit is None:
            return []  # no device at the selected address
        command = self._winmon.get(request.command)
        replies = command(request) if command else self._unknown(request.command)
        return [WinmonReply(request.letter, code, data).encode() for code, data in replies]

    def _combined(self, request: WinmonRequest) -> bool:
        return self.device.combined_replies and request.letter != ord("W")

    @staticmethod
    def _unknown(offending: int) -> Replies:
        return [(Reply.UNKNOWN_COMMAND, bytes((offending & 0xFF,)))]

    def _version_low(self, request: WinmonRequest) -> Replies:
        d = self.device
        return encode_version(d.firmware, self._combined(request), d.firmware_remainder)

    def _version_high(self, request: WinmonRequest) -> Replies:
        return [(Reply.VERSION_HIGH, encode_version_high(self.device.firmware))]

    def _device_state(self, request: WinmonRequest) -> Replies:
        forced = _FORCED.get(parse_device_state_args(request.args))
        d = self.device
        if forced is not None:
            d.force_charge_state(forced)
            d.refresh()
        return [
            (Reply.DEVICE_STATE, DeviceStateReply(d.device_state, d.charge_state).encode_data())
        ]

    def _read_ram(self, request: WinmonRequest) -> Replies:
        ram_ids = parse_read_ram_vars_args(request.args)
        if not all(self._ram_readable(var) for var in ram_ids):
            return [(Reply.RAM_VAR_NOT_SUPPORTED, b"")]
        unit = self._unit or 0
        return [(Reply.RAM_VALUES, u16_list([self.device.ram_raw(var, unit) for var in ram_ids]))]

    def _read_setting(self, request: WinmonRequest) -> Replies:
        setting = parse_id_args(request.args)
        if setting is None:
            return self._unknown(request.command)
        if self._setting(setting) is None:
            return [(Reply.SETTING_NOT_SUPPORTED, b"")]
        return [(Reply.SETTING_VALUE, u16_list([self.device.eeprom_raw(setting)]))]

    def _select_write(self, request: WinmonRequest) -> Replies:
        item = parse_id_args(request.args)
        if item is None:
            return self._unknown(request.command)
        self._pending_write = (request.command == Winmon.WRITE_SETTING, item)
        return []  # the value follows with 0x34

    def _write_data(self, request: WinmonRequest) -> Replies:
        value = parse_id_args(request.args)
        pending, self._pending_write = self._pending_write, None
        if pending is None or value is None:
            return self._unknown(request.command)
        is_setting, item = pending
        # 0x33 + 0x34 stores the setting; 0x32 + 0x34 writes RAM only.
        return self._write(is_setting, item, value, eeprom=is_setting)

    def _write_via_id(self, request: WinmonRequest) -> Replies:
        parsed = parse_write_via_id_args(request.args)
        if parsed is None:
            return self._unknown(request.command)
        flags, item, value = parsed
        eeprom = not flags & WRITE_RAM_ONLY
        return self._write(bool(flags & WRITE_SETTING), item, value, eeprom=eeprom)

    def _write(self, is_setting: bool, item: int, raw: int, *, eeprom: bool) -> Replies:
        d = self.device
        if is_setting:
            if self._setting(item) is None:
                return self._unknown(item)
            level = self._faults().denied_settings.get(item)
            if level is not None:
                return [(Reply.ACCESS_DENIED, bytes((level,)))]
            if not d.setting_in_range(item, raw):
                d.rejected_writes += 1
                return [(Reply.UNKNOWN_COMMAND, b"")]
            d.write_setting(item, raw, eeprom=eeprom)
            return [(Reply.SETTING_WRITTEN, b"")]
        if not d.ram_writable(item) or item in self._faults().unsupported_ram:
            return self._unknown(item)
        d.write_ram(item, raw, eeprom=eeprom)
        return [(Reply.RAM_WRITTEN, b"")]

    def _setting_info(self, request: WinmonRequest) -> Replies:
        setting = parse_id_args(request.args)
        if setting is None:
            return self._unknown(request.command)
        info = self._setting(setting)
        if info is not None and not self.device.model.access_byte:
            info = _RawSettingInfo(
                info.scale, info.offset, info.default, info.minimum, info.maximum
            )
        return encode_setting_info(info, self._combined(request))

    def _ram_info(self, request: WinmonRequest) -> Replies:
        var = parse_id_args(request.args)
        if var is None:
            return self._unknown(request.command)
        info = self.device.ram_info(var) if self._ram_supported(var) else None
        return [(Reply.VAR_SCALE, encode_var_info(info, self._combined(request)))]

    def _read_snapshot(self, request: WinmonRequest) -> Replies:
        snapshot = self.device.snapshot
        data = u16_list([value for _, value in snapshot]) if snapshot else b""
        return [(Reply.SNAPSHOT, data)]

    def _serial(self, request: WinmonRequest) -> Replies:
        return [(Reply.SERIAL_NUMBER, encode_serial(self.device.serial))]
