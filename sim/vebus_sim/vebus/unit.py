"""One VE.Bus unit of the simulated system: what a client reads at its address.

``SimUnit`` keeps everything a client can observe of one unit as raw values: RAM variables
(16-bit words, as 0x30 returns them), settings (EEPROM value and the value in force),
LED bytes, alarms and the unused header bytes of the info frames, its assistant chain
(``assistants``) and snapshot. What the units of a system share (the remote switch, the
AC input, sleep) lives in ``SharedState``, owned by the system (``system.SimSystem``),
which also keeps the clock; a unit asks it only what ``System`` says.
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
import random
from typing import Protocol

from victron_serial.vebus import ChargeState, SettingScale, SwitchState, VarScale
from victron_serial.vebus.protocol.ids import (
    ESS_ASSISTANT_ID,
    FLAG_SETTINGS,
    Flags0,
    Setting,
    to_signed16,
)
from victron_serial.vebus.protocol.variables import RawSettingInfo, RawVarInfo

from .assistants import AssistantChain
from .models import STATE_OF_CHARGE, DeviceModel
from .physics import PowerModel, clamp

# The physics stores a dozen values at every step: each variable's scale is worked out once.
_scale_of = functools.cache(VarScale.from_info)
# What a unit without a charger makes of the remote switch: on or off only.
_WITHOUT_CHARGER = {
    SwitchState.CHARGER_ONLY: SwitchState.OFF,
    SwitchState.INVERTER_ONLY: SwitchState.ON,
}


@dataclass(slots=True)
class SharedState:
    """What every unit of one system sees alike: the panel, the AC input, sleep."""

    switch_state: int = SwitchState.ON
    front_switch_up: bool = True
    panel_limit: float | None = None  # A, from 'S'; None: the settings' limit
    mains_present: bool = True
    active_input: int = 0  # 0 = AC1, 1 = AC2 (a Quattro)
    asleep: bool = False


class System(Protocol):
    """What a unit asks of the system it is part of (``system.SimSystem``)."""

    def now(self) -> float: ...

    def refresh(self) -> None: ...

    @property
    def current_limit(self) -> float: ...

    def units_on_phase(self, phase: int) -> int: ...


class SimUnit:
    """One simulated VE.Bus unit at ``address`` (``bus_address``), on AC phase ``phase``."""

    def __init__(
        self,
        system: System,
        model: DeviceModel,
        *,
        address: int,
        phase: int,
        shared: SharedState,
        rng: random.Random,
        ess: bool,
        assistants: list[tuple[int, int]] | None,
    ) -> None:
        self.system = system
        self.model = model
        self.bus_address = address
        self.phase = phase
        self._shared = shared
        self._rng = rng
        self.load = 350.0  # W drawn by this unit's AC loads (live model)

        # RAM variables (raw 16-bit words) and settings.
        self._ram: dict[int, int] = dict(model.ram)
        self._eeprom: dict[int, int] = {
            key: model.setting_default(key) for key in model.setting_info
        }
        self._ram_settings: dict[int, int] = {}
        self.eeprom_writes: dict[int, int] = {}
        self.ram_eeprom_writes: dict[int, int] = {}
        self.rejected_writes = 0

        # What the frames carry besides RAM values (defaults: the captured frames).
        self.charge_state = ChargeState.ABSORPTION
        self.device_state = model.start_state
        self.leds: tuple[int, int] = model.start_leds
        self.alarms = 0
        self.error_byte = 0
        self.led_extra = b"\x80\x00"
        self.dc_header = bytes.fromhex("F300C802")
        self.ac_reserved = 0xCA
        self.input_config_header = bytes.fromhex("10050000")
        self.firmware = model.firmware
        self.firmware_remainder = model.firmware_remainder
        self.serial = model.serial
        self.snapshot: list[tuple[int, int]] | None = None

        self.chain = AssistantChain(self._ram)
        if assistants is None:
            assistants = [(ESS_ASSISTANT_ID, 4)] if ess else []
        self.chain.lay_out(assistants)

        soc = min(self._ram.get(STATE_OF_CHARGE, 200) / 200, 0.995)
        self.physics = PowerModel(self, rng, soc)

    # --- what the system shares --------------------------------------------------------------

    def now(self) -> float:
        return self.system.now()

    def refresh(self) -> None:
        self.system.refresh()

    @property
    def switch_state(self) -> int:
        return self._shared.switch_state

    @switch_state.setter
    def switch_state(self, state: int) -> None:
        if not self.model.has_charger:
            state = _WITHOUT_CHARGER.get(SwitchState(state), state)
        self._shared.switch_state = state

    @property
    def mains_present(self) -> bool:
        return self._shared.mains_present and self.model.ac_inputs > 0

    @property
    def asleep(self) -> bool:
        return self._shared.asleep

    @property
    def unit_current_limit(self) -> float:
        """This unit's share of its phase's AC input current limit (A)."""
        return self.system.current_limit / self.system.units_on_phase(self.phase)

    # --- RAM variables ------------------------------------------------------------------

    def ram_raw(self, var: int) -> int:
        """Raw 16-bit word of RAM ``var``."""
        self.chain.expire(self.now())
        return self._ram.get(var, 0) & 0xFFFF

    def set_ram_raw(self, var: int, raw: int) -> None:
        self._ram[var] = raw & 0xFFFF
        if var == STATE_OF_CHARGE:
            self.physics.soc = clamp(raw / 200, 0.0, 1.0)

    def ram_value(self, var: int) -> float:
        """Engineering value of RAM ``var`` with the model's own scale."""
        return VarScale.from_info(self.model.var_info[var]).value(self.ram_raw(var))

    def set_ram_value(self, var: int, value: float) -> None:
        self.set_ram_raw(var, self.scaled_raw(var, value))

    def ram_info(self, var: int) -> RawVarInfo | None:
        """What 0x36 reports for ``var``; None = not supported."""
        chained = self.chain.info(var)
        if chained is not None:
            return chained
        if var == STATE_OF_CHARGE and not self.battery_monitor:
            return None
        return self.model.var_info.get(var)

    def write_ram(self, var: int, raw: int, *, eeprom: bool) -> None:
        """A RAM write from the bus (0x37 or 0x32+0x34); ``eeprom`` counts a stored copy."""
        self.set_ram_raw(var, raw)
        if eeprom:
            self.ram_eeprom_writes[var] = self.ram_eeprom_writes.get(var, 0) + 1
        if self.chain.written(var, self.now()):
            self.refresh()

    @property
    def battery_monitor(self) -> bool:
        return self.setting_raw(Setting.BATTERY_CAPACITY) > 0

    @property
    def soc(self) -> float | None:
        """State of charge in % (RAM 13) when the battery monitor is on, else None."""
        if not self.battery_monitor:
            return None
        return self.ram_value(STATE_OF_CHARGE) * 100

    @soc.setter
    def soc(self, percent: float) -> None:
        self.set_ram_value(STATE_OF_CHARGE, clamp(percent, 0, 100) / 100)

    # --- ESS ----------------------------------------------------------------------------

    def set_assistants(self, assistants: list[tuple[int, int]]) -> None:
        """Lay out the assistant chain from RAM 128: (assistant id, RAM ids that follow)."""
        self.chain.lay_out(assistants)

    @property
    def ess_setpoint_id(self) -> int | None:
        return self.chain.setpoint_id

    @property
    def ess_setpoint(self) -> int:
        """ESS setpoint in W, device sign: + feed into AC-in / discharge, - charge."""
        if self.ess_setpoint_id is None:
            return 0
        return to_signed16(self.ram_raw(self.ess_setpoint_id))

    @ess_setpoint.setter
    def ess_setpoint(self, watts: int) -> None:
        if self.ess_setpoint_id is None:
            raise ValueError("this device has no ESS assistant")
        self.write_ram(self.ess_setpoint_id, watts, eeprom=False)

    # --- settings -----------------------------------------------------------------------

    def setting_info(self, setting: int) -> RawSettingInfo | None:
        return self.model.setting_info.get(setting)

    def _setting_scale(self, setting: int) -> SettingScale:
        info = self.setting_info(setting)
        if info is None:
            raise KeyError(f"setting {setting} is not supported by {self.model.name}")
        return SettingScale(info)

    def setting_raw(self, setting: int) -> int:
        """Raw value in force (a RAM-only write wins over EEPROM)."""
        if setting in self._ram_settings:
            return self._ram_settings[setting]
        return self.eeprom_raw(setting)

    def eeprom_raw(self, setting: int) -> int:
        """Raw value stored in EEPROM (what 0x31 reads back)."""
        if setting not in self._eeprom:
            raise KeyError(f"setting {setting} is not supported by {self.model.name}")
        return self._eeprom[setting]

    def setting(self, setting: int) -> float:
        """Value in force, engineering units."""
        return self._setting_scale(setting).value(self.setting_raw(setting))

    def set_setting(self, setting: int, value: float, *, persist: bool = True) -> None:
        """Test setup: set a setting without a bus write (nothing counted or checked)."""
        self.set_setting_raw(setting, self._setting_scale(setting).raw(value), persist=persist)

    def set_setting_raw(self, setting: int, raw: int, *, persist: bool = True) -> None:
        self._setting_scale(setting)
        if persist:
            self._eeprom[setting] = raw & 0xFFFF
            self._ram_settings.pop(setting, None)
        else:
            self._ram_settings[setting] = raw & 0xFFFF
        self.refresh()

    def setting_in_range(self, setting: int, raw: int) -> bool:
        """What the device accepts: min..max, or for flag words only supported bits."""
        info = self.setting_info(setting)
        if info is None:
            return False
        if setting in FLAG_SETTINGS:
            return ((raw ^ self.setting_raw(setting)) & ~info.maximum & 0xFFFF) == 0
        return info.minimum <= raw <= info.maximum

    def write_setting(self, setting: int, raw: int, *, eeprom: bool) -> None:
        """A setting write from the bus (checked by the caller); counts EEPROM writes."""
        self.set_setting_raw(setting, raw, persist=eeprom)
        if eeprom:
            self.eeprom_writes[setting] = self.eeprom_writes.get(setting, 0) + 1

    def forget_ram_only(self) -> None:
        """What a restart loses: RAM-only settings, the ESS setpoint, the snapshot."""
        self._ram_settings.clear()
        self.chain.forget()
        self.snapshot = None

    @property
    def charging_disabled(self) -> bool:
        return bool(self.setting_raw(Setting.FLAGS0) & Flags0.DISABLE_CHARGE)

    # --- forced charge states, snapshot ---------------------------------------------------

    def force_charge_state(self, state: ChargeState) -> None:
        self.charge_state = state
        self.physics.stage_time = 0.0

    # --- raw <-> engineering ------------------------------------------------------------

    def scaled_raw(self, var: int, value: float) -> int:
        """Raw word for ``value`` with the model's scale, clamped to what fits."""
        scale = _scale_of(self.model.var_info[var])
        if scale.bit is not None:
            return scale.raw(value)
        low, high = (-0x8000, 0x7FFF) if scale.signed else (0, 0xFFFF)
        number = round(value / scale.factor) - scale.offset
        return int(clamp(number, low, high)) & 0xFFFF

    def store_value(self, var: int, value: float) -> None:
        """Physics output: set a measured RAM variable the model knows."""
        if var in self.model.var_info:
            self._ram[var] = self.scaled_raw(var, value)
