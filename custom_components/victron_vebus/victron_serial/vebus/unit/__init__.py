"""One VE.Bus unit above the client: its parts, each owning its state, wired in
``vebus_unit``."""

from .sleep import SLEEP_SETTLE
from .state import SettingDisagreement, SettingState, UnitState
from .vebus_unit import VEBusUnit

__all__ = ["SLEEP_SETTLE", "SettingDisagreement", "SettingState", "UnitState", "VEBusUnit"]
