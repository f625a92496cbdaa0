"""What a charger's codes mean: charge states, errors, products, firmware (vedirect.md §2).

Codes the tables do not know keep their raw value (``charge_state_raw``, ``error_raw``) and
have no name; nothing here guesses. Product names are declared with their family
(``products``).
"""

from __future__ import annotations

from enum import IntEnum

from .products.charger import BLUE_SMART


class ChargeState(IntEnum):
    """CS in the text block and register 0x0201 (TXTDOC "CS", charger column)."""

    OFF = 0
    LOW_POWER = 1
    FAULT = 2
    BULK = 3
    ABSORPTION = 4
    FLOAT = 5
    STORAGE = 6
    EQUALIZE = 7
    PASSTHRU = 8
    INVERTING = 9
    ASSISTING = 10
    POWER_SUPPLY = 11
    STARTING_UP = 245
    REPEATED_ABSORPTION = 246
    RECONDITION = 247  # "auto equalize / recondition"
    BATTERY_SAFE = 248
    EXTERNAL_CONTROL = 252
    NOT_AVAILABLE = 255

    @property
    def text(self) -> str:
        return CHARGE_STATE_TEXTS[self]


CHARGE_STATE_TEXTS: dict[ChargeState, str] = {
    ChargeState.OFF: "Off",
    ChargeState.LOW_POWER: "Low power",
    ChargeState.FAULT: "Fault",
    ChargeState.BULK: "Bulk",
    ChargeState.ABSORPTION: "Absorption",
    ChargeState.FLOAT: "Float",
    ChargeState.STORAGE: "Storage",
    ChargeState.EQUALIZE: "Equalize (manual)",
    ChargeState.PASSTHRU: "Passthru",
    ChargeState.INVERTING: "Inverting",
    ChargeState.ASSISTING: "Assisting",
    ChargeState.POWER_SUPPLY: "Power supply",
    ChargeState.STARTING_UP: "Starting up",
    ChargeState.REPEATED_ABSORPTION: "Repeated absorption",
    ChargeState.RECONDITION: "Recondition",
    ChargeState.BATTERY_SAFE: "BatterySafe",
    ChargeState.EXTERNAL_CONTROL: "External control",
    ChargeState.NOT_AVAILABLE: "Not available",
}


class ChargerError(IntEnum):
    """ERR in the text block and register 0xEDDA (TXTDOC "ERR", HEXDOC 0xEDDA)."""

    NO_ERROR = 0
    BATTERY_VOLTAGE_TOO_HIGH = 2
    BATTERY_TEMPERATURE_SENSOR_MISWIRED_PLUS = 3
    BATTERY_TEMPERATURE_SENSOR_MISWIRED_MINUS = 4
    BATTERY_TEMPERATURE_SENSOR_DISCONNECTED = 5
    VOLTAGE_SENSOR_MISWIRED_PLUS = 6
    VOLTAGE_SENSOR_MISWIRED_MINUS = 7
    VOLTAGE_SENSOR_DISCONNECTED = 8
    HIGH_RIPPLE = 11
    BATTERY_TEMPERATURE_TOO_LOW = 14
    CHARGER_TEMPERATURE_TOO_HIGH = 17
    CHARGER_OVER_CURRENT = 18
    CHARGER_CURRENT_REVERSED = 19
    BULK_TIME_LIMIT_EXCEEDED = 20
    CURRENT_SENSOR_ISSUE = 21
    INTERNAL_TEMPERATURE_SENSOR_FAILURE = 22
    INTERNAL_TEMPERATURE_SENSOR_ISSUE = 23
    FAN_FAILURE = 24
    TERMINALS_OVERHEATED = 26
    SHORT_CIRCUIT = 27
    CONVERTER_ISSUE = 28
    OVER_CHARGE_PROTECTION = 29
    INPUT_VOLTAGE_TOO_HIGH = 33
    INPUT_CURRENT_TOO_HIGH = 34
    INPUT_SHUTDOWN_BATTERY_VOLTAGE = 38
    INPUT_SHUTDOWN_CURRENT_FLOW = 39
    LOST_COMMUNICATION = 65
    SYNCHRONISED_CHARGING_CONFIG = 66
    BMS_CONNECTION_LOST = 67
    NETWORK_MISCONFIGURED = 68
    FACTORY_CALIBRATION_LOST = 116
    INVALID_FIRMWARE = 117
    USER_SETTINGS_INVALID = 119

    @property
    def text(self) -> str:
        return ERROR_TEXTS[self]


ERROR_TEXTS: dict[ChargerError, str] = {
    ChargerError.NO_ERROR: "No error",
    ChargerError.BATTERY_VOLTAGE_TOO_HIGH: "Battery voltage too high",
    ChargerError.BATTERY_TEMPERATURE_SENSOR_MISWIRED_PLUS: "Temperature sensor miswired (+)",
    ChargerError.BATTERY_TEMPERATURE_SENSOR_MISWIRED_MINUS: "Temperature sensor miswired (-)",
    ChargerError.BATTERY_TEMPERATURE_SENSOR_DISCONNECTED: "Temperature sensor disconnected",
    ChargerError.VOLTAGE_SENSOR_MISWIRED_PLUS: "Voltage sensor miswired (+)",
    ChargerError.VOLTAGE_SENSOR_MISWIRED_MINUS: "Voltage sensor miswired (-)",
    ChargerError.VOLTAGE_SENSOR_DISCONNECTED: "Voltage sensor disconnected",
    ChargerError.HIGH_RIPPLE: "Battery high ripple voltage",
    ChargerError.BATTERY_TEMPERATURE_TOO_LOW: "Battery temperature too low",
    ChargerError.CHARGER_TEMPERATURE_TOO_HIGH: "Charger temperature too high",
    ChargerError.CHARGER_OVER_CURRENT: "Charger over current",
    ChargerError.CHARGER_CURRENT_REVERSED: "Charger current polarity reversed",
    ChargerError.BULK_TIME_LIMIT_EXCEEDED: "Bulk time limit exceeded",
    ChargerError.CURRENT_SENSOR_ISSUE: "Current sensor issue",
    ChargerError.INTERNAL_TEMPERATURE_SENSOR_FAILURE: "Internal temperature sensor failure",
    ChargerError.INTERNAL_TEMPERATURE_SENSOR_ISSUE: "Internal temperature sensor issue",
    ChargerError.FAN_FAILURE: "Fan failure",
    ChargerError.TERMINALS_OVERHEATED: "Terminals overheated",
    ChargerError.SHORT_CIRCUIT: "Short circuit",
    ChargerError.CONVERTER_ISSUE: "Converter issue",
    ChargerError.OVER_CHARGE_PROTECTION: "Over-charge protection",
    ChargerError.INPUT_VOLTAGE_TOO_HIGH: "Input voltage too high",
    ChargerError.INPUT_CURRENT_TOO_HIGH: "Input current too high",
    ChargerError.INPUT_SHUTDOWN_BATTERY_VOLTAGE: "Input shutdown (battery voltage)",
    ChargerError.INPUT_SHUTDOWN_CURRENT_FLOW: "Input shutdown (current flow)",
    ChargerError.LOST_COMMUNICATION: "Lost communication with one of the devices",
    ChargerError.SYNCHRONISED_CHARGING_CONFIG: "Synchronised charging device configuration issue",
    ChargerError.BMS_CONNECTION_LOST: "BMS connection lost",
    ChargerError.NETWORK_MISCONFIGURED: "Network misconfigured",
    ChargerError.FACTORY_CALIBRATION_LOST: "Factory calibration data lost",
    ChargerError.INVALID_FIRMWARE: "Invalid or incompatible firmware",
    ChargerError.USER_SETTINGS_INVALID: "User settings invalid",
}


def charge_state(raw: int | None) -> ChargeState | None:
    try:
        return None if raw is None else ChargeState(raw)
    except ValueError:
        return None


def charger_error(raw: int | None) -> ChargerError | None:
    try:
        return None if raw is None else ChargerError(raw)
    except ValueError:
        return None


def product_name(product_id: int | None) -> str | None:
    """A name for ``product_id`` from the charger family's declaration."""
    if product_id is None:
        return None
    return BLUE_SMART.products.name(product_id)


def firmware_text(value: str | int | None) -> str | None:
    """``"0342FF"`` (FWE), ``"139"`` (FW) or 0x0342FF (register 0x0102) as ``"3.42"``;
    a beta build as ``"3.42-beta-05"``. None when the value is no version."""
    if value is None:
        return None
    text = f"{value:06X}" if isinstance(value, int) else value.strip()
    if not text or not all(c in "0123456789ABCDEFabcdef" for c in text) or len(text) > 6:
        return None
    release = ""
    if len(text) == 6:
        text, build = text[:4], text[4:].upper()
        if build != "FF":
            release = f"-beta-{build}"
    if not text.isdigit():
        return None
    number = int(text)
    return f"{number // 100}.{number % 100:02d}{release}"
