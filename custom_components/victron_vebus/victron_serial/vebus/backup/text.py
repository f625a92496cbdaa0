"""A settings diff and a restore report as the ``vebus`` command line prints them."""

from __future__ import annotations

from ..protocol.ids import FLAG_SETTINGS, SETTING_UNITS, setting_name
from .restore import Difference, Outcome, RestoreReport, SettingDifference, SettingsDiff

_HEADINGS = {
    Difference.CHANGED: "changed (file | unit):",
    Difference.ONLY_IN_FILE: "only in the file:",
    Difference.ONLY_ON_UNIT: "only on the unit:",
    Difference.OUT_OF_BOUNDS: "out of the unit's bounds (a restore refuses the file):",
}


def shown(setting_id: int, value: float | None) -> str:
    """A value with its unit; a flag register as its bit word in hex."""
    if value is None:
        return "-"
    if setting_id in FLAG_SETTINGS:
        return f"{int(value):#06x}"
    unit = SETTING_UNITS.get(setting_id)
    return f"{value:g} {unit}" if unit else f"{value:g}"


def format_diff(found: SettingsDiff) -> str:
    lines = [f"the file is of another unit: {'; '.join(found.identity)}"] if found.identity else []
    for kind, heading in _HEADINGS.items():
        differences = found.of_kind(kind)
        if differences:
            lines.append(heading)
            lines.extend(f"  {_difference(d)}" for d in differences)
    if found.same:
        lines.append(f"the unit holds all {found.unchanged} settings as in the file")
    else:
        lines.append(f"{found.unchanged} settings as in the file")
    return "\n".join(lines)


def _difference(d: SettingDifference) -> str:
    name, setting_id = setting_name(d.setting_id), d.setting_id
    if d.kind is Difference.OUT_OF_BOUNDS:
        return d.problem or name
    if d.kind is Difference.ONLY_IN_FILE:
        return f"{name:34} {shown(setting_id, d.file_value)}"
    if d.kind is Difference.ONLY_ON_UNIT:
        return f"{name:34} {shown(setting_id, d.unit_value)}"
    parts = []
    if d.in_force_differs:
        parts.append(f"{shown(setting_id, d.file_value)} | {shown(setting_id, d.unit_value)}")
    if d.stored_differs:
        stored = f"{shown(setting_id, d.file_stored)} | {shown(setting_id, d.unit_stored)}"
        parts.append(f"stored {stored}")
    return f"{name:34} {', '.join(parts)}"


def format_restore(report: RestoreReport) -> str:
    lines = []
    if report.identity:
        lines.append(f"forced onto another unit: {'; '.join(report.identity)}")
    for result in report.results:
        setting_id, name = result.setting_id, setting_name(result.setting_id)
        if result.outcome is Outcome.WRITTEN:
            where = "RAM only" if not result.stored else "saved permanently"
            change = f"{shown(setting_id, result.previous)} -> {shown(setting_id, result.value)}"
            lines.append(f"written   {name:34} {change} ({where})")
        elif result.outcome is not Outcome.UNCHANGED:
            lines.append(f"{result.outcome.value:9} {name:34} {result.reason}")
    counts = ", ".join(f"{report.count(outcome)} {outcome.value}" for outcome in Outcome)
    lines.append(counts)
    if not report.persist and report.count(Outcome.WRITTEN):
        lines.append(
            "written RAM only: the unit forgets them when it restarts, and `vebus diff` lists"
            " their stored values as changed; --save-permanently stores them"
        )
    if report.needs_restart:
        lines.append("restart the unit to apply some of them")
    return "\n".join(lines)
