"""What the client returns, in engineering units (SI; null where the device gave nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Self

from ..protocol.ids import SwitchRegister


class _UnknownTolerant(IntEnum):
    """An IntEnum whose unknown values decode to a member named ``unknown``.

    A real unit sent device state 0xB7: such a value is kept, never an exception.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = "unknown"
        member._value_ = value
        return member


class SwitchState(_UnknownTolerant):
    """Remote switch positions of the 'S' command (protocol.md §3.6)."""

    CHARGER_ONLY = 1
    INVERTER_ONLY = 2
    ON = 3
    OFF = 4


class DeviceState(_UnknownTolerant):
    """Device state (AC info byte 3, 0x94 byte 0; protocol.md §7.1)."""

    DOWN = 0
    STARTUP = 1
    OFF = 2
    SLAVE = 3
    INVERT_FULL = 4
    INVERT_HALF = 5
    INVERT_AES = 6
    POWER_ASSIST = 7
    BYPASS = 8
    CHARGE = 9


class ChargeState(_UnknownTolerant):
    """Charge state (0x94 byte 1; protocol.md §7.2)."""

    INIT = 0
    BULK = 1
    ABSORPTION = 2
    FLOAT = 3
    STORAGE = 4
    REPEATED_ABSORPTION = 5
    FORCED_ABSORPTION = 6
    EQUALISE = 7
    BULK_STOPPED = 8


class VEBusErrorCode(_UnknownTolerant):
    """VE.Bus system error ('L' byte 3, low 5 bits; protocol.md §7.3)."""

    NO_ERROR = 0
    PHASE_MISSING = 1
    DEVICE_COUNT_MISMATCH = 3
    ONLY_ONE_DEVICE = 4
    AC_OUT_OVERVOLTAGE = 5
    SYNCHRONISATION = 10
    SENDING = 14
    NO_DONGLE = 16
    NEW_MASTER = 17
    OVERVOLTAGE = 18
    ACT_AS_SLAVE = 22
    SWITCH_OVER = 24
    FIRMWARE_INCOMPATIBLE = 25
    INTERNAL_ERROR = 26


class ForcedChargeState(IntEnum):
    """Requests of winmon 0x0E: inquire, or force a charge state."""

    INQUIRE = 0
    EQUALISE = 1
    ABSORPTION = 2
    FLOAT = 3


LED_NAMES = (
    "mains",
    "absorption",
    "bulk",
    "float",
    "inverter",
    "overload",
    "low_battery",
    "temperature",
)
ALARM_NAMES = (
    "temperature_prealarm",
    "low_battery_prealarm",
    "overload_prealarm",
    "ripple_prealarm",
    "temperature_alarm",
    "low_battery_alarm",
    "overload_alarm",
    "ripple_alarm",
)


class LedState(StrEnum):
    OFF = "off"
    ON = "on"
    BLINK = "blink"
    BLINK_INVERTED = "blink_inverted"


class Mode(StrEnum):
    """The four remote switch positions, as users name them."""

    ON = "on"
    CHARGER_ONLY = "charger_only"
    INVERTER_ONLY = "inverter_only"
    OFF = "off"

    @property
    def switch_state(self) -> SwitchState:
        return _MODE_TO_SWITCH[self]

    @classmethod
    def from_flags(cls, charger: bool, inverter: bool) -> Mode:
        if charger and inverter:
            return cls.ON
        if charger:
            return cls.CHARGER_ONLY
        if inverter:
            return cls.INVERTER_ONLY
        return cls.OFF

    @property
    def charger(self) -> bool:
        return self in (Mode.ON, Mode.CHARGER_ONLY)

    @property
    def inverter(self) -> bool:
        return self in (Mode.ON, Mode.INVERTER_ONLY)


_MODE_TO_SWITCH = {
    Mode.ON: SwitchState.ON,
    Mode.CHARGER_ONLY: SwitchState.CHARGER_ONLY,
    Mode.INVERTER_ONLY: SwitchState.INVERTER_ONLY,
    Mode.OFF: SwitchState.OFF,
}


@dataclass(frozen=True, slots=True)
class LedStatus:
    on: int
    blink: int
    alarms: int
    vebus_error: int

    def led(self, index: int) -> LedState:
        lit = bool(self.on >> index & 1)
        blinking = bool(self.blink >> index & 1)
        if lit and blinking:
            return LedState.BLINK_INVERTED
        if blinking:
            return LedState.BLINK
        return LedState.ON if lit else LedState.OFF

    @property
    def leds(self) -> dict[str, LedState]:
        return {name: self.led(i) for i, name in enumerate(LED_NAMES)}

    @property
    def alarm_flags(self) -> dict[str, bool]:
        return {name: bool(self.alarms >> i & 1) for i, name in enumerate(ALARM_NAMES)}


@dataclass(frozen=True, slots=True)
class DcInfo:
    """None where the value cannot be (see ``plausible``)."""

    voltage: float | None
    current: float | None  # + = charging the battery
    inverter_current: float | None
    charger_current: float | None
    frequency: float | None  # inverter frequency


@dataclass(frozen=True, slots=True)
class AcInfo:
    phase: int
    phases: int  # carried by the L1 frame only; 0 on L2..L4
    state: DeviceState
    input_voltage: float | None
    input_current: float | None
    input_frequency: float | None
    output_voltage: float | None
    output_current: float | None
    units: int = 1  # units on this phase (the frame's current factor; protocol.md §3.3)


@dataclass(frozen=True, slots=True)
class AcInputConfig:
    current_limit: float
    minimum: float
    maximum: float
    active_input: int
    inputs: int
    limit_adjustable: bool
    panel_detected: bool
    switch_register: int

    @property
    def mode(self) -> Mode:
        """Switch position in force (switch register bits 4 and 5)."""
        register = self.switch_register
        return Mode.from_flags(
            bool(register & SwitchRegister.CHARGER), bool(register & SwitchRegister.INVERTER)
        )

    @property
    def remote_generator_selected(self) -> bool:
        """Switch register bit 7 (protocol.md §7.4)."""
        return bool(self.switch_register & SwitchRegister.REMOTE_GENERATOR_SELECTED)

    @property
    def remote_mode(self) -> Mode:
        """Position of the remote switch this interface commands (bits 0 and 1)."""
        register = self.switch_register
        return Mode.from_flags(
            bool(register & SwitchRegister.REMOTE_CHARGER),
            bool(register & SwitchRegister.REMOTE_INVERTER),
        )

    @property
    def front_switch(self) -> Mode:
        """Front panel switch: up = on, down = charger only, middle = off."""
        if self.switch_register & SwitchRegister.FRONT_SWITCH_UP:
            return Mode.ON
        if self.switch_register & SwitchRegister.FRONT_SWITCH_DOWN:
            return Mode.CHARGER_ONLY
        return Mode.OFF


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    state: DeviceState
    charge_state: ChargeState


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What ``probe`` learns about the interface and the unit behind it."""

    interface_version: int
    is_mk3: bool
    firmware_version: int | None
    serial_number: str | None

    @property
    def interface_model(self) -> str:
        return "MK3" if self.is_mk3 else "MK2"
