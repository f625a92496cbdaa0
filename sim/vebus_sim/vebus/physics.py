"""The small physical model that moves a live unit through simulated time.

Mode, current limit, mains, load and the ESS setpoint drive the power flow; the charger
walks bulk -> absorption -> float (-> storage) and the battery charges or drains. Every
result lands in the unit's RAM variables, LEDs, alarms and F5 header bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import random
from typing import Protocol

from victron_serial.vebus import ChargeState, DeviceState, SwitchState
from victron_serial.vebus.protocol.ids import Alarm, Led, Setting

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
)

F5_STATUS_LOW_BATTERY = 0x02  # F5 header byte 3 (protocol.md §3.3)

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


class PoweredUnit(Protocol):
    """What the physics reads of a unit and writes to it (``unit.SimUnit``)."""

    model: DeviceModel
    load: float  # W drawn by the unit's AC loads
    charge_state: ChargeState
    device_state: int
    leds: tuple[int, int]
    alarms: int
    input_config_header: bytes

    @property
    def switch_state(self) -> int: ...

    @property
    def mains_present(self) -> bool: ...

    @property
    def asleep(self) -> bool: ...

    @property
    def charging_disabled(self) -> bool: ...

    @property
    def ess_setpoint(self) -> int: ...

    @property
    def unit_current_limit(self) -> float: ...

    def setting(self, setting: int) -> float: ...

    def force_charge_state(self, state: ChargeState) -> None: ...

    def store_value(self, var: int, value: float) -> None: ...


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
    """Moves a unit through simulated time."""

    def __init__(self, device: PoweredUnit, rng: random.Random, soc: float) -> None:
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
        capacity = self._device.setting(Setting.BATTERY_CAPACITY)
        return capacity if capacity > 0 else DEFAULT_CAPACITY

    def _rest_voltage(self) -> float:
        """Open-circuit voltage: 11.9..12.8 V per 12 V, falling steeply below 10 %."""
        knee = 3.0 * max(0.0, (EMPTY_KNEE - self.soc) / EMPTY_KNEE)
        return self._k * (11.9 + 0.9 * self.soc - knee)

    def _max_charge_current(self) -> float:
        d = self._device
        return min(d.setting(Setting.CHARGE_CURRENT), d.model.max_charge_current)

    def charge_target(self) -> tuple[float, float]:
        """(voltage, current) the charger aims for in the present stage."""
        d = self._device
        i_max = self._max_charge_current()
        state = d.charge_state
        if state in _ABSORPTION_STATES:
            return d.setting(Setting.ABSORPTION_VOLTAGE), i_max * clamp(
                (1 - self.soc) / 0.15, 0.02, 1.0
            )
        if state == ChargeState.EQUALISE:
            return d.setting(Setting.ABSORPTION_VOLTAGE) + 0.6 * self._k, 0.1 * i_max
        if state == ChargeState.FLOAT:
            trickle = self._capacity() * 0.002 + i_max * max(0.0, 0.98 - self.soc)
            return d.setting(Setting.FLOAT_VOLTAGE), trickle
        if state == ChargeState.STORAGE:
            return 13.2 * self._k, self._capacity() * 0.001
        rise = 1.6 * self._k * clamp((self.soc - 0.5) / 0.35, 0.0, 1.0)
        voltage = self._rest_voltage() + i_max * d.model.battery_resistance + rise
        return min(d.setting(Setting.ABSORPTION_VOLTAGE), voltage), i_max

    def _advance_stage(self, dt: float, voltage: float) -> None:
        d = self._device
        self.stage_time += dt
        state = d.charge_state
        if state in _BULK_STATES:
            bulk_done = d.setting(Setting.SOC_WHEN_BULK_FINISHED) / 100
            if self.soc >= bulk_done or voltage >= d.setting(Setting.ABSORPTION_VOLTAGE):
                d.force_charge_state(ChargeState.ABSORPTION)
        elif state in _ABSORPTION_STATES:
            limit = min(d.setting(Setting.MAXIMUM_ABSORPTION_DURATION) * 60, MAX_ABSORPTION_TIME)
            # A forced absorption is held for the absorption time, however full the battery.
            full = self.soc >= FULL_SOC and state != ChargeState.FORCED_ABSORPTION
            if full or self.stage_time >= limit:
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
            assisting = self._limit_input(
                flow, d.unit_current_limit * self._mains_voltage, may_invert
            )
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
            flow.output_voltage = d.setting(Setting.INVERTER_OUTPUT_VOLTAGE)
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
        low = d.setting(Setting.LOW_BATTERY_SHUTDOWN)
        if flow.state == DeviceState.INVERT_FULL and not flow.ac_in and voltage < low:
            self._low_battery_shutdown = True
        elif voltage > low + d.setting(Setting.LOW_BATTERY_RESTART_HYSTERESIS):
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

    def _show(self, flow: _Flow, voltage: float) -> None:
        """LEDs, alarm flags and the F5 header bytes (0x10, LED on, LED blink, status)."""
        d = self._device
        on = blink = alarms = 0
        if flow.ac_in:
            on |= Led.MAINS
        elif d.mains_present and flow.state != DeviceState.OFF:
            blink |= Led.MAINS  # present but not used (inverter only)
        if flow.state == DeviceState.CHARGE:
            on, blink = self._stage_leds(on, blink)
        if flow.state == DeviceState.INVERT_FULL:
            on |= Led.INVERTER
        elif flow.state == DeviceState.POWER_ASSIST:
            blink |= Led.INVERTER
        if flow.load > d.model.rated_power:
            blink |= Led.OVERLOAD
            alarms |= Alarm.OVERLOAD_PREALARM
        low = d.setting(Setting.LOW_BATTERY_SHUTDOWN)
        if self._low_battery_shutdown:
            on |= Led.LOW_BATTERY
            alarms |= Alarm.LOW_BATTERY_ALARM
        elif (
            not flow.ac_in and voltage < low + d.setting(Setting.LOW_BATTERY_RESTART_HYSTERESIS) / 2
        ):
            blink |= Led.LOW_BATTERY
            alarms |= Alarm.LOW_BATTERY_PREALARM
        d.leds = (on, blink)
        d.alarms = alarms
        low_alarm = alarms & (Alarm.LOW_BATTERY_ALARM | Alarm.LOW_BATTERY_PREALARM)
        status = F5_STATUS_LOW_BATTERY if low_alarm else 0
        d.input_config_header = bytes((0x10, on, blink, status))

    def _stage_leds(self, on: int, blink: int) -> tuple[int, int]:
        state = self._device.charge_state
        if state in _BULK_STATES:
            on |= Led.BULK
        elif state in (ChargeState.ABSORPTION, ChargeState.REPEATED_ABSORPTION):
            on |= Led.ABSORPTION
        elif state in (ChargeState.FORCED_ABSORPTION, ChargeState.EQUALISE):
            blink |= Led.BULK | Led.ABSORPTION | Led.FLOAT
        elif state == ChargeState.FLOAT:
            on |= Led.FLOAT
        elif state == ChargeState.STORAGE:
            blink |= Led.FLOAT
        return on, blink
