"""What an entity needs read on each refresh; the coordinator polls the union.

An entity that is disabled registers nothing, so what it would show costs no bytes on the
2400 baud line.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from .victron_serial.vebus import SNAPSHOT_POWER_IDS, RamVar, StatusPlan

SNAPSHOT_IDS = (*SNAPSHOT_POWER_IDS, RamVar.STATE_OF_CHARGE)


class Part(StrEnum):
    """A part of the unit's state that one request reads."""

    LEDS = "leds"
    DC = "dc"
    AC = "ac"
    AC_INPUT = "ac_input"
    DEVICE_STATE = "device_state"
    SAMPLES = "samples"  # the key values several times a second, between refreshes
    UNITS = "units"  # each unit's own LEDs, DC and AC values, in a system of several


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A RAM variable read in the power snapshot ('F' 6)."""

    ram_id: int


@dataclass(frozen=True, slots=True)
class Ram:
    """A RAM variable read on its own (0x30)."""

    ram_id: int


@dataclass(frozen=True, slots=True)
class SettingRead:
    """A setting read back (0x31) after a write and now and then."""

    setting_id: int


type Need = Part | Snapshot | Ram | SettingRead


def plan_for(
    needs: Collection[Need],
    supported_ram: Collection[int],
    phases: int,
    addresses: tuple[int, ...] = (),
) -> StatusPlan:
    """The requests that read what ``needs`` name, and nothing else."""
    if not needs:  # before any entity said what it shows (the first refresh): everything
        return StatusPlan(phases=None)
    setting_ids = tuple(sorted(n.setting_id for n in needs if isinstance(n, SettingRead)))
    return StatusPlan(
        leds=Part.LEDS in needs,
        dc=Part.DC in needs,
        ac=Part.AC in needs,
        phases=phases,
        ac_input=Part.AC_INPUT in needs,
        device_state=Part.DEVICE_STATE in needs,
        snapshot_ids=tuple(i for i in SNAPSHOT_IDS if Snapshot(i) in needs and i in supported_ram),
        ram_ids=tuple(i for i in sorted(supported_ram) if Ram(i) in needs),
        setting_ids=setting_ids,
        units=addresses if Part.UNITS in needs else (),
    )
