"""The MK3 side of the simulator: one request frame in, the reply frames out.

Every byte layout comes from the library's protocol classes: requests are decoded with
their ``decode``, replies built with their encoders and ``answer`` methods. This module
only decides what to answer. Timing, faults on the wire and endpoints are ``server``'s.
"""

from __future__ import annotations

from collections.abc import Callable

from victron_serial.vebus import ChargeState, ForcedChargeState, SwitchState
from victron_serial.vebus.protocol import (
    AcInfoReply,
    AcInputConfigReply,
    AddressReply,
    AddressRequest,
    DcInfoReply,
    Frame,
    GetRamVarInfo,
    GetSerialNumber,
    GetSetDeviceState,
    GetSettingInfo,
    InfoRequest,
    InterfaceReply,
    InterfaceRequest,
    LedReply,
    LedRequest,
    RawSettingInfo,
    RawSwitchCommand,
    ReadRamVars,
    ReadSetting,
    ReadSnapshot,
    ResetRequest,
    SetStateReply,
    SetStateRequest,
    VersionPart0,
    VersionPart1,
    VersionReply,
    VersionRequest,
    WinmonReply,
    WinmonRequest,
    WriteViaId,
    encode_frame,
)
from victron_serial.vebus.protocol.framing import MK2_FRAME, FrameDecoder
from victron_serial.vebus.protocol.ids import ASSISTANT_START, Lines, RamVar, to_signed16
from victron_serial.vebus.protocol.info import (
    INFO_AC_FIRST,
    INFO_AC_INPUT,
    INFO_AC_LAST,
    INFO_DC,
    INFO_DEVICE_RESET,
    INFO_SNAPSHOT,
    phase_info_for,
)
from victron_serial.vebus.protocol.mk2 import (
    MODE_NO_ADDRESS,
    RAW_SLEEP,
    S_FLAG_APPEND_LEDS,
    S_FLAG_VARIANT2,
    S_FLAGS_EXT0_COMPAT,
)
from victron_serial.vebus.protocol.variables import SelectForWrite, WriteData
from victron_serial.vebus.protocol.winmon import (
    WINMON_LETTERS,
    Answer,
    Code,
    ReplyCode,
    unknown_command,
)

from .device import SimDevice
from .faults import Faults
from .unit import SimUnit

_RAW_SWITCH_STATES = {
    0x05: SwitchState.CHARGER_ONLY,
    0x06: SwitchState.INVERTER_ONLY,
    0x07: SwitchState.ON,
}
_FORCED: dict[int, ChargeState] = {
    ForcedChargeState.EQUALISE: ChargeState.EQUALISE,
    ForcedChargeState.ABSORPTION: ChargeState.FORCED_ABSORPTION,
    ForcedChargeState.FLOAT: ChargeState.FLOAT,
}
_SWITCH_VALUES = frozenset(int(state) for state in SwitchState)
# F5 switch register (protocol.md §7.4).
_REMOTE_BITS = {
    SwitchState.CHARGER_ONLY: 0x01,
    SwitchState.INVERTER_ONLY: 0x02,
    SwitchState.ON: 0x03,
}
SWITCH_FRONT_UP, SWITCH_FRONT_DOWN, SWITCH_ONBOARD_REMOTE = 0x04, 0x08, 0x40
# F5 config byte (protocol.md §3.3).
CONFIG_LIMIT_ADJUSTABLE, CONFIG_PANEL_DETECTED, CONFIG_INPUTS_SHIFT = 0x04, 0x80, 4
# Requests that change nothing in the unit; a forced charge state (in a device state
# request) recomputes the unit itself.
_READ_COMMANDS = frozenset(ord(letter) for letter in "VLF")
_WINMON_READS = frozenset(
    {
        Code.VERSION_PART0,
        Code.VERSION_PART1,
        Code.DEVICE_STATE,
        Code.READ_RAM_VAR,
        Code.READ_SETTING,
        Code.SETTING_INFO,
        Code.RAM_VAR_INFO,
        Code.READ_SNAPSHOT,
        Code.SERIAL_NUMBER,
    }
)


def _tenths(amps: float) -> int:
    return max(0, min(0xFFFF, round(amps * 10)))


def switch_register(device: SimDevice) -> int:
    """F5 switch register (protocol.md §7.4)."""
    remote = _REMOTE_BITS.get(SwitchState(device.switch_state), 0)
    value = SWITCH_ONBOARD_REMOTE | remote
    if device.front_switch_up:
        value |= SWITCH_FRONT_UP | remote << 4
    else:
        value |= SWITCH_FRONT_DOWN
    return value


def input_config(device: SimDevice) -> int:
    """F5 AC-input config byte: active input, limit settable, inputs, panel detected."""
    value = device.active_input | device.model.ac_inputs << CONFIG_INPUTS_SHIFT
    if device.remote_limits_input:
        value |= CONFIG_LIMIT_ADJUSTABLE
    panel_detected = device.mk2 or device.interface_lines & Lines.PANEL_DETECT
    return value | (CONFIG_PANEL_DETECTED if panel_detected else 0)


class Mk3Handler:
    """Answers requests for one ``SimDevice``; ``faults`` is read at every request."""

    def __init__(self, device: SimDevice, faults: Callable[[], Faults]) -> None:
        self.device = device
        self.system = device.system
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
        self._winmon: dict[int, Callable[[SimUnit, Frame, WinmonRequest], Answer]] = {
            Code.VERSION_PART0: self._version_low,
            Code.VERSION_PART1: self._version_high,
            Code.DEVICE_STATE: self._device_state,
            Code.READ_RAM_VAR: self._read_ram,
            Code.READ_SETTING: self._read_setting,
            Code.SELECT_RAM_VAR: self._select_write,
            Code.SELECT_SETTING: self._select_write,
            Code.WRITE_DATA: self._write_data,
            Code.SETTING_INFO: self._setting_info,
            Code.RAM_VAR_INFO: self._ram_info,
            Code.WRITE_VIA_ID: self._write_via_id,
            Code.READ_SNAPSHOT: self._read_snapshot,
            Code.SERIAL_NUMBER: self._serial,
        }

    # --- entry points ----------------------------------------------------------------------

    def heartbeat(self) -> bytes | None:
        """The unsolicited 'V' frame, or None while the unit sleeps."""
        if self.device.asleep:
            return None
        return self._out(self._version_frame())

    def handle(self, frame: Frame) -> list[bytes]:
        """Wire bytes of every frame that answers ``frame`` (often one, maybe none)."""
        device = self.device
        self.system.tick()
        raw_switch = RawSwitchCommand.decode(frame)
        if raw_switch is not None:
            self._raw_switch(raw_switch.command)
            return []
        if device.asleep or frame.frame_type != MK2_FRAME or frame.command is None:
            return []
        if frame.command in WINMON_LETTERS:
            request = WinmonRequest.decode(frame)
            replies = self._winmon_request(frame, request) if request else []
            read = request is not None and request.command in _WINMON_READS
        else:
            command = self._commands.get(frame.command)
            replies = command(frame) if command else []
            read = frame.command in _READ_COMMANDS
        if not read:  # what the command changed shows at once (a read changed nothing)
            device.refresh()
        return [self._out(reply) for reply in replies]

    # --- helpers ----------------------------------------------------------------------------

    def _out(self, frame: bytes) -> bytes:
        """Append the LED bytes when 'S' asked for it (MK2 frames only)."""
        if not self.device.led_append:
            return frame
        parsed = FrameDecoder().feed(frame)
        if len(parsed) != 1 or parsed[0].frame_type != MK2_FRAME:
            return frame
        unit = self._selected() or self.device
        return encode_frame(parsed[0].frame_type, parsed[0].payload, unit.leds)

    def _version_frame(self) -> bytes:
        address = self.device.address
        mode = MODE_NO_ADDRESS if address is None else address
        return VersionReply(self.device.interface_version, mode).encode()

    def _ram_supported(self, unit: SimUnit, var: int) -> bool:
        return unit.ram_info(var) is not None and var not in self._faults().unsupported_ram

    def _ram_readable(self, unit: SimUnit, var: int) -> bool:
        """0x30 answers this id (assistant RAM 128+ reads as 0 past the chain)."""
        known = var >= ASSISTANT_START or unit.ram_info(var) is not None
        return known and var not in self._faults().unsupported_ram

    def _setting(self, unit: SimUnit, setting: int) -> RawSettingInfo | None:
        if setting in self._faults().unsupported_settings:
            return None
        return unit.setting_info(setting)

    def _selected(self) -> SimUnit | None:
        """The unit at the selected address ('L', 'F' 0, winmon reach it); None: nobody."""
        return self.system.unit_at(self.device.address or 0)

    # --- MK2 commands -----------------------------------------------------------------------

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
        unit = self._selected()
        if LedRequest.decode(frame) is None or unit is None:
            return []
        u = unit
        return [LedReply(u.leds[0], u.leds[1], u.alarms, u.error_byte, u.led_extra).encode()]

    def _info(self, frame: Frame) -> list[bytes]:
        request = InfoRequest.decode(frame)
        if request is None:
            return []
        number = request.number
        if number == INFO_AC_INPUT:
            return [self._input_frame()]
        if number == INFO_DEVICE_RESET:
            self.device.restart()
        unit = self._selected()
        if unit is None:
            return []
        if number == INFO_DC:
            return [self._dc_frame(unit)]
        if INFO_AC_FIRST <= number <= INFO_AC_LAST:
            return [self._ac_frame(unit, number)] if number <= self.device.phases else []
        if number == INFO_SNAPSHOT:
            # F6: remember the values of the supported ids (unsupported ones are left out).
            self.system.tick()
            ram_ids = request.args[:6]
            unit.snapshot = [(v, unit.ram_raw(v)) for v in ram_ids if self._ram_supported(unit, v)]
        return []

    def _dc_frame(self, d: SimUnit) -> bytes:
        current = to_signed16(d.ram_raw(RamVar.BATTERY_CURRENT))
        charger, inverter = (current, 0) if current >= 0 else (0, -current)
        period = d.ram_raw(RamVar.INVERTER_PERIOD) & 0xFF
        return DcInfoReply(
            d.ram_raw(RamVar.BATTERY_VOLTAGE), inverter, charger, period, d.dc_header
        ).encode()

    def _ac_frame(self, selected: SimUnit, phase: int) -> bytes:
        """Phase ``phase`` as the selected unit answers it: its own values if it is on that
        phase, else the phase leader's. A leader's frame carries the number of units on
        its phase as the current factors (protocol.md §3.3), so factor × current is the
        phase's total."""
        system = self.system
        leader = system.phase_leader(phase)
        d = selected if selected.phase == phase or leader is None else leader
        factor = system.units_on_phase(phase) if d is leader else 1
        return AcInfoReply(
            phase_info_for(phase, system.phases),
            d.device_state,
            d.ram_raw(RamVar.MAINS_VOLTAGE),
            to_signed16(d.ram_raw(RamVar.MAINS_CURRENT)),
            d.ram_raw(RamVar.INVERTER_VOLTAGE),
            to_signed16(d.ram_raw(RamVar.INVERTER_CURRENT)),
            d.ram_raw(RamVar.MAINS_PERIOD) & 0xFF,
            factor,
            factor,
            d.ac_reserved,
        ).encode()

    def _input_frame(self) -> bytes:
        d = self.device
        return AcInputConfigReply(
            input_config(d),
            _tenths(d.model.input_limit_min),
            _tenths(d.model.input_limit_max),
            _tenths(d.current_limit),
            switch_register(d),
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
        if command == RAW_SLEEP:
            self.device.asleep = True
        elif command in _RAW_SWITCH_STATES:
            self.device.asleep = False
            self.device.switch_state = _RAW_SWITCH_STATES[command]
            self.device.refresh()

    # --- winmon --------------------------------------------------------------------------------

    def _winmon_request(self, frame: Frame, request: WinmonRequest) -> list[bytes]:
        unit = self._selected()
        if unit is None:
            return []  # no device at the selected address
        command = self._winmon.get(request.command)
        if request.command in self._faults().unsupported_commands:
            command = None  # older firmware: the command is unknown
        answer = command(unit, frame, request) if command else unknown_command(request.command)
        return [WinmonReply(request.letter, code, data).encode() for code, data in answer]

    def _combined(self, request: WinmonRequest) -> bool:
        return self.device.combined_replies and request.letter != ord("W")

    def _version_low(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        combined = self._combined(request)
        return VersionPart0.answer(unit.firmware, combined, unit.firmware_remainder)

    def _version_high(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        return VersionPart1.answer(unit.firmware)

    def _device_state(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        decoded = GetSetDeviceState.decode(frame)
        forced = _FORCED.get(decoded.request if decoded else 0)
        if forced is not None and unit.model.has_charger:
            unit.force_charge_state(forced)
            unit.refresh()
        return GetSetDeviceState.answer(unit.device_state, unit.charge_state)

    def _read_ram(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        decoded = ReadRamVars.decode(frame)
        if decoded is None:
            return unknown_command(request.command)
        if not all(self._ram_readable(unit, var) for var in decoded.ram_ids):
            return ReadRamVars.answer(None)
        return ReadRamVars.answer([unit.ram_raw(var) for var in decoded.ram_ids])

    def _read_setting(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        decoded = ReadSetting.decode(frame)
        if decoded is None:
            return unknown_command(request.command)
        if self._setting(unit, decoded.setting_id) is None:
            return ReadSetting.answer(None)
        return ReadSetting.answer(unit.eeprom_raw(decoded.setting_id))

    def _select_write(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        decoded = SelectForWrite.decode(frame)
        if decoded is None:
            return unknown_command(request.command)
        self._pending_write = (decoded.setting, decoded.item_id)
        return []  # the value follows with 0x34

    def _write_data(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        decoded = WriteData.decode(frame)
        pending, self._pending_write = self._pending_write, None
        if pending is None or decoded is None:
            return unknown_command(request.command)
        is_setting, item = pending
        # 0x33 + 0x34 stores the setting; 0x32 + 0x34 writes RAM only.
        return self._write(unit, is_setting, item, decoded.raw, eeprom=is_setting)

    def _write_via_id(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        decoded = WriteViaId.decode(frame)
        if decoded is None:
            return unknown_command(request.command)
        is_setting, item = decoded.is_setting, decoded.item_id
        return self._write(unit, is_setting, item, decoded.raw, eeprom=decoded.eeprom)

    def _write(self, d: SimUnit, is_setting: bool, item: int, raw: int, *, eeprom: bool) -> Answer:
        if is_setting:
            if self._setting(d, item) is None:
                return unknown_command(item)
            level = self._faults().denied_settings.get(item)
            if level is not None:
                return [(ReplyCode.ACCESS_DENIED, bytes((level,)))]
            if not d.setting_in_range(item, raw):
                d.rejected_writes += 1
                return [(ReplyCode.UNKNOWN_COMMAND, b"")]
            d.write_setting(item, raw, eeprom=eeprom)
            info = d.setting_info(item)
            status = int(info is not None and info.needs_reset) if d.model.write_status else None
            return WriteViaId.answer(setting=True, status=status)
        if d.ram_info(item) is None or item in self._faults().unsupported_ram:
            return unknown_command(item)
        d.write_ram(item, raw, eeprom=eeprom)
        return WriteViaId.answer(setting=False)

    def _setting_info(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        decoded = GetSettingInfo.decode(frame)
        if decoded is None:
            return unknown_command(request.command)
        info = self._setting(unit, decoded.setting_id)
        if info is not None and not unit.model.access_byte:
            info = RawSettingInfo(info.scale, info.offset, info.default, info.minimum, info.maximum)
        return GetSettingInfo.answer(info, self._combined(request))

    def _ram_info(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        decoded = GetRamVarInfo.decode(frame)
        if decoded is None:
            return unknown_command(request.command)
        var = decoded.ram_id
        info = unit.ram_info(var) if self._ram_supported(unit, var) else None
        return GetRamVarInfo.answer(info, self._combined(request))

    def _read_snapshot(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        snapshot = unit.snapshot
        return ReadSnapshot.answer([value for _, value in snapshot] if snapshot else [])

    def _serial(self, unit: SimUnit, frame: Frame, request: WinmonRequest) -> Answer:
        return GetSerialNumber.answer(unit.serial)
