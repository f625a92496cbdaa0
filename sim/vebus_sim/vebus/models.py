"""Device models of the simulator: scales, settings and start-up values per product.

A model holds what a real unit reports about itself: its RAM variable info (0x36),
its setting info (0x35, from ``settings``), its firmware version and serial number, its
AC inputs and the raw values it starts with. The multiplus-12 start-up values are the
ones captured on real hardware (vectors.md), so a frozen simulator reproduces those
frames byte for byte; the other products' start-up values are plausible, not captured.

Firmware numbers are AA BB CCC (protocol.md §3.4): the version CCC decides what the unit
sends (the access byte of a combined 0x89 from 308 on); the firmware type AA BB is the
product id that names the model (vebus/device/product_ids.py), that of the model each simulates,
except the captured multiplus-12's (the vectors') and the Phoenix's (no list names it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from victron_serial.vebus import DeviceState
from victron_serial.vebus.device.product import family_of
from victron_serial.vebus.protocol.ids import Flags0, Flags2, Led
from victron_serial.vebus.protocol.variables import RawSettingInfo, RawVarInfo

from .settings import (
    FLAGS2_MASK,
    SettingTable,
    ac_input,
    charger,
    flags,
    ignore_ac_switch,
    inverter,
    product_flags,
    virtual_switch,
)

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


def _var_table(
    battery_current: RawVarInfo, *, virtual_switch: bool, ac_input: bool = True
) -> dict[int, RawVarInfo]:
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
    if not ac_input:  # an inverter without AC input keeps the AC frame's mains fields
        for var in (IGNORE_AC_INPUT, INPUT_POWER, INPUT_POWER + UNFILTERED_OFFSET):
            del table[var]
    return table


def _powers(inverter: int, input_: int, output: int) -> dict[int, int]:
    values = {INVERTER_POWER: inverter, INPUT_POWER: input_, OUTPUT_POWER: output}
    values |= {var + UNFILTERED_OFFSET: value for var, value in values.items()}
    return {var: value & 0xFFFF for var, value in values.items()}


ACCESS_BYTE_FIRMWARE = 308  # combined 0x89 replies carry the access level from here on
_CAPTURED_LEDS = (Led.MAINS, Led.BULK | Led.FLOAT)  # vectors #11


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
    # The 0x88 reply to a setting write carries a status byte (bit 0: restart needed).
    write_status: bool = False
    ac_inputs: int = 1  # 2 on a Quattro, 0 on a Phoenix inverter (which has no charger)
    start_state: int = DeviceState.CHARGE  # what a frozen unit shows (vectors #18)
    start_leds: tuple[int, int] = field(default=_CAPTURED_LEDS)

    def __post_init__(self) -> None:
        # No flag bit its kind of product could not use (settings.product_flags).
        table = product_flags(
            dict(self.setting_info), family_of(self.ac_inputs), self.ac_inputs, self.firmware
        )
        object.__setattr__(self, "setting_info", table)

    @property
    def firmware_version(self) -> int:
        return self.firmware % 1000

    @property
    def access_byte(self) -> bool:
        return self.firmware_version >= ACCESS_BYTE_FIRMWARE

    @property
    def has_charger(self) -> bool:
        return self.ac_inputs > 0

    def setting_default(self, setting: int) -> int:
        return self.stored_settings.get(setting, self.setting_info[setting].default)


def _multi_settings(k: int, flags0: RawSettingInfo, charge: int, power: int) -> SettingTable:
    """A MultiPlus: inverter, charger, one AC input, both virtual switches."""
    return (
        flags(flags0)
        | inverter(k)
        | charger(k, charge)
        | ac_input((320, 10, 500))
        | virtual_switch(k, power)
        | ignore_ac_switch(k, power)
    )


_FLAGS0_12V = RawSettingInfo(1, 0, 35248, 0, 28668, 0)  # NR dump
_FLAGS0_48V = RawSettingInfo(1, 0, 0x89B4, 0, 0x6FFC, 0)  # vectors #67
# Not captured: a Quattro's flags0 has the second input's bit 15 too.
_FLAGS0_QUATTRO = RawSettingInfo(1, 0, 0x89B4, 0, 0x6FFC | Flags0.REMOTE_OVERRULES_AC2, 0)
# Firmware 506 and later: flags2 bit 9, Solar & Wind priority (protocol.md §6).
_FLAGS2_506 = FLAGS2_MASK | Flags2.SOLAR_WIND_PRIORITY

MULTIPLUS_12 = DeviceModel(
    name="multiplus-12",
    description="MultiPlus 12/3000 (captured unit; firmware 304: no access byte)",
    nominal_voltage=12.0,
    rated_power=3000.0,
    max_charge_current=120.0,
    battery_resistance=0.008,
    # Vectors #38-42 (replayed byte for byte). Its type, 2648, is a Quattro 24 V's product
    # id in Victron's list: the model is then what the frames tell, "MultiPlus 12 V".
    firmware=2648304,
    firmware_remainder=b"\x07\x01",
    serial="HQ1234ABCDE",
    var_info=_var_table(_SIGNED_CENTI, virtual_switch=True),
    setting_info=_multi_settings(1, _FLAGS0_12V, 120, 3000),
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
)

MULTIPLUS_24 = DeviceModel(
    name="multiplus-24",
    description="MultiPlus 24/3000/70-50 (firmware 415: access byte, no 0x88 status)",
    nominal_voltage=24.0,
    rated_power=3000.0,
    max_charge_current=70.0,
    battery_resistance=0.016,
    firmware=2610415,
    firmware_remainder=b"\x07\x01",
    serial="HQ1921MP24A",
    var_info=_var_table(_SIGNED_CENTI, virtual_switch=True),
    setting_info=_multi_settings(2, _FLAGS0_12V, 70, 3000),
    stored_settings={6: 160, 64: 200},
    ram={
        MAINS_VOLTAGE: 23012,
        MAINS_CURRENT: 205,
        INVERTER_VOLTAGE: 23012,
        INVERTER_CURRENT: 152,
        BATTERY_VOLTAGE: 2734,
        BATTERY_CURRENT: 420,
        BATTERY_RIPPLE: 4,
        INVERTER_PERIOD: 136,
        MAINS_PERIOD: 195,
        AC_LOAD_CURRENT: 152,
        STATE_OF_CHARGE: 180,
    }
    | _powers(120, -470, 350),
    input_limit_min=3.0,
    input_limit_max=50.0,
)

MULTIPLUS2_48 = DeviceModel(
    name="multiplus2-48",
    description="MultiPlus-II 48/5000/70-50 (firmware 508: access byte, 0x88 status)",
    nominal_voltage=48.0,
    rated_power=5000.0,
    max_charge_current=70.0,
    battery_resistance=0.03,
    firmware=2623508,
    firmware_remainder=b"\x07\x01",
    serial="HQ2241XYZ12",
    # RAM 10 has no info on a MultiPlus-II (NR dump), its virtual switch settings do.
    var_info=_var_table(_SIGNED_DECI, virtual_switch=False),
    setting_info=_multi_settings(4, _FLAGS0_48V, 70, 5000) | flags(_FLAGS0_48V, _FLAGS2_506),
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

QUATTRO_48 = DeviceModel(
    name="quattro-48",
    description="Quattro 48/5000/70-2x100: two AC inputs (firmware 465: access byte)",
    nominal_voltage=48.0,
    rated_power=5000.0,
    max_charge_current=70.0,
    battery_resistance=0.03,
    firmware=2658465,
    firmware_remainder=b"\x07\x01",
    serial="HQ2033QUA48",
    var_info=_var_table(_SIGNED_DECI, virtual_switch=True),
    setting_info=flags(_FLAGS0_QUATTRO)
    | inverter(4)
    | charger(4, 70)
    | ac_input((1000, 10, 1000), second_input=True)
    | virtual_switch(4, 5000)
    | ignore_ac_switch(4, 5000),
    stored_settings={6: 320, 49: 160, 64: 400},
    ram={
        MAINS_VOLTAGE: 23105,
        MAINS_CURRENT: 1420,
        INVERTER_VOLTAGE: 23105,
        INVERTER_CURRENT: 610,
        BATTERY_VOLTAGE: 5512,
        BATTERY_CURRENT: 350,
        BATTERY_RIPPLE: 5,
        INVERTER_PERIOD: 136,
        MAINS_PERIOD: 195,
        AC_LOAD_CURRENT: 610,
        STATE_OF_CHARGE: 170,
    }
    | _powers(1950, -3280, 1400),
    input_limit_min=2.6,
    input_limit_max=100.0,
    ac_inputs=2,
)

PHOENIX_24 = DeviceModel(
    name="phoenix-24",
    description="Phoenix Inverter 24/3000: no charger, no AC input (firmware 420)",
    nominal_voltage=24.0,
    rated_power=3000.0,
    max_charge_current=0.0,
    battery_resistance=0.016,
    firmware=2415420,
    firmware_remainder=b"\x07\x01",
    serial="HQ2105PHX24",
    var_info=_var_table(_SIGNED_DECI, virtual_switch=True, ac_input=False),
    setting_info=flags(_FLAGS0_12V) | inverter(2) | virtual_switch(2, 3000),
    stored_settings={64: 200},
    ram={
        INVERTER_VOLTAGE: 23000,
        INVERTER_CURRENT: 152,
        BATTERY_VOLTAGE: 2580,
        BATTERY_CURRENT: -150,
        BATTERY_RIPPLE: 6,
        INVERTER_PERIOD: 136,
        AC_LOAD_CURRENT: 152,
        STATE_OF_CHARGE: 150,
        INVERTER_POWER: -375 & 0xFFFF,
        INVERTER_POWER + UNFILTERED_OFFSET: -375 & 0xFFFF,
        OUTPUT_POWER: 350,
        OUTPUT_POWER + UNFILTERED_OFFSET: 350,
    },
    input_limit_min=0.0,
    input_limit_max=0.0,
    ac_inputs=0,
    start_state=DeviceState.INVERT_FULL,
    start_leds=(Led.INVERTER, 0),
)

MODELS: dict[str, DeviceModel] = {
    m.name: m for m in (MULTIPLUS_12, MULTIPLUS_24, MULTIPLUS2_48, QUATTRO_48, PHOENIX_24)
}


def get_model(name: str | DeviceModel) -> DeviceModel:
    """The model called ``name``; ValueError listing the known ones otherwise."""
    if isinstance(name, DeviceModel):
        return name
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ValueError(f"unknown model {name!r}; known models: {known}") from None
