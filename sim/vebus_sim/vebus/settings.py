"""Setting info (0x35) of the simulated products, built from groups a product has or lacks.

Ids 0..12 of the 12 V and 48 V tables are the NR dump of a MultiPlus-II 12/3000
(protocol.md §5) and the values this simulator has always served. The rest were not
captured: the scales follow protocol.md §5 (volts in 0.01 V, currents in 0.1 A or A,
virtual switch times in seconds as raw - 1, setting 46 with offset +100, setting 63 with a
+0x8000 bias); defaults and bounds are plausible values for the product, not a capture.
Voltage settings are given for 12 V and multiplied for 24 V and 48 V systems. The flag
words' masks of the products without a capture follow the library's table of flag switches
(``vebus.controls``): a product has no bit its kind could not use (``product_flags``).
"""

from __future__ import annotations

from dataclasses import replace

from victron_serial.vebus import FLAG_SETTINGS, Family, Product, flag_mask
from victron_serial.vebus.protocol.ids import Setting as S
from victron_serial.vebus.protocol.variables import RawSettingInfo

RESET_NEEDED = 0x80  # access byte bit 7 (protocol.md §3.4)
# Undocumented, set by VE.Configure: the virtual switch's state-of-charge limit (TJN's
# setting list; its `write --list` asks every unit for it).
VS_SOC_LIMIT = 70

type SettingTable = dict[int, RawSettingInfo]


def _s(
    scale: int, default: int, minimum: int, maximum: int, access: int = 0, offset: int = 0
) -> RawSettingInfo:
    return RawSettingInfo(scale, offset, default, minimum, maximum, access)


def _volts(default_12v: int, min_12v: int, max_12v: int, k: int, access: int = 0) -> RawSettingInfo:
    """A battery voltage in 0.01 V, given for 12 V and scaled to a ``k`` × 12 V system."""
    return _s(-100, default_12v * k, min_12v * k, max_12v * k, access)


def _seconds(default: int) -> RawSettingInfo:
    return _s(1, default + 1, 1, 0xFFFF, offset=-1)  # value = raw - 1 (protocol.md §5)


# Flags2 bit 0 (the second virtual switch off while AC1 is there) is left out of the
# mask: a flag bit a unit does not support, for the tests of what is offered.
FLAGS2_MASK = 0x00FE


def flags(flags0: RawSettingInfo, flags2_mask: int = FLAGS2_MASK) -> SettingTable:
    """Flag registers: the maximum is the mask of supported bits (protocol.md §3.5)."""
    return {
        S.FLAGS0: flags0,
        S.FLAGS1: _s(2, 19966, 0, 0xFFFF),
        S.FLAGS2: _s(1, 0, 0, flags2_mask),
        S.FLAGS3: _s(1, 0, 0, 0x0003),
    }


def product_flags(
    table: SettingTable, family: Family, ac_inputs: int, firmware: int
) -> SettingTable:
    """``table`` with each flag word's mask cut to what the product can use: no charger
    bits on a Phoenix, no AC-input bits without an input, no bit of a newer firmware."""
    product = Product(family, None, firmware)
    masked = dict(table)
    for setting, info in table.items():
        if setting in FLAG_SETTINGS:
            mask = flag_mask(setting, info.maximum, lambda needs: needs.met_by(product, ac_inputs))
            masked[setting] = replace(info, maximum=mask)
    return masked


def inverter(k: int) -> SettingTable:
    """What every inverter has: output voltage, low battery, AES, battery monitor."""
    return {
        S.INVERTER_OUTPUT_VOLTAGE: _s(1, 230, 210, 245),
        S.LOW_BATTERY_SHUTDOWN: _volts(930, 930, 1300, k, RESET_NEEDED),
        S.LOW_BATTERY_RESTART_HYSTERESIS: _volts(160, 25, 600, k),
        S.AES_CURRENT: _s(-100, 800 // k, 0, 5000, RESET_NEEDED),
        S.AES_HYSTERESIS: _s(-100, 200 // k, 0, 2000),
        S.LOW_BATTERY_PREALARM_OFFSET: _s(
            -100, 0x8000 + 50 * k, 0x8000, 0x8000 + 300 * k, offset=-0x8000
        ),
        S.BATTERY_CAPACITY: _s(1, 0, 0, 10000, RESET_NEEDED),
    }


def charger(k: int, charge_current: int) -> SettingTable:
    """The charger's settings; a Phoenix inverter has none of them."""
    return {
        S.ABSORPTION_VOLTAGE: _volts(1440, 1200, 1600, k),
        S.FLOAT_VOLTAGE: _volts(1380, 1200, 1600, k),
        S.CHARGE_CURRENT: _s(1, charge_current, 0, charge_current),
        S.REPEATED_ABSORPTION_TIME: _s(15, 4, 1, 96),
        S.REPEATED_ABSORPTION_INTERVAL: _s(360, 28, 1, 180),
        S.MAXIMUM_ABSORPTION_DURATION: _s(60, 8, 1, 24),
        S.CHARGE_CHARACTERISTIC: _s(1, 3, 1, 3),
        S.SOC_WHEN_BULK_FINISHED: _s(-2, 170, 0, 200),
        # (raw + 1) / 256: 242 is 0.95 (the id and the scale from usersaynoso's integration)
        S.CHARGE_EFFICIENCY: _s(-256, 242, 127, 255, offset=1),
    }


def ac_input(limit: tuple[int, int, int], second_input: bool = False) -> SettingTable:
    """AC input current limit(s) in 0.1 A, acceptance window, assist boost."""
    table: SettingTable = {
        S.AC_INPUT_CURRENT_LIMIT: _s(-10, *limit),
        S.MAINS_VOLTAGE_LOW: _s(1, 180, 170, 210),
        S.MAINS_VOLTAGE_LOW_HYSTERESIS: _s(1, 7, 2, 20),
        S.MAINS_VOLTAGE_HIGH: _s(1, 165, 140, 175, offset=100),
        S.MAINS_VOLTAGE_HIGH_HYSTERESIS: _s(1, 5, 2, 15),
        S.ASSIST_CURRENT_BOOST_FACTOR: _s(-16, 32, 16, 80),
    }
    if second_input:
        table[S.AC_INPUT_2_CURRENT_LIMIT] = _s(-10, *limit)
    return table


_VS_TIMES = (
    S.VS_ON_LOAD_HIGHER_TIME,
    S.VS_ON_BATTERY_CURRENT_HIGHER_TIME,
    S.VS_ON_BATTERY_VOLTAGE_LOWER_TIME,
    *range(S.VS_ON_FAN_TIME, S.VS_ON_RIPPLE_TIME + 1),
    S.VS_OFF_LOAD_LOWER_TIME,
    S.VS_OFF_BATTERY_CURRENT_LOWER_TIME,
    S.VS_OFF_BATTERY_VOLTAGE_HIGHER_TIME,
    *range(S.VS_OFF_FAN_TIME, S.VS_OFF_MINIMUM_TIME + 1),
    S.VS_ON_SOC_TIME,
    S.VS_OFF_SOC_TIME,
)


def virtual_switch(k: int, rated_power: int) -> SettingTable:
    """The virtual switch (15..43, 62 and the undocumented 70)."""
    table: SettingTable = {time: _seconds(30) for time in _VS_TIMES}
    table |= {
        S.VS_USAGE: _s(1, 1, 0, 6),  # TJN's unit: default 1, 0..6
        S.VS_ON_LOAD_HIGHER_THAN: _s(1, rated_power // 2, 0, rated_power * 2),
        S.VS_ON_BATTERY_CURRENT_HIGHER_THAN: _s(1, 100 // k, 0, 1000),
        S.VS_ON_BATTERY_VOLTAGE_LOWER_THAN: _volts(1150, 900, 1700, k),
        S.VS_OFF_LOAD_LOWER_THAN: _s(1, rated_power // 4, 0, rated_power * 2),
        S.VS_OFF_BATTERY_CURRENT_LOWER_THAN: _s(1, 50 // k, 0, 1000),
        S.VS_OFF_BATTERY_VOLTAGE_HIGHER_THAN: _volts(1300, 900, 1700, k),
        S.VS_ON_SOC_HIGHER_THAN: _s(1, 90, 0, 100),
        S.VS_OFF_SOC_LOWER_THAN: _s(1, 50, 0, 100),
        S.VS_INVERTER_PERIOD_TIME: _s(-2500, 50000, 40000, 62500),
        VS_SOC_LIMIT: _s(1, 0, 0, 100),
    }
    return table


def ignore_ac_switch(k: int, rated_power: int) -> SettingTable:
    """The second virtual switch, which ignores the AC input (52..59)."""
    return {
        S.VS2_ON_LOAD_HIGHER_THAN: _s(1, rated_power // 2, 0, rated_power * 2),
        S.VS2_ON_LOAD_HIGHER_TIME: _seconds(30),
        S.VS2_OFF_LOAD_LOWER_THAN: _s(1, rated_power // 4, 0, rated_power * 2),
        S.VS2_OFF_LOAD_LOWER_TIME: _seconds(30),
        S.VS2_ON_BATTERY_VOLTAGE_LOWER_THAN: _volts(1150, 900, 1700, k),
        S.VS2_ON_BATTERY_VOLTAGE_LOWER_TIME: _seconds(30),
        S.VS2_OFF_BATTERY_VOLTAGE_HIGHER_THAN: _volts(1300, 900, 1700, k),
        S.VS2_OFF_BATTERY_VOLTAGE_HIGHER_TIME: _seconds(30),
    }
