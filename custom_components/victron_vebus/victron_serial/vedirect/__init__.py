"""Async client for Victron Blue Smart chargers (IP22, IP65) over VE.Direct, text and HEX.

Imports nothing from Home Assistant, and nothing from the VE.Bus library beside it: only
relative imports inside itself, so these same files are the integration's bundled copy and
part of the ``victron-serial`` distribution (``import vedirect``). This is the public API:
the integration imports only from here (docs/vedirect.md).
"""

from ..foundation.clock import Clock, SystemClock
from ..foundation.ports import describe_port
from .charger import BLOCK_TIMEOUT, BlueSmartCharger
from .client import VEDirectClient
from .errors import (
    VEDirectClosedError,
    VEDirectConnectionError,
    VEDirectError,
    VEDirectInvalidPortError,
    VEDirectInvalidValueError,
    VEDirectOutOfRangeError,
    VEDirectParameterError,
    VEDirectPortBusyError,
    VEDirectPortLostError,
    VEDirectPortNotFoundError,
    VEDirectPresetBatteryError,
    VEDirectProtocolError,
    VEDirectRateLimitedError,
    VEDirectTimeoutError,
    VEDirectUnknownRegisterError,
    VEDirectUnsupportedError,
    VEDirectWriteNotAppliedError,
    VEDirectWriteUnconfirmedError,
)
from .link import LinkStats
from .models import (
    CHARGE_STATE_TEXTS,
    ERROR_TEXTS,
    ChargerError,
    ChargeState,
    firmware_text,
    product_name,
)
from .nvm import NVM_INTERVAL, NvmLimiter
from .probe import ProbeResult, port_kind, probe_port
from .products import BLUE_SMART, Control, ProductFamily, TextField
from .protocol import ReaderStats
from .registers import REGISTERS, Reg, Register, register
from .settings import LowCurrentMode, WriteResult
from .state import ChargerState, Output, Reading, read_block, state_to_json
from .wish import Wish, WishOutcome, WishResult

__all__ = [
    "BLOCK_TIMEOUT",
    "BLUE_SMART",
    "CHARGE_STATE_TEXTS",
    "ERROR_TEXTS",
    "NVM_INTERVAL",
    "REGISTERS",
    "BlueSmartCharger",
    "ChargeState",
    "ChargerError",
    "ChargerState",
    "Clock",
    "Control",
    "LinkStats",
    "LowCurrentMode",
    "NvmLimiter",
    "Output",
    "ProbeResult",
    "ProductFamily",
    "ReaderStats",
    "Reading",
    "Reg",
    "Register",
    "SystemClock",
    "TextField",
    "VEDirectClient",
    "VEDirectClosedError",
    "VEDirectConnectionError",
    "VEDirectError",
    "VEDirectInvalidPortError",
    "VEDirectInvalidValueError",
    "VEDirectOutOfRangeError",
    "VEDirectParameterError",
    "VEDirectPortBusyError",
    "VEDirectPortLostError",
    "VEDirectPortNotFoundError",
    "VEDirectPresetBatteryError",
    "VEDirectProtocolError",
    "VEDirectRateLimitedError",
    "VEDirectTimeoutError",
    "VEDirectUnknownRegisterError",
    "VEDirectUnsupportedError",
    "VEDirectWriteNotAppliedError",
    "VEDirectWriteUnconfirmedError",
    "Wish",
    "WishOutcome",
    "WishResult",
    "WriteResult",
    "describe_port",
    "firmware_text",
    "port_kind",
    "probe_port",
    "product_name",
    "read_block",
    "register",
    "state_to_json",
]
