"""The RAM-only ledger as data: what a unit was given RAM only, for its owner to keep across
a restart of its own (Home Assistant's storage) and hand back to the next ``VEBusUnit``.

A unit forgets RAM-only values when it restarts; an owner that restarts forgets its ledger
unless it keeps it. Handed back (``VEBusUnit.restore_ram_only``), the ledger is checked
against the unit within the next refresh (docs/safe-control.md, "What survives a restart"):

- a setting whose stored (EEPROM) value is still the one it had when the value was written
  RAM only is written RAM only again: in force, or back in force if the unit restarted
  meanwhile (the unit cannot tell: a RAM-only value is not read back);
- a setting whose stored value changed meanwhile (VEConfigure, VictronConnect) is dropped:
  the stored value stands;
- the remote panel's current limit is sent again only when the unit shows another limit and
  the interface tells that it restarted; another limit without a restart was set by someone
  else and stands.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
import logging
import math
from typing import Any, TypeGuard

from ..errors import VEBusAccessDeniedError, VEBusOutOfRangeError, VEBusUnsupportedError

_LOGGER = logging.getLogger(__name__)

# What tells that a value handed back no longer fits this unit: it is dropped.
NO_LONGER_FITS = (VEBusUnsupportedError, VEBusAccessDeniedError, VEBusOutOfRangeError)


@dataclass(frozen=True, slots=True)
class RamOnlySetting:
    """One setting written RAM only (raw words, as on the wire)."""

    raw: int  # the value written RAM only
    stored: int | None = None  # the EEPROM value when it was written; None: not read then


@dataclass(frozen=True, slots=True)
class RamOnlyLedger:
    """Every setting a unit was given RAM only, and the remote panel's current limit."""

    settings: Mapping[int, RamOnlySetting] = field(default_factory=dict)
    current_limit: float | None = None  # A, sent with the remote panel command ('S')

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready form (keys are strings)."""
        return {
            "settings": {
                str(setting_id): {"raw": entry.raw, "stored": entry.stored}
                for setting_id, entry in sorted(self.settings.items())
            },
            "current_limit": self.current_limit,
        }

    @classmethod
    def from_json(cls, data: object) -> RamOnlyLedger:
        """The ledger ``as_json`` gave; whatever is not a well-formed entry is left out."""
        if not isinstance(data, Mapping):
            return cls()
        settings: dict[int, RamOnlySetting] = {}
        raw_settings = data.get("settings")
        for key, value in raw_settings.items() if isinstance(raw_settings, Mapping) else ():
            entry = _setting(key, value)
            if entry is not None:
                settings[entry[0]] = entry[1]
        limit = data.get("current_limit")
        if not (_number(limit) and math.isfinite(limit) and limit >= 0):
            return cls(settings)
        return cls(settings, float(limit))


def _setting(key: object, value: object) -> tuple[int, RamOnlySetting] | None:
    if not isinstance(key, str) or not key.isdigit() or not isinstance(value, Mapping):
        return None
    raw, stored = value.get("raw"), value.get("stored")
    if not _word(raw) or not (stored is None or _word(stored)):
        return None
    return int(key), RamOnlySetting(raw, stored)


def _word(value: object) -> TypeGuard[int]:
    """A raw setting value: a 16-bit word (signed or not)."""
    return isinstance(value, int) and not isinstance(value, bool) and -0x8000 <= value <= 0xFFFF


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def dropped(counters: Counter[str], what: str, err: Exception) -> None:
    """A value written RAM only that no longer fits the unit: said once, and counted."""
    _LOGGER.warning("%s was written RAM only, and cannot be written again: %s", what, err)
    counters["ram_only_dropped"] += 1
