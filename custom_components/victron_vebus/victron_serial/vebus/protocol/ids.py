"""Ids of RAM variables and settings, LED, alarm and flag bits: each fact defined once.

Names follow protocol.md §4-§7. Scales are never here: they come from the unit (§3.5).
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

MK3_VERSION_THRESHOLD = 1170000  # 'V' versions 113xxxx are MK2s, 117xxxx MK3s (§3.1)
ASSISTANT_START = 128  # the first RAM id of the assistant records (§8)
ESS_ASSISTANT_ID = 5


def to_signed16(raw: int) -> int:
    """A 16-bit word read as two's complement."""
    raw &= 0xFFFF
    return raw - 0x10000 if raw >= 0x8000 else raw


class RamVar(IntEnum):
    """RAM variables (protocol.md §4)."""

    MAINS_VOLTAGE = 0
    MAINS_CURRENT = 1
    INVERTER_VOLTAGE = 2
    INVERTER_CURRENT = 3  # the info says unsigned; the value goes negative (J9)
    BATTERY_VOLTAGE = 4
    BATTERY_CURRENT = 5
    BATTERY_RIPPLE = 6
    INVERTER_PERIOD = 7
    MAINS_PERIOD = 8
    AC_LOAD_CURRENT = 9
    VIRTUAL_SWITCH_POSITION = 10
    IGNORE_AC_INPUT = 11
    MULTIFUNCTION_RELAY = 12
    STATE_OF_CHARGE = 13  # only with the battery monitor on (battery capacity > 0)
    INVERTER_POWER = 14  # + = AC to DC (charging)
    INPUT_POWER = 15  # + = fed into AC-in; the documentation repeats 14's text here
    OUTPUT_POWER = 16
    INVERTER_POWER_UNFILTERED = 17
    INPUT_POWER_UNFILTERED = 18
    OUTPUT_POWER_UNFILTERED = 19
    BATTERY_TEMPERATURE = 21  # undocumented (TJN)


class Setting(IntEnum):
    """Settings (protocol.md §5)."""

    FLAGS0 = 0
    FLAGS1 = 1
    ABSORPTION_VOLTAGE = 2
    FLOAT_VOLTAGE = 3
    CHARGE_CURRENT = 4
    INVERTER_OUTPUT_VOLTAGE = 5
    AC_INPUT_CURRENT_LIMIT = 6
    REPEATED_ABSORPTION_TIME = 7
    REPEATED_ABSORPTION_INTERVAL = 8
    MAXIMUM_ABSORPTION_DURATION = 9
    CHARGE_CHARACTERISTIC = 10
    LOW_BATTERY_SHUTDOWN = 11
    LOW_BATTERY_RESTART_HYSTERESIS = 12
    SLAVES_CONNECTED = 13
    THREE_PHASE_SETTING = 14
    VS_USAGE = 15
    VS_ON_LOAD_HIGHER_THAN = 16
    VS_ON_LOAD_HIGHER_TIME = 17
    VS_ON_BATTERY_CURRENT_HIGHER_THAN = 18
    VS_ON_BATTERY_CURRENT_HIGHER_TIME = 19
    VS_ON_BATTERY_VOLTAGE_LOWER_THAN = 20
    VS_ON_BATTERY_VOLTAGE_LOWER_TIME = 21
    VS_ON_FAN_TIME = 22
    VS_ON_TEMPERATURE_TIME = 23
    VS_ON_LOW_BATTERY_TIME = 24
    VS_ON_OVERLOAD_TIME = 25
    VS_ON_RIPPLE_TIME = 26
    VS_OFF_LOAD_LOWER_THAN = 27
    VS_OFF_LOAD_LOWER_TIME = 28
    VS_OFF_BATTERY_CURRENT_LOWER_THAN = 29
    VS_OFF_BATTERY_CURRENT_LOWER_TIME = 30
    VS_OFF_BATTERY_VOLTAGE_HIGHER_THAN = 31
    VS_OFF_BATTERY_VOLTAGE_HIGHER_TIME = 32
    VS_OFF_FAN_TIME = 33
    VS_OFF_TEMPERATURE_TIME = 34
    VS_OFF_LOW_BATTERY_TIME = 35
    VS_OFF_OVERLOAD_TIME = 36
    VS_OFF_RIPPLE_TIME = 37
    VS_ON_MINIMUM_TIME = 38
    VS_OFF_MINIMUM_TIME = 39
    VS_ON_SOC_HIGHER_THAN = 40
    VS_OFF_SOC_LOWER_THAN = 41
    VS_ON_SOC_TIME = 42
    VS_OFF_SOC_TIME = 43
    MAINS_VOLTAGE_LOW = 44
    MAINS_VOLTAGE_LOW_HYSTERESIS = 45
    MAINS_VOLTAGE_HIGH = 46
    MAINS_VOLTAGE_HIGH_HYSTERESIS = 47
    ASSIST_CURRENT_BOOST_FACTOR = 48
    AC_INPUT_2_CURRENT_LIMIT = 49  # Quattro only
    AES_CURRENT = 50
    AES_HYSTERESIS = 51
    VS2_ON_LOAD_HIGHER_THAN = 52
    VS2_ON_LOAD_HIGHER_TIME = 53
    VS2_OFF_LOAD_LOWER_THAN = 54
    VS2_OFF_LOAD_LOWER_TIME = 55
    VS2_ON_BATTERY_VOLTAGE_LOWER_THAN = 56
    VS2_ON_BATTERY_VOLTAGE_LOWER_TIME = 57
    VS2_OFF_BATTERY_VOLTAGE_HIGHER_THAN = 58
    VS2_OFF_BATTERY_VOLTAGE_HIGHER_TIME = 59
    FLAGS2 = 60
    FLAGS3 = 61
    VS_INVERTER_PERIOD_TIME = 62
    LOW_BATTERY_PREALARM_OFFSET = 63
    BATTERY_CAPACITY = 64  # 0 = battery monitor off
    SOC_WHEN_BULK_FINISHED = 65
    CHARGE_EFFICIENCY = 72  # the battery monitor's; id from usersaynoso's integration [U]


# Read as signed whatever the unit's variable info says: units (the MultiPlus-II) report
# them unsigned while the value goes negative, and the AC frames carry them signed (J9).
SIGNED_RAM = frozenset({RamVar.MAINS_CURRENT, RamVar.INVERTER_CURRENT})

FLAG_SETTINGS = frozenset({Setting.FLAGS0, Setting.FLAGS1, Setting.FLAGS2, Setting.FLAGS3})

# Units of the values, as the scales from the unit give them.
RAM_UNITS: dict[int, str] = {
    RamVar.MAINS_VOLTAGE: "V",
    RamVar.MAINS_CURRENT: "A",
    RamVar.INVERTER_VOLTAGE: "V",
    RamVar.INVERTER_CURRENT: "A",
    RamVar.BATTERY_VOLTAGE: "V",
    RamVar.BATTERY_CURRENT: "A",
    RamVar.BATTERY_RIPPLE: "V",
    RamVar.INVERTER_PERIOD: "s",
    RamVar.MAINS_PERIOD: "s",
    RamVar.AC_LOAD_CURRENT: "A",
    RamVar.INVERTER_POWER: "W",
    RamVar.INPUT_POWER: "W",
    RamVar.OUTPUT_POWER: "W",
    RamVar.INVERTER_POWER_UNFILTERED: "W",
    RamVar.INPUT_POWER_UNFILTERED: "W",
    RamVar.OUTPUT_POWER_UNFILTERED: "W",
    RamVar.BATTERY_TEMPERATURE: "°C",
}
SETTING_UNITS: dict[int, str] = {
    Setting.ABSORPTION_VOLTAGE: "V",
    Setting.FLOAT_VOLTAGE: "V",
    Setting.CHARGE_CURRENT: "A",
    Setting.INVERTER_OUTPUT_VOLTAGE: "V",
    Setting.AC_INPUT_CURRENT_LIMIT: "A",
    Setting.REPEATED_ABSORPTION_TIME: "min",
    Setting.REPEATED_ABSORPTION_INTERVAL: "min",
    Setting.MAXIMUM_ABSORPTION_DURATION: "min",
    Setting.LOW_BATTERY_SHUTDOWN: "V",
    Setting.LOW_BATTERY_RESTART_HYSTERESIS: "V",
    Setting.MAINS_VOLTAGE_LOW: "V",
    Setting.MAINS_VOLTAGE_LOW_HYSTERESIS: "V",
    Setting.MAINS_VOLTAGE_HIGH: "V",
    Setting.MAINS_VOLTAGE_HIGH_HYSTERESIS: "V",
    Setting.AC_INPUT_2_CURRENT_LIMIT: "A",
    Setting.AES_CURRENT: "A",
    Setting.AES_HYSTERESIS: "A",
    Setting.LOW_BATTERY_PREALARM_OFFSET: "V",
    Setting.BATTERY_CAPACITY: "Ah",
    Setting.SOC_WHEN_BULK_FINISHED: "%",
}

# The power snapshot: inverter, input and output power taken at one instant.
SNAPSHOT_POWER_IDS = (RamVar.INVERTER_POWER, RamVar.INPUT_POWER, RamVar.OUTPUT_POWER)


class Led(IntFlag):
    """LED bits of 'L' and of the AC-input configuration frame (protocol.md §3.2)."""

    MAINS = 0x01
    ABSORPTION = 0x02
    BULK = 0x04
    FLOAT = 0x08
    INVERTER = 0x10
    OVERLOAD = 0x20
    LOW_BATTERY = 0x40
    TEMPERATURE = 0x80


class Alarm(IntFlag):
    """Alarm flags, 'L' byte 2 (protocol.md §7.5)."""

    TEMPERATURE_PREALARM = 0x01
    LOW_BATTERY_PREALARM = 0x02
    OVERLOAD_PREALARM = 0x04
    RIPPLE_PREALARM = 0x08
    TEMPERATURE_ALARM = 0x10
    LOW_BATTERY_ALARM = 0x20
    OVERLOAD_ALARM = 0x40
    RIPPLE_ALARM = 0x80


class Flags0(IntFlag):
    """Setting 0 (protocol.md §6). Bit 7 must stay the inverse of bit 3."""

    MULTI_PHASE_SYSTEM = 1 << 0
    MULTI_PHASE_LEADER = 1 << 1
    FREQUENCY_60HZ = 1 << 2
    DISABLE_WAVE_CHECK = 1 << 3  # the UPS function off
    DO_NOT_STOP_AFTER_10H_BULK = 1 << 4
    POWER_ASSIST = 1 << 5
    DISABLE_CHARGE = 1 << 6
    WAVE_CHECK_INVERSE = 1 << 7  # always the inverse of DISABLE_WAVE_CHECK
    DISABLE_AES = 1 << 8
    ENABLE_REDUCED_FLOAT = 1 << 11
    DISABLE_GROUND_RELAY = 1 << 13
    WEAK_AC_INPUT = 1 << 14
    REMOTE_OVERRULES_AC2 = 1 << 15


class Flags1(IntFlag):
    """Setting 1 (protocol.md §6); bits 0-10 are virtual switch conditions."""

    ACCEPT_WIDE_INPUT_FREQUENCY = 1 << 11
    DYNAMIC_CURRENT_LIMITER = 1 << 12
    TUBULAR_PLATE_CURVE = 1 << 13
    REMOTE_OVERRULES_AC1 = 1 << 14
    LOW_POWER_SHUTDOWN_IN_AES = 1 << 15


class Flags2(IntFlag):
    """Setting 60 (protocol.md §6)."""

    VS2_OFF_WHEN_AC1_AVAILABLE = 1 << 0
    VS2_INVERT = 1 << 1
    VS_SETS_INVERTER_PERIOD = 1 << 2
    SOLAR_WIND_PRIORITY = 1 << 9  # firmware 506 and later (protocol.md §6)


class SwitchRegister(IntFlag):
    """The switch register of the AC-input configuration frame (protocol.md §7.4)."""

    REMOTE_CHARGER = 0x01
    REMOTE_INVERTER = 0x02
    FRONT_SWITCH_UP = 0x04
    FRONT_SWITCH_DOWN = 0x08
    CHARGER = 0x10
    INVERTER = 0x20
    ONBOARD_REMOTE_INVERTER_SWITCH = 0x40
    REMOTE_GENERATOR_SELECTED = 0x80


class Lines(IntFlag):
    """The MK3's interface lines ('H', protocol.md §3.7)."""

    PANEL_DETECT = 0x01
    STANDBY = 0x02


def ram_name(item_id: int) -> str:
    """``battery_voltage`` for 4; ``ram_22`` for an id with no name."""
    try:
        return RamVar(item_id).name.lower()
    except ValueError:
        return f"ram_{item_id}"


def setting_name(item_id: int) -> str:
    """``absorption_voltage`` for 2; ``setting_70`` for an id with no name."""
    try:
        return Setting(item_id).name.lower()
    except ValueError:
        return f"setting_{item_id}"


def _lookup(key: str | int, names: type[IntEnum], what: str) -> int:
    if isinstance(key, int):
        return key
    text = key.strip().lower()
    if text.isdigit():
        return int(text)
    try:
        return int(names[text.upper()])
    except KeyError:
        raise KeyError(f"unknown {what} {key!r}") from None


def ram_id(key: str | int) -> int:
    """RAM variable id from an id or a name; KeyError for an unknown name."""
    return _lookup(key, RamVar, "RAM variable")


def setting_id(key: str | int) -> int:
    """Setting id from an id or a name; KeyError for an unknown name."""
    return _lookup(key, Setting, "setting")
