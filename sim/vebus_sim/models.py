"""Device models of the simulator: scales, settings and start-up values per product.

A model holds what a real unit reports about itself: its RAM variable info (0x36),
its setting info (0x35), its firmware version and serial number, and the raw values
it starts with. The multiplus-12 start-up values are the ones captured on real
hardware (vectors.md), so a frozen simulator reproduces those frames byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vebus.protocol.variables import RawSettingInfo, RawVarInfo

# RAM var info (protocol.md §3.5, NR dump). 0x8000 - 100 = 1/100; negative = signed.
_CENTI = RawVarInfo(32668, 0)
_SIGNED_CENTI = RawVarInfo(-32668, 0)
_SIGNED_DECI = RawVarInfo(-32758, 0)
_INVERTER_PERIOD = RawVarInfo(0x8000 - 1961, 256)  # 1/1961, offset +256
_MAINS_PERIOD = RawVarInfo(31791, 0)  # 1/977
_SOC = RawVarInfo(32568, 0)  # 1/200
_POWER = RawVarInfo(-1, 0)  # signed W
_BIT_OFFSET = -0x8000

# RAM ids of the values the model computes.
MAINS_VOLTAGE, MAINS_CURRENT, INVERTER_VOLTAGE, INVERTER_CURRENT = 0, 1, 2, 3
BATTERY_VOLTAGE, BATTERY_CURRENT, BATTERY_RIPPLE = 4, 5, 6
INVERTER_PERIOD, MAINS_PERIOD, AC_LOAD_CURRENT = 7, 8, 9
VIRTUAL_SWITCH, IGNORE_AC_INPUT, RELAY_STATE, STATE_OF_CHARGE = 10, 11, 12, 13
INVERTER_POWER, INPUT_POWER, OUTPUT_POWER = 14, 15, 16
UNFILTERED_OFFSET = 3  # 17..19 are the unfiltered 14..16


def _var_table(battery_current: RawVarInfo, virtual_switch: bool) -> dict[int, RawVarInfo]:
    table = {
        MAINS_VOLTAGE: _CENTI,
        MAINS_CURRENT: _SIGNED_CENTI,
        INVERTER_VOLTAGE: _CENTI,
        INVERTER_CURRENT: _CENTI,
        BATTERY_VOLTAGE: _CENTI,
        BATTERY_CURRENT: battery_current,
        BATTERY_RIPPLE: _CENTI,
        INVERTER_PERIOD: _INVERTER_PERIOD,
        MAINS_PERIOD: _MAINS_PERIOD,
        AC_LOAD_CURRENT: _SIGNED_CENTI,
        IGNORE_AC_INPUT: RawVarInfo(5, _BIT_OFFSET),  # bit 4
        RELAY_STATE: RawVarInfo(6, _BIT_OFFSET),  # bit 5
        STATE_OF_CHARGE: _SOC,
    }
    if virtual_switch:
        table[VIRTUAL_SWITCH] = RawVarInfo(1, 0)
    for var in range(INVERTER_POWER, OUTPUT_POWER + UNFILTERED_OFFSET + 1):
        table[var] = _POWER
    return table


def _s(scale: int, default: int, minimum: int, maximum: int, access: int = 0) -> RawSettingInfo:
    return RawSettingInfo(scale, 0, default, minimum, maximum, access)


# Settings shared by both models (NR dump of a MultiPlus-II 12/3000, protocol.md §5).
_COMMON_SETTINGS: dict[int, RawSettingInfo] = {
    1: _s(2, 19966, 0, 0xFFFF),
    5: _s(1, 230, 210, 245),
    6: _s(-10, 320, 10, 500),
    7: _s(15, 4, 1, 96),
    8: _s(360, 28, 1, 180),
    9: _s(60, 8, 1, 24),
    10: _s(1, 3, 1, 3),
    48: _s(-16, 32, 16, 80),
    60: _s(1, 0, 0, 0x00FE),
    61: _s(1, 0, 0, 0x0003),
    64: _s(1, 0, 0, 10000, 0x80),
    65: _s(-2, 170, 0, 200),
}

_SETTINGS_12V: dict[int, RawSettingInfo] = _COMMON_SETTINGS | {
    0: _s(1, 35248, 0, 28668),
    2: _s(-100, 1440, 1200, 1600),
    3: _s(-100, 1380, 1200, 1600),
    4: _s(1, 120, 0, 120),
    11: _s(-100, 930, 930, 1300, 0x80),
    12: _s(-100, 160, 25, 600),
}

_SETTINGS_48V: dict[int, RawSettingInfo] = _COMMON_SETTINGS | {
    0: _s(1, 0x89B4, 0, 0x6FFC),
    2: _s(-100, 5760, 4800, 6400),
    3: _s(-100, 5520, 4800, 6400),
    4: _s(1, 70, 0, 70),
    11: _s(-100, 3720, 3720, 5200, 0x80),
    12: _s(-100, 640, 100, 2400),
}


def _powers(inverter: int, input_: int, output: int) -> dict[int, int]:
    values = {INVERTER_POWER: inverter, INPUT_POWER: input_, OUTPUT_POWER: output}
    values |= {var + UNFILTERED_OFFSET: value for var, value in values.items()}
    return {var: value & 0xFFFF for var, value in values.items()}


@dataclass(frozen=True, slots=True)
class DeviceModel:
    """What one product reports about itself and the raw values it starts with."""

    name: str
    description: str
    nominal_voltage: float  # battery, V
    rated_power: float  # inverter, VA
    max_charge_current: float  # A, bounds the charger
    battery_resistance: float  # ohm, makes the battery voltage move with current
    firmware: int  # VE.Bus firmware (0x05/0x06), AA BB CCC = type, model, version
    firmware_remainder: bytes  # the two bytes after the u32 in the combined 0x82 reply
    serial: str
    var_info: Mapping[int, RawVarInfo]
    setting_info: Mapping[int, RawSettingInfo]
    stored_settings: Mapping[int, int]  # EEPROM values differing from the defaults
    ram: Mapping[int, int]  # raw RAM values at power-on
    input_limit_min: float  # A, F5 minimum
    input_limit_max: float  # A, F5 maximum
    # Firmware 308 and later append the access level to the combined 0x89 reply.
    access_byte: bool = field(default=True)
    # The 0x88 reply to a setting write carries a status byte (bit 0: restart needed).
    write_status: bool = False

    def setting_default(self, setting: int) -> int:
        return self.stored_settings.get(setting, self.setting_info[setting].default)


MULTIPLUS_12 = DeviceModel(
    name="multiplus-12",
    description="MultiPlus 12 V (captured unit)",
    nominal_voltage=12.0,
    rated_power=3000.0,
    max_charge_current=120.0,
    battery_resistance=0.008,
    firmware=2648304,
    firmware_remainder=b"\x07\x01",
    serial="HQ1234ABCDE",
    var_info=_var_table(_SIGNED_CENTI, virtual_switch=True),
    setting_info=_SETTINGS_12V,
    stored_settings={6: 99, 64: 200},
    ram={
        MAINS_VOLTAGE: 22698,
        MAINS_CURRENT: 171,
        INVERTER_VOLTAGE: 22698,
        INVERTER_CURRENT: 154,
        BATTERY_VOLTAGE: 1441,
        BATTERY_CURRENT: 40,
        BATTERY_RIPPLE: 2,
        INVERTER_PERIOD: 136,
        MAINS_PERIOD: 195,
        AC_LOAD_CURRENT: 154,
        STATE_OF_CHARGE: 200,
    }
    | _powers(-375, 370, 5),
    input_limit_min=9.4,
    input_limit_max=50.0,
    access_byte=False,
)

MULTIPLUS2_48 = DeviceModel(
    name="multiplus2-48",
    description="MultiPlus-II 48 V",
    nominal_voltage=48.0,
    rated_power=5000.0,
    max_charge_current=70.0,
    battery_resistance=0.03,
    firmware=2629508,
    firmware_remainder=b"\x07\x01",
    serial="HQ2241XYZ12",
    var_info=_var_table(_SIGNED_DECI, virtual_switch=False),
    setting_info=_SETTINGS_48V,
    stored_settings={6: 160, 64: 200},
    ram={
        MAINS_VOLTAGE: 22881,
        MAINS_CURRENT: 171,
        INVERTER_VOLTAGE: 22881,
        INVERTER_CURRENT: 154,
        BATTERY_VOLTAGE: 5350,
        BATTERY_CURRENT: 4,
        BATTERY_RIPPLE: 3,
        INVERTER_PERIOD: 136,
        MAINS_PERIOD: 195,
        AC_LOAD_CURRENT: 154,
        STATE_OF_CHARGE: 200,
    }
    | _powers(-375, 370, 5),
    input_limit_min=2.6,
    input_limit_max=50.0,
    write_status=True,
)

MODELS: dict[str, DeviceModel] = {m.name: m for m in (MULTIPLUS_12, MULTIPLUS2_48)}


def get_model(name: str | DeviceModel) -> DeviceModel:
    """The model called ``name``; ValueError listing the known ones otherwise."""
    if isinstance(name, DeviceModel):
        return name
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ValueError(f"unknown model {name!r}; known models: {known}") from None
