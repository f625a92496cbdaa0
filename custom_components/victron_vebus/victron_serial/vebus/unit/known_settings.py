"""What the unit holds of each setting, as last read or as a confirmed write set it, and
which settings the next refresh reads again."""

from __future__ import annotations

from collections import Counter

from ..device.controls import BATTERY_MONITOR_SETTING, FlagSwitch
from ..protocol.ids import FLAG_SETTINGS
from ..protocol.scaling import SettingScale
from .state import SettingState


class KnownSettings:
    """Settings in force and stored, flags words, and what is stale."""

    def __init__(self, scales: dict[int, SettingScale]) -> None:
        self._scales = scales  # the unit's, as discovery fills them in
        self.values: dict[int, SettingState] = {}
        self.stored: dict[int, int] = {}  # raw EEPROM values as last read or saved
        self.flags: dict[int, int] = {}  # flags words in force, raw
        self._capacity_on: int | None = None  # raw battery capacity last seen above 0
        self.all_stale = True  # every setting is read with the next refresh
        self.stale: set[int] = set()  # these are
        self.writes: Counter[int] = Counter()  # so a refresh keeps newer writes

    def record(self, setting_id: int, raw: int, stored_raw: int) -> bool:
        """What the unit holds of a setting, as read or as a confirmed write set it; False
        for a setting whose scale is not known (it is not kept)."""
        scale = self._scales.get(setting_id)
        if scale is None:
            return False
        self.values[setting_id] = SettingState(scale.value(raw), scale.value(stored_raw))
        self.stored[setting_id] = stored_raw
        if setting_id in FLAG_SETTINGS:
            self.flags[setting_id] = raw
        if setting_id == BATTERY_MONITOR_SETTING:
            for candidate in (raw, stored_raw):
                if candidate > 0:
                    self._capacity_on = candidate
                    break
        return True

    def expire(self) -> None:
        """Every setting is read again with the next refresh."""
        self.all_stale = True

    def written(self, setting_id: int) -> None:
        """Written now: read again with the next refresh, and not from a read begun before."""
        self.stale.add(setting_id)
        self.writes[setting_id] += 1

    def flag(self, flag: FlagSwitch) -> bool | None:
        """A flag switch as the unit holds it (None until its word was read)."""
        word = self.flags.get(flag.setting_id)
        return None if word is None else flag.is_on(word)

    def flag_stored(self, flag: FlagSwitch) -> bool | None:
        """A flag switch as stored in EEPROM (None until its word was read)."""
        word = self.stored.get(flag.setting_id)
        return None if word is None else flag.is_on(word)

    @property
    def battery_monitor(self) -> bool | None:
        """On while the battery capacity is above 0."""
        state = self.values.get(BATTERY_MONITOR_SETTING)
        return None if state is None else state.value > 0

    @property
    def battery_monitor_can_resume(self) -> bool:
        """A capacity to turn the battery monitor on with is known."""
        return self.capacity_to_resume() is not None

    def capacity_to_resume(self) -> int | None:
        """The last battery capacity seen above 0, else the unit's default (raw)."""
        scale = self._scales.get(BATTERY_MONITOR_SETTING)
        if self._capacity_on is not None:
            return self._capacity_on
        if scale is not None and scale.info.default > 0:
            return scale.info.default
        return None
