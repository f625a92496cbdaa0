"""What differs between a settings backup and the unit, and putting the backup back.

``compare_backups`` is pure: a document against a fresh backup of the unit.
``restore_settings`` refuses before writing anything when the document is of another
product or firmware (unless forced) or when any value it would write is outside the unit's
own bounds; then it writes each differing setting through the unit's rules
(``VEBusUnit.write_setting``): RAM only unless saved permanently, RAM-only values
remembered and re-applied after a restart, EEPROM under the limiter, each write confirmed
or reported. The document's value in force is what is put back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ..errors import (
    VEBusAccessDeniedError,
    VEBusAsleepError,
    VEBusBackupMismatchError,
    VEBusChargeVoltageOrderError,
    VEBusError,
    VEBusOutOfRangeError,
    VEBusRateLimitedError,
    VEBusRestoreOutOfRangeError,
    VEBusUnsupportedError,
)
from ..protocol.ids import FLAG_SETTINGS, SETTING_UNITS, Flags0, Setting, setting_name
from ..protocol.scaling import SettingScale
from ..unit import VEBusUnit
from .document import SavedSetting, SettingsBackup, backup_settings, setting_value

_UPS_BITS = Flags0.DISABLE_WAVE_CHECK | Flags0.WAVE_CHECK_INVERSE


class Difference(StrEnum):
    CHANGED = "changed"
    ONLY_IN_FILE = "only_in_file"
    ONLY_ON_UNIT = "only_on_unit"
    OUT_OF_BOUNDS = "out_of_bounds"


@dataclass(frozen=True, slots=True)
class SettingDifference:
    """One setting that is not on the unit as in the file: in force, stored, or both."""

    setting_id: int
    kind: Difference
    file_value: float | None = None  # in force
    file_stored: float | None = None
    unit_value: float | None = None
    unit_stored: float | None = None
    in_force_differs: bool = False
    stored_differs: bool = False
    target_raw: int | None = None  # the raw words a restore writes, in the unit's scale
    stored_target_raw: int | None = None
    problem: str | None = None  # why the unit would refuse it

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.setting_id,
            "name": setting_name(self.setting_id),
            "unit": SETTING_UNITS.get(self.setting_id),
            "file_value": self.file_value,
            "file_stored_value": self.file_stored,
            "unit_value": self.unit_value,
            "unit_stored_value": self.unit_stored,
            "in_force_differs": self.in_force_differs,
            "stored_differs": self.stored_differs,
            "problem": self.problem,
        }


@dataclass(frozen=True, slots=True)
class SettingsDiff:
    """A document against the unit: the identity, then setting by setting."""

    identity: tuple[str, ...]  # where the unit is another product or firmware
    differences: tuple[SettingDifference, ...]
    unchanged: int

    @property
    def same(self) -> bool:
        return not self.identity and not self.differences

    def of_kind(self, kind: Difference) -> list[SettingDifference]:
        return [d for d in self.differences if d.kind is kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "same": self.same,
            "identity_differences": list(self.identity),
            **{kind.value: [d.to_json() for d in self.of_kind(kind)] for kind in Difference},
            "unchanged": self.unchanged,
        }


def compare_backups(document: SettingsBackup, unit: SettingsBackup) -> SettingsDiff:
    """``document`` against ``unit`` (a backup just taken): the values in force with each
    other, the stored values with each other."""
    differences: list[SettingDifference] = []
    unchanged = 0
    for setting_id in sorted(document.settings.keys() | unit.settings.keys()):
        saved, now = document.settings.get(setting_id), unit.settings.get(setting_id)
        if now is None:
            assert saved is not None
            differences.append(
                SettingDifference(setting_id, Difference.ONLY_IN_FILE, saved.value, saved.stored)
            )
        elif saved is None:
            differences.append(
                SettingDifference(
                    setting_id,
                    Difference.ONLY_ON_UNIT,
                    unit_value=now.value,
                    unit_stored=now.stored,
                )
            )
        elif (difference := _compare(saved, now)) is None:
            unchanged += 1
        else:
            differences.append(difference)
    return SettingsDiff(tuple(document.unit.differences(unit.unit)), tuple(differences), unchanged)


def _compare(saved: SavedSetting, now: SavedSetting) -> SettingDifference | None:
    target, target_problem = _target(saved, now, saved.raw)
    stored_target, stored_problem = _target(saved, now, saved.stored_raw)
    in_force, stored = target != now.raw, stored_target != now.stored_raw
    if not (in_force or stored):
        return None
    problems = [target_problem if in_force else None, stored_problem if stored else None]
    problem = next((p for p in problems if p is not None), None)
    return SettingDifference(
        saved.setting_id,
        Difference.OUT_OF_BOUNDS if problem else Difference.CHANGED,
        saved.value,
        saved.stored,
        now.value,
        now.stored,
        in_force,
        stored,
        target,
        stored_target,
        problem,
    )


def _target(saved: SavedSetting, now: SavedSetting, raw: int) -> tuple[int, str | None]:
    """The unit's raw word for the file's ``raw``, and why the unit would refuse it.

    Where the unit scales the setting as the file does, the file's raw word; else its value
    in the unit's scale (a forced restore onto other firmware).
    """
    setting_id = saved.setting_id
    same_scale = (saved.info.scale, saved.info.offset) == (now.info.scale, now.info.offset)
    if setting_id in FLAG_SETTINGS or same_scale:
        return raw, _problem(setting_id, raw, now)
    target = SettingScale(now.info).raw(setting_value(setting_id, saved.info, raw))
    return target, _problem(setting_id, target, now)


def _problem(setting_id: int, target: int, now: SavedSetting) -> str | None:
    name, info = setting_name(setting_id), now.info
    if setting_id in FLAG_SETTINGS:
        mask = info.maximum
        if not 0 <= target <= 0xFFFF or (target ^ now.raw) & ~mask & 0xFFFF:
            return (
                f"{name}: {target:#06x} changes bits the unit does not support"
                f" (it supports {mask:#06x})"
            )
        ups = target & _UPS_BITS
        if setting_id == Setting.FLAGS0 and mask & _UPS_BITS == _UPS_BITS and ups in (0, _UPS_BITS):
            return f"{name}: {target:#06x} has bits 3 and 7 alike; bit 7 must be bit 3 inverted"
        return None
    if info.minimum <= target <= info.maximum:
        return None
    scale = SettingScale(info)
    unit = SETTING_UNITS.get(setting_id)
    return str(VEBusOutOfRangeError(name, scale.value(target), scale.minimum, scale.maximum, unit))


async def diff_settings(unit: VEBusUnit, document: SettingsBackup) -> SettingsDiff:
    """What differs between ``document`` and ``unit`` now."""
    return compare_backups(document, await backup_settings(unit))


# --- restore -------------------------------------------------------------------------------


class Outcome(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    REFUSED = "refused"  # the unit, or a rule, did not allow it: nothing was sent
    FAILED = "failed"  # sent, and not confirmed


@dataclass(frozen=True, slots=True)
class RestoreResult:
    setting_id: int
    outcome: Outcome
    value: float | None  # from the file, in force
    previous: float | None = None  # in force before
    reason: str | None = None
    stored: bool = False  # the file's stored value was saved to EEPROM
    needs_restart: bool = False
    retry_at: float | None = None  # refused by the EEPROM limit: when it may be saved

    def to_json(self) -> dict[str, Any]:
        retry = self.retry_at
        return {
            "id": self.setting_id,
            "name": setting_name(self.setting_id),
            "result": self.outcome.value,
            "value": self.value,
            "previous": self.previous,
            "unit": SETTING_UNITS.get(self.setting_id),
            "reason": self.reason,
            "saved_permanently": self.stored,
            "needs_restart": self.needs_restart,
            "retry_at": None if retry is None else datetime.fromtimestamp(retry, UTC).isoformat(),
        }


@dataclass(frozen=True, slots=True)
class RestoreReport:
    persist: bool
    forced: bool
    identity: tuple[str, ...]
    results: tuple[RestoreResult, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(result.outcome is outcome for result in self.results)

    @property
    def ok(self) -> bool:
        """Every setting of the file is on the unit now."""
        return all(r.outcome in (Outcome.WRITTEN, Outcome.UNCHANGED) for r in self.results)

    @property
    def needs_restart(self) -> bool:
        return any(result.needs_restart for result in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "saved_permanently": self.persist,
            "forced": self.forced,
            "identity_differences": list(self.identity),
            **{outcome.value: self.count(outcome) for outcome in Outcome},
            "needs_restart": self.needs_restart,
            "settings": [result.to_json() for result in self.results],
        }


async def restore_settings(
    unit: VEBusUnit, document: SettingsBackup, *, persist: bool = False, force: bool = False
) -> RestoreReport:
    """Put the values in force of ``document`` back on ``unit``, RAM only; with ``persist``
    also its stored values into EEPROM. Only what differs is written. Raises before writing
    anything when the document is of another product or firmware (unless ``force``) or a
    value to write is outside the unit's bounds."""
    now = await backup_settings(unit)
    found = compare_backups(document, now)
    if found.identity and not force:
        raise VEBusBackupMismatchError(found.identity)
    problems = [d.problem for d in found.differences if d.problem is not None]
    if problems:
        raise VEBusRestoreOutOfRangeError(problems)
    by_id = {d.setting_id: d for d in found.differences}
    results = [
        await _restore_one(unit, document.settings[setting_id], by_id.get(setting_id), now, persist)
        for setting_id in _write_order(document, now)
    ]
    results.sort(key=lambda result: result.setting_id)
    return RestoreReport(persist, force, found.identity, tuple(results))


def _write_order(document: SettingsBackup, now: SettingsBackup) -> list[int]:
    """By id, except that a float voltage going down is written before the absorption
    voltage: each write then keeps float at or below absorption (``charge_voltages``)."""
    order = sorted(document.settings)
    absorption, float_v = Setting.ABSORPTION_VOLTAGE, Setting.FLOAT_VOLTAGE
    lowered = (
        {absorption, float_v} <= set(order)
        and float_v in now.settings
        and document.settings[float_v].value < now.settings[float_v].value
    )
    if lowered:
        order.remove(float_v)
        order.insert(order.index(absorption), float_v)
    return order


async def _restore_one(
    unit: VEBusUnit,
    saved: SavedSetting,
    difference: SettingDifference | None,
    now: SettingsBackup,
    persist: bool,
) -> RestoreResult:
    setting_id = saved.setting_id
    if difference is None:
        return RestoreResult(setting_id, Outcome.UNCHANGED, saved.value, saved.value)
    if difference.kind is Difference.ONLY_IN_FILE:
        return RestoreResult(
            setting_id, Outcome.REFUSED, saved.value, reason="the unit does not have it"
        )
    current = now.settings[setting_id]
    target, stored_target = difference.target_raw, difference.stored_target_raw
    assert target is not None  # only settings on the unit and in the file get here
    assert stored_target is not None
    store = persist and difference.stored_differs
    in_force = current.stored_raw if store else current.raw  # a save sets both
    if not store and in_force == target:
        reason = "its stored value differs; saving permanently writes it" if not persist else None
        return RestoreResult(setting_id, Outcome.UNCHANGED, saved.value, current.value, reason)
    info, reset = current.info, False
    try:
        if store:
            value = setting_value(setting_id, info, stored_target)
            reset |= await unit.write_setting(setting_id, value, persist=True)
            in_force = stored_target
        if in_force != target:
            value = setting_value(setting_id, info, target)
            reset |= await unit.write_setting(setting_id, value, persist=False)
    except VEBusRateLimitedError as err:
        return _not_restored(saved, current, Outcome.REFUSED, err, retry_at=err.retry_at)
    except (
        VEBusAccessDeniedError,
        VEBusAsleepError,
        VEBusChargeVoltageOrderError,
        VEBusOutOfRangeError,
        VEBusUnsupportedError,
    ) as err:
        return _not_restored(saved, current, Outcome.REFUSED, err)
    except VEBusError as err:
        return _not_restored(saved, current, Outcome.FAILED, err)
    value = setting_value(setting_id, info, target)
    return RestoreResult(
        setting_id, Outcome.WRITTEN, value, current.value, stored=store, needs_restart=reset
    )


def _not_restored(
    saved: SavedSetting,
    current: SavedSetting,
    outcome: Outcome,
    err: VEBusError,
    retry_at: float | None = None,
) -> RestoreResult:
    return RestoreResult(
        saved.setting_id, outcome, saved.value, current.value, str(err), retry_at=retry_at
    )
