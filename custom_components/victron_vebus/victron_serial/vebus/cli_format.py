"""`vebus monitor`'s text: one status as lines a person reads."""

from __future__ import annotations

from .protocol.ids import RAM_UNITS, RamVar
from .reading.status import VEBusStatus, status_to_json

# RAM variables the unit gives as a fraction that people read in percent.
_PERCENT = frozenset({RamVar.STATE_OF_CHARGE})


def format_ram(ram_id: int, value: float) -> str:
    """A RAM variable's value with its unit: 13.21 V, 99.5 % (the unit's 0.995)."""
    if ram_id in _PERCENT:
        return f"{round(value * 100, 2):g} %"
    unit = RAM_UNITS.get(ram_id)
    return f"{value:g} {unit}" if unit else f"{value:g}"


def _fmt(value: float | None, unit: str = "", digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def format_status(status: VEBusStatus) -> str:
    """A short human-readable view of one read."""
    data = status_to_json(status)
    lines = [f"state {data['state']} ({data['charge_state']}), soc {_fmt(data['soc'], ' %', 1)}"]
    if status.dc:
        dc = status.dc
        lines.append(
            f"battery {_fmt(dc.voltage, ' V')} {_fmt(dc.current, ' A')}, "
            f"inverter {_fmt(dc.frequency, ' Hz')}"
        )
    for ac in status.ac:
        lines.append(
            f"L{ac.phase} in {_fmt(ac.input_voltage, ' V')} {_fmt(ac.input_current, ' A')} "
            f"{_fmt(ac.input_frequency, ' Hz')} | out {_fmt(ac.output_voltage, ' V')} "
            f"{_fmt(ac.output_current, ' A')}"
        )
    if data["ac_input"]:
        limit = data["ac_input"]
        lines.append(
            f"mode {data['switch']['mode']} (front switch {data['switch']['front_switch']}), "
            f"input limit {limit['current_limit']} A ({limit['minimum']}..{limit['maximum']})"
        )
    power = data["power"]
    lines.append(
        f"power inverter {power['inverter']} W, input {power['input']} W, "
        f"output {power['output']} W"
    )
    if data["leds"]:
        lines.append("leds " + _lit(data["leds"]))
    for unit in data["units"]:
        own_dc, own_ac = unit["dc"] or {}, unit["ac"] or {}
        lines.append(
            f"unit {unit['address']}: battery {_fmt(own_dc.get('voltage'), ' V')} "
            f"{_fmt(own_dc.get('current'), ' A')} | in {_fmt(own_ac.get('input_voltage'), ' V')} "
            f"{_fmt(own_ac.get('input_current'), ' A')} | "
            f"out {_fmt(own_ac.get('output_voltage'), ' V')} "
            f"{_fmt(own_ac.get('output_current'), ' A')} | leds {_lit(unit['leds'] or {})}"
        )
    return "\n".join(lines)


def _lit(leds: dict[str, str]) -> str:
    return (
        ", ".join(f"{name}={state}" for name, state in leds.items() if state != "off") or "all off"
    )
