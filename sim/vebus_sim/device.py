"""Device side of the simulator: the VE.Bus unit behind the MK3, and the MK3's own state.

``SimDevice`` keeps everything a client can observe as raw values: RAM variables
(16-bit words, as 0x30 returns them), settings (EEPROM value and the value in force),
LED bytes and the unused header bytes of the info frames. With ``live=True`` a small
physical model rewrites the measured RAM variables as simulated time passes: mode,
current limit, mains, load and the ESS setpoint drive the power flow, the charger
walks bulk -> absorption -> float (-> storage) and the battery charges or drains.
With ``live=False`` nothing moves by itself, so captured frames can be reproduced
byte for byte; commands still change what they directly set (switch state, current
limit, settings, forced charge state, ESS setpoint and its timeout).

Simulated time is ``real time * time_scale + advance()`` when live, and only what
``advance()`` added when frozen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math
import random
import time

from vebus import ChargeState, DeviceState, SettingScale, SwitchState, VarScale
from vebus.ids import (
    ASSISTANT_START,
    ESS_ASSISTANT_ID,
    FLAG_SETTINGS,
    Flags0,
    Lines,
    to_signed16,
)
from vebus.protocol.variables import RawSettingInfo, RawVarInfo

from .models import (
    AC_LOAD_CURRENT,
    BATTERY_CURRENT,
    BATTERY_RIPPLE,
    BATTERY_VOLTAGE,
    IGNORE_AC_INPUT,
    INPUT_POWER,
    INVERTER_CURRENT,
    INVERTER_PERIOD,
    INVERTER_POWER,
    INVERTER_VOLTAGE,
    MAINS_CURRENT,
    MAINS_PERIOD,
    MAINS_VOLTAGE,
    OUTPUT_POWER,
    STATE_OF_CHARGE,
    UNFILTERED_OFFSET,
    DeviceModel,
    get_model,
)

# --- physics ---------------------------------------------------------------------
# LED bits (protocol.md §3.2) and alarm flags (§7.5).
LED_MAINS, LED_ABSORPTION, LED_BULK, LED_FLOAT = 0x01, 0x02, 0x04, 0x08
LED_INVERTER, LED_OVERLOAD, LED_LOW_BATTERY = 0x10, 0x20, 0x40
ALARM_LOW_BATTERY_PRE, ALARM_OVERLOAD_PRE, ALARM_LOW_BATTERY = 0x02, 0x04, 0x20
F5_STATUS_LOW_BATTERY = 0x02

SETTING_FLAGS0, SETTING_ABSORPTION, SETTING_FLOAT, SETTING_CHARGE_CURRENT = 0, 2, 3, 4
SETTING_INVERTER_VOLTAGE, SETTING_MAX_ABSORPTION = 5, 9
SETTING_LOW_BATTERY, SETTING_LOW_BATTERY_HYSTERESIS = 11, 12
SETTING_BATTERY_CAPACITY, SETTING_SOC_BULK_DONE = 64, 65

EFFICIENCY = 0.93
AC_NOMINAL = 230.0
FREQUENCY = 50.0
DEFAULT_CAPACITY = 200.0  # Ah, when the battery monitor is off
REBULK_SOC = 0.95
EMPTY_KNEE = 0.1
FULL_SOC = 0.997
EQUALISE_TIME = 3600.0
MAX_ABSORPTION_TIME = 4 * 3600.0
STORAGE_AFTER = 24 * 3600.0
_ABSORPTION_STATES = (
    ChargeState.ABSORPTION,
    ChargeState.FORCED_ABSORPTION,
    ChargeState.REPEATED_ABSORPTION,
)
_BULK_STATES = (ChargeState.BULK, ChargeState.INIT, ChargeState.BULK_STOPPED)


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def period(frequency: float) -> float:
    """Period RAM value (0.1 s time base, f = 10 / value); 0 when there is no AC."""
    return 10.0 / frequency if frequency > 0 else 0.0


@dataclass(slots=True)
class _Flow:
    """Where power goes in one step (W; battery + = charging)."""

    state: DeviceState = DeviceState.OFF
    ac_in: bool = False
    load: float = 0.0
    battery: float = 0.0
    input: float = 0.0
    output_voltage: float = 0.0


class PowerModel:
    """Moves a ``SimDevice`` through simulated time."""

    def __init__(self, device: SimDevice, rng: random.Random, soc: float) -> None:
        self._device = device
        self._rng = rng
        self.soc = clamp(soc, 0.0, 1.0)
        self.stage_time = 0.0
        self._mains_voltage = AC_NOMINAL
        self._mains_frequency = FREQUENCY
        self._load_factor = 1.0
        self._low_battery_shutdown = False
        self._was_charging = True

    # --- helpers ------------------------------------------------------------------------

    @property
    def _k(self) -> float:
        """Battery voltage relative to a 12 V system."""
        return self._device.model.nominal_voltage / 12

    def _capacity(self) -> float:
        capacity = self._device.setting(SETTING_BATTERY_CAPACITY)
        return capacity if capacity > 0 else DEFAULT_CAPACITY

    def _rest_voltage(self) -> float:
        """Open-circuit voltage: 11.9..12.8 V per 12 V, falling steeply below 10 %."""
        knee = 3.0 * max(0.0, (EMPTY_KNEE - self.soc) / EMPTY_KNEE)
        return self._k * (11.9 + 0.9 * self.soc - knee)

    def _max_charge_current(self) -> float:
        d = self._device
        return min(d.setting(SETTING_CHARGE_CURRENT), d.model.max_charge_current)

    def charge_target(self) -> tuple[float, float]:
        """(voltage, current) the charger aims for in the present stage."""
        d = self._device
        i_max = self._max_charge_current()
        state = d.charge_state
        if state in _ABSORPTION_STATES:
            return d.setting(SETTING_ABSORPTION), i_max * clamp((1 - self.soc) / 0.15, 0.02, 1.0)
        if state == ChargeState.EQUALISE:
            return d.setting(SETTING_ABSORPTION) + 0.6 * self._k, 0.1 * i_max
        if state == ChargeState.FLOAT:
            trickle = self._capacity() * 0.002 + i_max * max(0.0, 0.98 - self.soc)
            return d.setting(SETTING_FLOAT), trickle
        if state == ChargeState.STORAGE:
            return 13.2 * self._k, self._capacity() * 0.001
        rise = 1.6 * self._k * clamp((self.soc - 0.5) / 0.35, 0.0, 1.0)
        voltage = self._rest_voltage() + i_max * d.model.battery_resistance + rise
        return min(d.setting(SETTING_ABSORPTION), voltage), i_max

    def _advance_stage(self, dt: float, voltage: float) -> None:
        d = self._device
        self.stage_time += dt
        state = d.charge_state
        if state in _BULK_STATES:
            bulk_done = d.setting(SETTING_SOC_BULK_DONE) / 100
            if self.soc >= bulk_done or voltage >= d.setting(SETTING_ABSORPTION):
                d.force_charge_state(ChargeState.ABSORPTION)
        elif state in _ABSORPTION_STATES:
            limit = min(d.setting(SETTING_MAX_ABSORPTION) * 60, MAX_ABSORPTION_TIME)
            if self.soc >= FULL_SOC or self.stage_time >= limit:
                d.force_charge_state(ChargeState.FLOAT)
        elif state == ChargeState.EQUALISE:
            if self.stage_time >= EQUALISE_TIME:
                d.force_charge_state(ChargeState.FLOAT)
        elif state == ChargeState.FLOAT and self.stage_time >= STORAGE_AFTER:
            d.force_charge_state(ChargeState.STORAGE)

    def _wander(self, value: float, mean: float, spread: float, tau: float, dt: float) -> float:
        """Mean-reverting noise: stays near ``mean`` (sd ``spread``) at any time scale."""
        keep = math.exp(-dt / tau)
        return (
            mean + (value - mean) * keep + spread * math.sqrt(1 - keep * keep) * self._rng.gauss()
        )

    # --- one step -----------------------------------------------------------------------

    def step(self, dt: float) -> None:
        """Advance by ``dt`` simulated seconds and rewrite RAM, state and LEDs."""
        d = self._device
        if d.asleep:
            d.device_state = DeviceState.OFF
            d.leds = (0, 0)
            return
        self._mains_voltage = self._wander(self._mains_voltage, AC_NOMINAL, 1.0, 60.0, dt)
        self._mains_frequency = self._wander(self._mains_frequency, FREQUENCY, 0.02, 30.0, dt)
        self._load_factor = self._wander(self._load_factor, 1.0, 0.05, 120.0, dt)
        flow = self._flow()
        charging = flow.state == DeviceState.CHARGE and flow.battery > 0
        if charging and not self._was_charging and self.soc < REBULK_SOC:
            d.force_charge_state(ChargeState.BULK)
        self._was_charging = charging
        voltage, current = self._battery(flow, charging, dt)
        d.device_state = flow.state
        self._store(flow, voltage, current)
        self._show(flow, voltage)

    def _flow(self) -> _Flow:
        d = self._device
        switch = d.switch_state
        flow = _Flow()
        flow.ac_in = d.mains_present and switch in (SwitchState.ON, SwitchState.CHARGER_ONLY)
        may_invert = switch in (SwitchState.ON, SwitchState.INVERTER_ONLY)
        load = max(0.0, d.load * self._load_factor)
        if flow.ac_in:
            charger_on = not d.charging_disabled
            flow.load = load
            flow.output_voltage = self._mains_voltage
            setpoint = d.ess_setpoint if switch == SwitchState.ON else 0
            if setpoint:
                charge_max = self._max_charge_current() * self._rest_voltage()
                if not charger_on:
                    charge_max = 0.0
                flow.battery = clamp(-float(setpoint), -d.model.rated_power, charge_max)
            elif charger_on:
                voltage, current = self.charge_target()
                flow.battery = voltage * current
            assisting = self._limit_input(flow, d.current_limit * self._mains_voltage, may_invert)
            if assisting:
                flow.state = DeviceState.POWER_ASSIST
            elif flow.battery < -1:
                flow.state = DeviceState.INVERT_FULL
            elif charger_on:
                flow.state = DeviceState.CHARGE
            else:
                flow.state = DeviceState.BYPASS
            self._low_battery_shutdown = False
        elif may_invert and not self._low_battery_shutdown:
            flow.load = load
            flow.output_voltage = d.setting(SETTING_INVERTER_VOLTAGE)
            flow.battery = -load / EFFICIENCY
            flow.state = DeviceState.INVERT_FULL
        return flow

    @staticmethod
    def _input_power(flow: _Flow) -> float:
        battery = flow.battery
        return flow.load + (battery / EFFICIENCY if battery > 0 else battery * EFFICIENCY)

    def _limit_input(self, flow: _Flow, limit: float, may_invert: bool) -> bool:
        """Keep the AC input under the current limit; True when the inverter assists."""
        flow.input = self._input_power(flow)
        excess = flow.input - limit
        if excess <= 0:
            return False
        if flow.battery > 0:
            cut = min(flow.battery, excess * EFFICIENCY)
            flow.battery -= cut
            excess -= cut / EFFICIENCY
        assisting = excess > 0 and may_invert
        if assisting:
            flow.battery -= excess / EFFICIENCY
        flow.input = self._input_power(flow)
        return assisting

    def _battery(self, flow: _Flow, charging: bool, dt: float) -> tuple[float, float]:
        d = self._device
        follows_stages = charging and d.ess_setpoint == 0
        voltage = self.charge_target()[0] if follows_stages else self._rest_voltage()
        current = flow.battery / max(voltage, 1.0)
        if not follows_stages:
            voltage += current * d.model.battery_resistance
        self.soc = clamp(self.soc + current * dt / 3600 / self._capacity(), 0.0, 1.0)
        if charging:
            self._advance_stage(dt, voltage)
        low = d.setting(SETTING_LOW_BATTERY)
        if flow.state == DeviceState.INVERT_FULL and not flow.ac_in and voltage < low:
            self._low_battery_shutdown = True
        elif voltage > low + d.setting(SETTING_LOW_BATTERY_HYSTERESIS):
            self._low_battery_shutdown = False
        return voltage, current

    def _store(self, flow: _Flow, voltage: float, current: float) -> None:
        d = self._device
        mains_v = self._mains_voltage if d.mains_present else 0.0
        output_i = flow.load / flow.output_voltage if flow.output_voltage > 0 else 0.0
        mains_i = flow.input / mains_v if flow.ac_in and mains_v > 0 else 0.0
        if flow.ac_in:
            out_f = self._mains_frequency
        else:
            out_f = FREQUENCY if flow.output_voltage > 0 else 0.0
        values = {
            MAINS_VOLTAGE: mains_v,
            MAINS_CURRENT: mains_i,
            INVERTER_VOLTAGE: flow.output_voltage,
            INVERTER_CURRENT: output_i,
            BATTERY_VOLTAGE: voltage,
            BATTERY_CURRENT: current,
            BATTERY_RIPPLE: 0.02 * self._k + abs(current) * 0.0005,
            INVERTER_PERIOD: period(out_f),
            MAINS_PERIOD: period(self._mains_frequency) if d.mains_present else 0.0,
            AC_LOAD_CURRENT: output_i,
            IGNORE_AC_INPUT: 1.0 if d.mains_present and not flow.ac_in else 0.0,
            STATE_OF_CHARGE: self.soc,
        }
        powers = {
            INVERTER_POWER: flow.input - flow.load,
            INPUT_POWER: -flow.input,
            OUTPUT_POWER: flow.load,
        }
        for var, watts in powers.items():
            values[var] = round(watts)
            values[var + UNFILTERED_OFFSET] = round(watts + self._rng.gauss(0, 3))
        for var, value in values.items():
            d.store_value(var, value)
        for index, phase in enumerate(d.extra_phases):
            skew = 1.0 + 0.01 * (index + 1)
            phase.mains_voltage = d.scaled_raw(MAINS_VOLTAGE, mains_v * skew)
            phase.mains_current = d.scaled_raw(MAINS_CURRENT, mains_i)
            phase.inverter_voltage = d.scaled_raw(INVERTER_VOLTAGE, flow.output_voltage * skew)
            phase.inverter_current = d.scaled_raw(INVERTER_CURRENT, output_i)
            phase.mains_period = d.ram_raw(MAINS_PERIOD)

    def _show(self, flow: _Flow, voltage: float) -> None:
        """LEDs, alarm flags and the F5 header bytes (0x10, LED on, LED blink, status)."""
        d = self._device
        on = blink = alarms = 0
        if flow.ac_in:
            on |= LED_MAINS
        elif d.mains_present and flow.state != DeviceState.OFF:
            blink |= LED_MAINS  # present but not used (inverter only)
        if flow.state == DeviceState.CHARGE:
            on, blink = self._stage_leds(on, blink)
        if flow.state == DeviceState.INVERT_FULL:
            on |= LED_INVERTER
        elif flow.state == DeviceState.POWER_ASSIST:
            blink |= LED_INVERTER
        if flow.load > d.model.rated_power:
            blink |= LED_OVERLOAD
            alarms |= ALARM_OVERLOAD_PRE
        low = d.setting(SETTING_LOW_BATTERY)
        if self._low_battery_shutdown:
            on |= LED_LOW_BATTERY
            alarms |= ALARM_LOW_BATTERY
        elif not flow.ac_in and voltage < low + d.setting(SETTING_LOW_BATTERY_HYSTERESIS) / 2:
            blink |= LED_LOW_BATTERY
            alarms |= ALARM_LOW_BATTERY_PRE
        d.leds = (on, blink)
        d.alarms = alarms
        low_alarm = alarms & (ALARM_LOW_BATTERY | ALARM_LOW_BATTERY_PRE)
        status = F5_STATUS_LOW_BATTERY if low_alarm else 0
        d.input_config_header = bytes((0x10, on, blink, status))

    def _stage_leds(self, on: int, blink: int) -> tuple[int, int]:
        state = self._device.charge_state
        if state in _BULK_STATES:
            on |= LED_BULK
        elif state in (ChargeState.ABSORPTION, ChargeState.REPEATED_ABSORPTION):
            on |= LED_ABSORPTION
        elif state in (ChargeState.FORCED_ABSORPTION, ChargeState.EQUALISE):
            blink |= LED_BULK | LED_ABSORPTION | LED_FLOAT
        elif state == ChargeState.FLOAT:
            on |= LED_FLOAT
        elif state == ChargeState.STORAGE:
            blink |= LED_FLOAT
        return on, blink


# --- the device --------------------------------------------------------------------

MK3_VERSION = 1170212
MK2_VERSION = 1130134
H_POWER_ON_DEFAULT = 0x05  # panel detect + bit 2 (protocol.md §3.7)
ESS_TIMEOUT = 15.0  # s of simulated time after the last setpoint write
MAX_STEP = 30.0  # s, physics integration step
SETTING_BATTERY_CAPACITY = 64

# F5 switch register (protocol.md §7.4).
_REMOTE_BITS = {
    SwitchState.CHARGER_ONLY: 0x01,
    SwitchState.INVERTER_ONLY: 0x02,
    SwitchState.ON: 0x03,
}
SWITCH_FRONT_UP, SWITCH_FRONT_DOWN, SWITCH_ONBOARD_REMOTE = 0x04, 0x08, 0x40

_ASSISTANT_HEADER_INFO = RawVarInfo(1, 0)
_ASSISTANT_VAR_INFO = RawVarInfo(-1, 0)


@dataclass(slots=True)
class AcPhase:
    """Raw AC values of phases 2..n (phase 1 lives in RAM 0, 1, 2, 3 and 8)."""

    mains_voltage: int = 0
    mains_current: int = 0
    inverter_voltage: int = 0
    inverter_current: int = 0
    mains_period: int = 0


class SimDevice:
    """The simulated VE.Bus unit (or the phase-1 master of a multi-phase system) and MK3."""

    def __init__(
        self,
        model: str | DeviceModel = "multiplus-12",
        *,
        phases: int = 1,
        ess: bool = True,
        live: bool = True,
        seed: int | None = None,
        time_scale: float = 1.0,
        mk2: bool = False,
        assistants: list[tuple[int, int]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if phases not in (1, 2, 3):
            raise ValueError("phases must be 1, 2 or 3")
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.model = get_model(model)
        self.phases = phases
        self.live = live
        self.time_scale = time_scale
        self.mk2 = mk2
        self._rng = random.Random(seed)
        self._clock = clock
        self._t0 = clock()
        self._advanced = 0.0
        self._last_step = 0.0

        # MK3 interface state.
        self.interface_version = MK2_VERSION if mk2 else MK3_VERSION
        self.address: int | None = None
        self.interface_lines = H_POWER_ON_DEFAULT
        self.led_append = False
        self.combined_replies = False

        self.boots = 0  # restarts so far; the MK3 announces itself after each

        # Panel / power state.
        self.switch_state: int = SwitchState.ON
        self.front_switch_up = True
        self._panel_limit: float | None = None
        self._mains_present = True
        self._asleep = False
        self.sleep_when_off: float | None = None  # s off without standby line -> asleep
        self._off_since: float | None = None
        self.load = 350.0  # W drawn by the AC loads (live model)

        # RAM variables (raw 16-bit words) and settings.
        self._ram: dict[int, int] = dict(self.model.ram)
        self._eeprom: dict[int, int] = {
            key: self.model.setting_default(key) for key in self.model.setting_info
        }
        self._ram_settings: dict[int, int] = {}
        self.eeprom_writes: dict[int, int] = {}
        self.ram_eeprom_writes: dict[int, int] = {}
        self.rejected_writes = 0
        self.extra_phases = [
            AcPhase(
                self._ram[MAINS_VOLTAGE],
                self._ram[MAINS_CURRENT],
                self._ram[INVERTER_VOLTAGE],
                self._ram[INVERTER_CURRENT],
                self._ram[MAINS_PERIOD],
            )
            for _ in range(phases - 1)
        ]

        # What the frames carry besides RAM values (defaults: the captured frames).
        self.charge_state = ChargeState.ABSORPTION
        self.device_state = DeviceState.CHARGE
        self.leds: tuple[int, int] = (LED_MAINS, LED_BULK | LED_FLOAT)
        self.alarms = 0
        self.error_byte = 0
        self.led_extra = b"\x80\x00"
        self.dc_header = bytes.fromhex("F300C802")
        self.ac_reserved = 0xCA
        self.ac_bf_factor = 1
        self.ac_inverter_factor = 1
        self.input_config_header = bytes.fromhex("10050000")
        self.firmware = self.model.firmware
        self.firmware_remainder = self.model.firmware_remainder
        self.serial = self.model.serial
        self.snapshot: list[tuple[int, int]] | None = None

        # ESS assistant chain from RAM 128.
        if assistants is None:
            assistants = [(ESS_ASSISTANT_ID, 4)] if ess else []
        self._chain_headers: set[int] = set()
        self._chain_vars: set[int] = set()
        self.ess_setpoint_id: int | None = None
        self._ess_written_at: float | None = None
        self.set_assistants(assistants)

        soc = min(self._ram.get(STATE_OF_CHARGE, 200) / 200, 0.995)
        self.physics = PowerModel(self, self._rng, soc)
        if live:
            self.physics.step(0.0)

    # --- clock -----------------------------------------------------------------------

    def now(self) -> float:
        """Simulated seconds since the device was created."""
        real = (self._clock() - self._t0) * self.time_scale if self.live else 0.0
        return real + self._advanced

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward (and the physics with it when live)."""
        if seconds < 0:
            raise ValueError("cannot go back in time")
        self._advanced += seconds
        self.tick()

    def tick(self) -> None:
        """Bring the device up to the simulated clock: physics, ESS timeout, auto-sleep."""
        now = self.now()
        if self.live:
            while self._last_step < now:
                dt = min(MAX_STEP, now - self._last_step)
                self._last_step += dt
                self.physics.step(dt)
        self._last_step = now
        self._expire_ess(now)
        self._check_auto_sleep(now)

    def refresh(self) -> None:
        """Recompute the live state now, after a command changed an input."""
        self.tick()
        if self.live:
            self.physics.step(0.0)

    # --- power and panel -----------------------------------------------------------------

    @property
    def mains_present(self) -> bool:
        return self._mains_present

    @mains_present.setter
    def mains_present(self, present: bool) -> None:
        if present and not self._mains_present:
            self._asleep = False  # AC on the input wakes the unit and the MK3
        self._mains_present = present
        self.refresh()

    @property
    def asleep(self) -> bool:
        return self._asleep

    @asleep.setter
    def asleep(self, value: bool) -> None:
        self._asleep = value
        self._off_since = None
        if value and self.live:
            self.device_state = DeviceState.OFF

    @property
    def current_limit(self) -> float:
        """AC input current limit in force (A): the panel's ('S') or setting 6, bounded."""
        limit = self._panel_limit if self._panel_limit is not None else self.setting(6)
        return clamp(limit, self.model.input_limit_min, self.model.input_limit_max)

    @current_limit.setter
    def current_limit(self, amps: float) -> None:
        self._panel_limit = amps

    @property
    def panel_detected(self) -> bool:
        return self.mk2 or bool(self.interface_lines & Lines.PANEL_DETECT)

    @property
    def switch_register(self) -> int:
        """F5 switch register (protocol.md §7.4)."""
        remote = _REMOTE_BITS.get(SwitchState(self.switch_state), 0)
        value = SWITCH_ONBOARD_REMOTE | remote
        if self.front_switch_up:
            value |= SWITCH_FRONT_UP | remote << 4
        else:
            value |= SWITCH_FRONT_DOWN
        return value

    @property
    def input_config(self) -> int:
        """F5 AC-input config byte: input 0, limit settable, 1 input, panel detected."""
        return 0x04 | 1 << 4 | (0x80 if self.panel_detected else 0)

    def reset_interface(self) -> None:
        """The MK3 back at power-on: no address ('B'), no LED append, split replies."""
        self.address = None
        self.led_append = False
        self.combined_replies = False
        self.interface_lines = H_POWER_ON_DEFAULT

    def restart(self) -> None:
        """Reboot the VE.Bus unit: RAM-only settings, ESS setpoint and snapshot are lost.

        The MK3 draws its power from the VE.Bus, so it restarts too (``reset_interface``).
        """
        self.boots += 1
        self.reset_interface()
        self._ram_settings.clear()
        if self.ess_setpoint_id is not None:
            self._ram[self.ess_setpoint_id] = 0
        self._ess_written_at = None
        self.snapshot = None
        if self.live:
            self.charge_state = ChargeState.BULK
            self.physics.stage_time = 0.0
            self.physics.step(0.0)

    # --- RAM variables ------------------------------------------------------------------

    def ram_raw(self, var: int, unit: int = 0) -> int:
        """Raw 16-bit word of RAM ``var`` (unit 1..2 = the phase 2..3 device)."""
        self._expire_ess(self.now())
        if unit > 0 and unit <= len(self.extra_phases):
            phase = self.extra_phases[unit - 1]
            per_phase = {
                MAINS_VOLTAGE: phase.mains_voltage,
                MAINS_CURRENT: phase.mains_current,
                INVERTER_VOLTAGE: phase.inverter_voltage,
                INVERTER_CURRENT: phase.inverter_current,
                MAINS_PERIOD: phase.mains_period,
            }
            if var in per_phase:
                return per_phase[var] & 0xFFFF
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
        if var in self._chain_headers:
            return _ASSISTANT_HEADER_INFO
        if var in self._chain_vars:
            return _ASSISTANT_VAR_INFO
        if var == STATE_OF_CHARGE and not self.battery_monitor:
            return None
        return self.model.var_info.get(var)

    def ram_readable(self, var: int) -> bool:
        """0x30 answers this id (assistant RAM 128+ reads as 0 past the chain)."""
        return var >= ASSISTANT_START or self.ram_info(var) is not None

    def ram_writable(self, var: int) -> bool:
        return (
            var in self._chain_vars or var in self._chain_headers or self.ram_info(var) is not None
        )

    def write_ram(self, var: int, raw: int, *, eeprom: bool) -> None:
        """A RAM write from the bus (0x37 or 0x32+0x34); ``eeprom`` counts a stored copy."""
        self.set_ram_raw(var, raw)
        if eeprom:
            self.ram_eeprom_writes[var] = self.ram_eeprom_writes.get(var, 0) + 1
        if var == self.ess_setpoint_id:
            self._ess_written_at = self.now()
            self.refresh()

    @property
    def battery_monitor(self) -> bool:
        return self.setting_raw(SETTING_BATTERY_CAPACITY) > 0

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
        for var in self._chain_headers | self._chain_vars:
            self._ram.pop(var, None)
        self._chain_headers.clear()
        self._chain_vars.clear()
        self.ess_setpoint_id = None
        self._ess_written_at = None
        self.assistants = list(assistants)
        var = ASSISTANT_START
        for assistant, count in self.assistants:
            if not 0 < assistant < 0x1000 or not 0 <= count <= 0xF:
                raise ValueError(f"bad assistant record {(assistant, count)}")
            self._ram[var] = assistant << 4 | count
            self._chain_headers.add(var)
            self._chain_vars.update(range(var + 1, var + 1 + count))
            if assistant == ESS_ASSISTANT_ID and count and self.ess_setpoint_id is None:
                self.ess_setpoint_id = var + 1
            for follower in range(var + 1, var + 1 + count):
                self._ram[follower] = 0
            var += count + 1
        self._ram[var] = 0  # end of the chain
        self._chain_headers.add(var)

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

    def _expire_ess(self, now: float) -> None:
        if self._ess_written_at is None or self.ess_setpoint_id is None:
            return
        if now - self._ess_written_at >= ESS_TIMEOUT:
            self._ram[self.ess_setpoint_id] = 0
            self._ess_written_at = None

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
        if setting not in self._eeprom:
            raise KeyError(f"setting {setting} is not supported by {self.model.name}")
        return self._eeprom[setting]

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

    @property
    def charging_disabled(self) -> bool:
        return bool(self.setting_raw(0) & Flags0.DISABLE_CHARGE)

    # --- forced charge states, snapshot ---------------------------------------------------

    def force_charge_state(self, state: ChargeState) -> None:
        self.charge_state = state
        self.physics.stage_time = 0.0

    def take_snapshot(self, ram_ids: list[int], supported: Callable[[int], bool]) -> None:
        """F6: remember the values of the supported ids (unsupported ones are left out)."""
        self.tick()
        self.snapshot = [(var, self.ram_raw(var)) for var in ram_ids if supported(var)]

    # --- raw <-> engineering ------------------------------------------------------------

    def scaled_raw(self, var: int, value: float) -> int:
        """Raw word for ``value`` with the model's scale, clamped to what fits."""
        scale = VarScale.from_info(self.model.var_info[var])
        if scale.bit is not None:
            return scale.raw(value)
        low, high = (-0x8000, 0x7FFF) if scale.signed else (0, 0xFFFF)
        number = round(value / scale.factor) - scale.offset
        return int(clamp(number, low, high)) & 0xFFFF

    def store_value(self, var: int, value: float) -> None:
        """Physics output: set a measured RAM variable the model knows."""
        if var in self.model.var_info:
            self._ram[var] = self.scaled_raw(var, value)

    def _check_auto_sleep(self, now: float) -> None:
        off = self.switch_state == SwitchState.OFF and not self.interface_lines & Lines.STANDBY
        if self.sleep_when_off is None or not off or self._asleep:
            self._off_since = None
            return
        if self._off_since is None:
            self._off_since = now
        elif now - self._off_since >= self.sleep_when_off:
            self.asleep = True
