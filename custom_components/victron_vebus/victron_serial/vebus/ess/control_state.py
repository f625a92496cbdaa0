"""What the ESS control does now, as its owner shows it."""

from __future__ import annotations

from enum import StrEnum

from .decisions import DecisionReason, SocProgram


class EssControlState(StrEnum):
    """What the ESS control does now."""

    OFF = "off"
    WAITING = "waiting"  # grid target on, no meter reading yet: 0 W
    HOLDING = "holding"  # holding the grid at the target
    METER_UNAVAILABLE = "meter_unavailable"  # 0 W; stale once it lasts the stale time
    METER_STALE = "meter_stale"  # 0 W: no valid reading for the stale time
    UNIT_LOST = "unit_lost"  # the setpoint forgotten until the unit answers
    CHARGING_TO_SOC = "charging_to_soc"
    DISCHARGING_TO_SOC = "discharging_to_soc"


_GRID_STATES = {
    DecisionReason.NO_METER: EssControlState.WAITING,
    DecisionReason.METER_UNAVAILABLE: EssControlState.METER_UNAVAILABLE,
    DecisionReason.METER_STALE: EssControlState.METER_STALE,
}


def state_of(
    *, lost: bool, program: SocProgram | None, enabled: bool, last: DecisionReason
) -> EssControlState:
    """The state of a control: the unit lost, a program running, the grid target on (as its
    ``last`` decision says) or off."""
    if lost:
        return EssControlState.UNIT_LOST
    if program is not None:
        if program.charging:
            return EssControlState.CHARGING_TO_SOC
        return EssControlState.DISCHARGING_TO_SOC
    if not enabled:
        return EssControlState.OFF
    return _GRID_STATES.get(last, EssControlState.HOLDING)
