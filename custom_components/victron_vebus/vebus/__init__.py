"""Async client for Victron VE.Bus units (MultiPlus, Quattro, Phoenix) behind an MK2/MK3.

Imports nothing from Home Assistant and only relative imports inside itself, so these same
files are the integration's bundled copy and the ``victron-serial`` distribution. This is
the public API: the integration imports only from here (docs/design.md §1-§2).
"""

from .client import VEBusClient
from .clock import Clock, SystemClock
from .eeprom import EEPROM_INTERVAL, EepromLimiter
from .energy import Energy, EnergyCounters
from .errors import (
    VEBusAccessDeniedError,
    VEBusAsleepError,
    VEBusConnectionError,
    VEBusError,
    VEBusInvalidPortError,
    VEBusOutOfRangeError,
    VEBusPortBusyError,
    VEBusPortLostError,
    VEBusPortNotFoundError,
    VEBusProtocolError,
    VEBusRateLimitedError,
    VEBusTimeoutError,
    VEBusUnsupportedError,
    VEBusWriteNotAppliedError,
    VEBusWriteUnconfirmedError,
)
from .ids import (
    FLAG_SETTINGS,
    RAM_UNITS,
    SETTING_UNITS,
    SNAPSHOT_POWER_IDS,
    Alarm,
    Flags0,
    Flags1,
    Led,
    RamVar,
    Setting,
    ram_id,
    ram_name,
    setting_id,
    setting_name,
)
from .link import LinkStats
from .models import (
    ALARM_NAMES,
    LED_NAMES,
    AcInfo,
    AcInputConfig,
    ChargeState,
    DcInfo,
    DeviceInfo,
    DeviceState,
    DeviceStatus,
    ForcedChargeState,
    LedState,
    LedStatus,
    Mode,
    SwitchState,
    VEBusErrorCode,
)
from .product import Family, Product, firmware_type, firmware_version_text
from .sampling import SAMPLE_PERIOD, PowerSample
from .scaling import SettingScale, VarScale
from .status import StatusPlan, UnitAc, UnitStatus, VEBusStatus, read_status, status_to_json
from .tiers import SLOW_INTERVAL
from .transport import describe_port
from .unit import SettingState, UnitState, VEBusUnit

__all__ = [
    "ALARM_NAMES",
    "EEPROM_INTERVAL",
    "FLAG_SETTINGS",
    "LED_NAMES",
    "RAM_UNITS",
    "SAMPLE_PERIOD",
    "SETTING_UNITS",
    "SLOW_INTERVAL",
    "SNAPSHOT_POWER_IDS",
    "AcInfo",
    "AcInputConfig",
    "Alarm",
    "ChargeState",
    "Clock",
    "DcInfo",
    "DeviceInfo",
    "DeviceState",
    "DeviceStatus",
    "EepromLimiter",
    "Energy",
    "EnergyCounters",
    "Family",
    "Flags0",
    "Flags1",
    "ForcedChargeState",
    "Led",
    "LedState",
    "LedStatus",
    "LinkStats",
    "Mode",
    "PowerSample",
    "Product",
    "RamVar",
    "Setting",
    "SettingScale",
    "SettingState",
    "StatusPlan",
    "SwitchState",
    "SystemClock",
    "UnitAc",
    "UnitState",
    "UnitStatus",
    "VEBusAccessDeniedError",
    "VEBusAsleepError",
    "VEBusClient",
    "VEBusConnectionError",
    "VEBusError",
    "VEBusErrorCode",
    "VEBusInvalidPortError",
    "VEBusOutOfRangeError",
    "VEBusPortBusyError",
    "VEBusPortLostError",
    "VEBusPortNotFoundError",
    "VEBusProtocolError",
    "VEBusRateLimitedError",
    "VEBusStatus",
    "VEBusTimeoutError",
    "VEBusUnit",
    "VEBusUnsupportedError",
    "VEBusWriteNotAppliedError",
    "VEBusWriteUnconfirmedError",
    "VarScale",
    "describe_port",
    "firmware_type",
    "firmware_version_text",
    "ram_id",
    "ram_name",
    "read_status",
    "setting_id",
    "setting_name",
    "status_to_json",
]
