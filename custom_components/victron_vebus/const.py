"""Constants of the Victron integration (VE.Bus units and VE.Direct chargers)."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "victron_vebus"
LOGGER = logging.getLogger(__package__)

# Entry data
CONF_PORT: Final = "port"  # a device path (/dev/serial/by-id/...) or a URL
CONF_INTERFACE: Final = "interface"  # "MK3" or "MK2", as probed
CONF_FAMILY: Final = "family"  # what answers on the port; entries without it are VE.Bus
FAMILY_VEBUS: Final = "vebus"  # a VE.Bus unit behind an MK2/MK3 (2400 baud)
FAMILY_VEDIRECT: Final = "vedirect"  # a Blue Smart charger on VE.Direct (19200 baud)
# The USB serial number of the port's adapter, learnt once the device answered there: the
# adapter is found by it after it moved to another port (adapters.py, the port repair).
CONF_USB_SERIAL: Final = "usb_serial"

# Options
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_PERSIST_SETTINGS: Final = "persist_settings"
CONF_ESS_MAX_POWER: Final = "ess_max_power"
DEFAULT_SCAN_INTERVAL: Final = 5
MIN_SCAN_INTERVAL: Final = 1
MAX_SCAN_INTERVAL: Final = 300
# The key values (battery, state of charge, AC power) show their newest sample this often,
# between the scan interval's full reads (the library samples them 4 times a second).
CONF_LIVE_INTERVAL: Final = "live_interval"
DEFAULT_LIVE_INTERVAL: Final = 1
MIN_LIVE_INTERVAL: Final = 1
MAX_LIVE_INTERVAL: Final = 10
DEFAULT_PERSIST_SETTINGS: Final = False
DEFAULT_ESS_MAX_POWER: Final = 3000
# Charger (VE.Direct) entries: a setting may be written to the charger's non-volatile
# memory at most once per register per this many minutes.
CONF_NVM_INTERVAL: Final = "nvm_interval"
DEFAULT_NVM_INTERVAL: Final = 10
MIN_NVM_INTERVAL: Final = 5
MAX_NVM_INTERVAL: Final = 1440

# Options of the grid-target ESS control (a section of the options; vebus.GridTargetSettings)
CONF_GRID_CONTROL: Final = "grid_control"
CONF_GRID_SENSOR: Final = "grid_sensor"  # any power sensor at the grid connection
CONF_GRID_SIGN: Final = "grid_sign"
GRID_SIGN_IMPORT_POSITIVE: Final = "import_positive"  # + = drawn from the grid
GRID_SIGN_EXPORT_POSITIVE: Final = "export_positive"  # + = fed into the grid
CONF_GRID_TARGET: Final = "target"
CONF_DEADBAND: Final = "deadband"
CONF_MAX_CHARGE_POWER: Final = "max_charge_power"
CONF_MAX_DISCHARGE_POWER: Final = "max_discharge_power"
CONF_RAMP: Final = "ramp"
CONF_MIN_SOC: Final = "min_soc"
CONF_MAX_SOC: Final = "max_soc"
CONF_METER_STALE_TIME: Final = "meter_stale_time"

ESS_KEEPALIVE: Final = timedelta(seconds=5)
# A setting saved to EEPROM may be saved again only after this long.
EEPROM_WRITE_INTERVAL: Final = timedelta(minutes=10)

MANUFACTURER: Final = "Victron Energy"
