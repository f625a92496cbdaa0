"""What an owner may switch and set on a unit: flag bits and settings, in one table each.

A flag switch owns one bit of a flags word (settings 0, 1, 60 and 61, protocol.md §6), or
two where the word keeps a pair complementary (the UPS function: bit 3, with bit 7 its
inverse). Writing it changes the bits it owns and no other. A control exists on a unit
that reports it (the setting in its setting info, the bits in the flags word's mask) and
has what the control ``needs``: a charger (not a Phoenix), AC inputs, a firmware version.
Units, steps and bounds are never here: they come from the unit's setting info.

The simulator builds its products' flag masks from this table too, so a simulated unit
never offers a bit its product could not have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntFlag

from ..protocol.ids import FLAG_SETTINGS, Flags0, Flags1, Flags2, Setting
from .product import Product, firmware_version_text

_WORD = 0xFFFF


@dataclass(frozen=True, slots=True)
class Needs:
    """What a unit must have for a control to make sense on it."""

    charger: bool = False
    ac_inputs: int = 0
    firmware: int = 0  # the lowest VE.Bus firmware version (Victron's three digits)

    def met_by(self, product: Product, ac_inputs: int | None) -> bool:
        """``ac_inputs`` as the 'F' 5 frame counts them; None (an interface without that
        frame) is taken as the one input of a MultiPlus."""
        inputs = ac_inputs if ac_inputs is not None else (1 if product.has_charger else 0)
        if self.charger and not product.has_charger:
            return False
        if inputs < self.ac_inputs:
            return False
        if self.firmware:
            if product.firmware is None:
                return False
            return int(firmware_version_text(product.firmware)) >= self.firmware
        return True


ANY = Needs()
AC_INPUT = Needs(ac_inputs=1)
CHARGER = Needs(charger=True)


@dataclass(frozen=True, slots=True)
class FlagSwitch:
    """One switch of a flags word.

    ``inverted``: the switch is on while the bit is clear (the unit's bit disables).
    ``complement``: a second bit the switch keeps the inverse of its own bit.
    ``advanced``: rarely changed (an installer's setting); ``frequent``: changed often,
    so always written RAM only, even when settings are saved permanently.
    """

    key: str
    setting_id: int
    bit: IntFlag
    inverted: bool = False
    complement: IntFlag | None = None
    needs: Needs = ANY
    advanced: bool = False
    frequent: bool = False

    @property
    def owned(self) -> int:
        """The bits this switch writes."""
        return int(self.bit) | (int(self.complement) if self.complement is not None else 0)

    def is_on(self, word: int) -> bool:
        return bool(word & self.bit) != self.inverted

    def apply(self, word: int, on: bool) -> int:
        """``word`` with this switch ``on`` or off; the bits it does not own unchanged."""
        # Plain ints: ~ of an IntFlag member keeps only the bits its class names.
        bit, set_bit = int(self.bit), on != self.inverted
        word = word & ~bit | (bit if set_bit else 0)
        if self.complement is not None:
            complement = int(self.complement)
            word = word & ~complement | (0 if set_bit else complement)
        return word & _WORD

    def supported_by(self, mask: int) -> bool:
        """The unit's mask of supported bits (the flags word's setting-info maximum)."""
        return self.owned & mask == self.owned


@dataclass(frozen=True, slots=True)
class SettingControl:
    """One setting an owner may set as a number."""

    key: str
    setting_id: int
    needs: Needs = ANY
    advanced: bool = False


F0, F1, F2 = Setting.FLAGS0, Setting.FLAGS1, Setting.FLAGS2

CHARGING_ALLOWED = FlagSwitch(
    "charging_allowed", F0, Flags0.DISABLE_CHARGE, inverted=True, needs=CHARGER, frequent=True
)
SOLAR_WIND_PRIORITY = FlagSwitch(
    "solar_wind_priority", F2, Flags2.SOLAR_WIND_PRIORITY, needs=Needs(ac_inputs=1, firmware=506)
)

# Left out on purpose: flags0 bits 0 and 1 (multi-phase system and leader: the system
# configurator's, a wrong one stops the system), bits 9, 10 and 12 (not promoted, never
# touched), flags1 bits 0..10 (virtual switch conditions, named nowhere one by one).
FLAG_SWITCHES: tuple[FlagSwitch, ...] = (
    FlagSwitch("frequency_60hz", F0, Flags0.FREQUENCY_60HZ, advanced=True),
    FlagSwitch(
        "ups_function",
        F0,
        Flags0.DISABLE_WAVE_CHECK,
        inverted=True,
        complement=Flags0.WAVE_CHECK_INVERSE,
        needs=AC_INPUT,
    ),
    FlagSwitch(
        "stop_after_10h_bulk",
        F0,
        Flags0.DO_NOT_STOP_AFTER_10H_BULK,
        inverted=True,
        needs=CHARGER,
        advanced=True,
    ),
    FlagSwitch("power_assist", F0, Flags0.POWER_ASSIST, needs=AC_INPUT),
    CHARGING_ALLOWED,
    FlagSwitch("aes", F0, Flags0.DISABLE_AES, inverted=True),
    FlagSwitch("storage_mode", F0, Flags0.ENABLE_REDUCED_FLOAT, needs=CHARGER, advanced=True),
    FlagSwitch(
        "ground_relay",
        F0,
        Flags0.DISABLE_GROUND_RELAY,
        inverted=True,
        needs=AC_INPUT,
        advanced=True,
    ),
    FlagSwitch("weak_ac_input", F0, Flags0.WEAK_AC_INPUT, needs=AC_INPUT),
    FlagSwitch(
        "remote_overrules_ac2",
        F0,
        Flags0.REMOTE_OVERRULES_AC2,
        needs=Needs(ac_inputs=2),
        advanced=True,
    ),
    FlagSwitch(
        "wide_input_frequency",
        F1,
        Flags1.ACCEPT_WIDE_INPUT_FREQUENCY,
        needs=AC_INPUT,
        advanced=True,
    ),
    FlagSwitch(
        "dynamic_current_limiter",
        F1,
        Flags1.DYNAMIC_CURRENT_LIMITER,
        needs=AC_INPUT,
        advanced=True,
    ),
    FlagSwitch("tubular_plate_curve", F1, Flags1.TUBULAR_PLATE_CURVE, needs=CHARGER, advanced=True),
    FlagSwitch(
        "remote_overrules_ac1",
        F1,
        Flags1.REMOTE_OVERRULES_AC1,
        needs=AC_INPUT,
        advanced=True,
    ),
    FlagSwitch("low_power_shutdown_in_aes", F1, Flags1.LOW_POWER_SHUTDOWN_IN_AES, advanced=True),
    FlagSwitch(
        "vs2_off_when_ac1_available",
        F2,
        Flags2.VS2_OFF_WHEN_AC1_AVAILABLE,
        needs=AC_INPUT,
        advanced=True,
    ),
    FlagSwitch("vs2_invert", F2, Flags2.VS2_INVERT, advanced=True),
    FlagSwitch("vs_sets_inverter_period", F2, Flags2.VS_SETS_INVERTER_PERIOD, advanced=True),
    SOLAR_WIND_PRIORITY,
)

S = Setting
SETTING_CONTROLS: tuple[SettingControl, ...] = (
    SettingControl("absorption_voltage", S.ABSORPTION_VOLTAGE, CHARGER),
    SettingControl("float_voltage", S.FLOAT_VOLTAGE, CHARGER),
    SettingControl("charge_current", S.CHARGE_CURRENT, CHARGER),
    SettingControl("inverter_output_voltage", S.INVERTER_OUTPUT_VOLTAGE, advanced=True),
    SettingControl("ac1_input_current_limit", S.AC_INPUT_CURRENT_LIMIT, AC_INPUT, advanced=True),
    SettingControl("ac2_input_current_limit", S.AC_INPUT_2_CURRENT_LIMIT, Needs(ac_inputs=2)),
    SettingControl("repeated_absorption_time", S.REPEATED_ABSORPTION_TIME, CHARGER, advanced=True),
    SettingControl(
        "repeated_absorption_interval", S.REPEATED_ABSORPTION_INTERVAL, CHARGER, advanced=True
    ),
    SettingControl(
        "maximum_absorption_time", S.MAXIMUM_ABSORPTION_DURATION, CHARGER, advanced=True
    ),
    SettingControl("low_battery_shutdown", S.LOW_BATTERY_SHUTDOWN, advanced=True),
    SettingControl(
        "low_battery_restart_hysteresis", S.LOW_BATTERY_RESTART_HYSTERESIS, advanced=True
    ),
    SettingControl("low_battery_prealarm_offset", S.LOW_BATTERY_PREALARM_OFFSET, advanced=True),
    SettingControl("ac_input_low_voltage", S.MAINS_VOLTAGE_LOW, AC_INPUT, advanced=True),
    SettingControl(
        "ac_input_low_voltage_hysteresis", S.MAINS_VOLTAGE_LOW_HYSTERESIS, AC_INPUT, advanced=True
    ),
    SettingControl("ac_input_high_voltage", S.MAINS_VOLTAGE_HIGH, AC_INPUT, advanced=True),
    SettingControl(
        "ac_input_high_voltage_hysteresis", S.MAINS_VOLTAGE_HIGH_HYSTERESIS, AC_INPUT, advanced=True
    ),
    SettingControl(
        "assist_current_boost_factor", S.ASSIST_CURRENT_BOOST_FACTOR, AC_INPUT, advanced=True
    ),
    SettingControl("aes_current", S.AES_CURRENT, advanced=True),
    SettingControl("aes_hysteresis", S.AES_HYSTERESIS, advanced=True),
    SettingControl("battery_capacity", S.BATTERY_CAPACITY, advanced=True),
    SettingControl("soc_when_bulk_finished", S.SOC_WHEN_BULK_FINISHED, CHARGER, advanced=True),
    SettingControl("charge_efficiency", S.CHARGE_EFFICIENCY, CHARGER, advanced=True),
)

# The battery monitor is on while the battery capacity is above 0 (protocol.md §4, RAM 13).
BATTERY_MONITOR_SETTING = S.BATTERY_CAPACITY

CONTROL_SETTINGS: tuple[int, ...] = tuple(
    dict.fromkeys(
        [
            *(flag.setting_id for flag in FLAG_SWITCHES),
            *(control.setting_id for control in SETTING_CONTROLS),
            BATTERY_MONITOR_SETTING,
        ]
    )
)


# What every unit of a system holds alike (a system runs one configuration): the settings
# of the tables, and of a flags word the bits of its switches. The rest is each unit's own
# (its place in the system: flags0 bits 0 and 1, the phase, the units connected).
SYSTEM_SETTINGS = frozenset(CONTROL_SETTINGS)


def system_bits(setting_id: int) -> int:
    """The bits of a flags word the units of a system hold alike (its switches'); every bit
    of any other setting of ``SYSTEM_SETTINGS``."""
    if setting_id not in FLAG_SETTINGS:
        return _WORD
    bits = 0
    for flag in FLAG_SWITCHES:
        if flag.setting_id == setting_id:
            bits |= flag.owned
    return bits


def flag_mask(setting_id: int, mask: int, met: Callable[[Needs], bool]) -> int:
    """``mask`` (a flags word's supported bits) with the table's bits of ``setting_id``
    that a product ``met`` does not meet the needs of taken out."""
    for flag in FLAG_SWITCHES:
        if flag.setting_id == setting_id and not met(flag.needs):
            mask &= ~flag.owned
    return mask & _WORD
