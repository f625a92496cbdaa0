"""Names of RAM variables and settings (protocol.md §4, §5). Scales are never here:
they come from the device."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Item:
    item_id: int
    name: str
    unit: str | None = None


RAM_VARS: tuple[Item, ...] = (
    Item(0, "mains_voltage", "V"),
    Item(1, "mains_current", "A"),
    Item(2, "inverter_voltage", "V"),
    Item(3, "inverter_current", "A"),
    Item(4, "battery_voltage", "V"),
    Item(5, "battery_current", "A"),
    Item(6, "battery_ripple", "V"),
    Item(7, "inverter_period", "s"),
    Item(8, "mains_period", "s"),
    Item(9, "ac_load_current", "A"),
    Item(10, "virtual_switch_position"),
    Item(11, "ignore_ac_input"),
    Item(12, "multifunction_relay"),
    Item(13, "state_of_charge"),
    Item(14, "inverter_power", "W"),
    Item(15, "input_power", "W"),
    Item(16, "output_power", "W"),
    Item(17, "inverter_power_unfiltered", "W"),
    Item(18, "input_power_unfiltered", "W"),
    Item(19, "output_power_unfiltered", "W"),
    Item(21, "battery_temperature", "°C"),
)

SETTINGS: tuple[Item, ...] = (
    Item(0, "flags0"),
    Item(1, "flags1"),
    Item(2, "absorption_voltage", "V"),
    Item(3, "float_voltage", "V"),
    Item(4, "charge_current", "A"),
    Item(5, "inverter_output_voltage", "V"),
    Item(6, "ac_input_current_limit", "A"),
    Item(7, "repeated_absorption_time", "min"),
    Item(8, "repeated_absorption_interval", "min"),
    Item(9, "maximum_absorption_duration", "min"),
    Item(10, "charge_characteristic"),
    Item(11, "low_battery_shutdown", "V"),
    Item(12, "low_battery_restart_hysteresis", "V"),
    Item(13, "slaves_connected"),
    Item(14, "three_phase_setting"),
    Item(44, "mains_voltage_low", "V"),
    Item(45, "mains_voltage_low_hysteresis", "V"),
    Item(46, "mains_voltage_high", "V"),
    Item(47, "mains_voltage_high_hysteresis", "V"),
    Item(48, "assist_current_boost_factor"),
    Item(49, "ac_input_2_current_limit", "A"),
    Item(60, "flags2"),
    Item(61, "flags3"),
    Item(64, "battery_capacity", "Ah"),
    Item(65, "soc_when_bulk_finished", "%"),
)

RAM = {item.item_id: item for item in RAM_VARS}
SETTING = {item.item_id: item for item in SETTINGS}
_RAM_BY_NAME = {item.name: item for item in RAM_VARS}
_SETTING_BY_NAME = {item.name: item for item in SETTINGS}

# RAM ids of the power snapshot: inverter, input, output power.
SNAPSHOT_POWER_IDS = (14, 15, 16)
STATE_OF_CHARGE = 13
ASSISTANT_START = 128
ESS_ASSISTANT_ID = 5

# Setting 0 flag bits (protocol.md §6).
FLAG0_DISABLE_WAVE_CHECK = 1 << 3
FLAG0_DISABLE_CHARGE = 1 << 6
FLAG0_WAVE_CHECK_INVERSE = 1 << 7
FLAGS_SETTINGS = frozenset({0, 1, 60, 61})


def _lookup(key: str | int, by_id: dict[int, Item], by_name: dict[str, Item], what: str) -> int:
    if isinstance(key, int):
        return key
    text = key.strip().lower()
    if text.isdigit():
        return int(text)
    if text in by_name:
        return by_name[text].item_id
    raise KeyError(f"unknown {what} {key!r}")


def ram_id(key: str | int) -> int:
    """RAM variable id from an id or a name; KeyError for an unknown name."""
    return _lookup(key, RAM, _RAM_BY_NAME, "RAM variable")


def setting_id(key: str | int) -> int:
    """Setting id from an id or a name; KeyError for an unknown name."""
    return _lookup(key, SETTING, _SETTING_BY_NAME, "setting")


def ram_name(item_id: int) -> str:
    item = RAM.get(item_id)
    return item.name if item else f"ram_{item_id}"


def setting_name(item_id: int) -> str:
    item = SETTING.get(item_id)
    return item.name if item else f"setting_{item_id}"
