"""Holding the grid at a target with the ESS setpoint: the decisions, without any I/O.

The grid meter (the household's connection, + = import) is read slowly, every second or
few; the unit's own AC-in power every quarter second (``sampling``). Whatever changes
behind the unit (a load on AC-out, the unit's own response to a setpoint) shows in its
AC-in at once, so between two meter readings the grid is estimated as the last reading
plus how much the AC-in moved since: a step on AC-out is answered within one sample.
Changes the unit cannot see (a load or PV on the grid side) wait for the next reading.

The correction is integral: the grid moves about one watt per watt of setpoint (a little
more or less with the efficiency), so each correction takes the error off the setpoint
last sent and the next readings take off what is left. Between corrections the unit gets
``SETTLE`` seconds to follow, and one correction moves the setpoint by at most the ramp
limit times that time. Inside the deadband nothing is written (the keep-alive holds the
setpoint). The state of charge limits and the maximum powers bound every decision; a
stale meter means 0 W at once, whatever the ramp.

``SocProgram`` is the other way to drive the setpoint: a fixed power until the state of
charge reaches a target or a deadline passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import math

from ..device.value_checks import number
from ..errors import VEBusOutOfRangeError

SETTLE = 1.0  # s: the unit's time to follow one correction before the next
DECISIONS_KEPT = 50


@dataclass(frozen=True, slots=True)
class GridTargetSettings:
    """What the owner chose. Powers in W, the grid counted + when importing."""

    target: float = 0.0  # W at the grid meter
    deadband: float = 50.0  # W either side of the target where nothing is changed
    max_charge: float = 3000.0  # W the setpoint may charge with
    max_discharge: float = 3000.0  # W it may feed in (discharge) with
    ramp: float = 1000.0  # W/s: how fast the setpoint may move
    min_soc: float = 10.0  # %: no discharging at or below
    max_soc: float = 100.0  # %: no charging at or above
    stale_after: float = 30.0  # s without a meter reading: 0 W

    def __post_init__(self) -> None:
        for name in ("deadband", "max_charge", "max_discharge", "ramp", "stale_after"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number of at least 0, not {value}")
        if not 0 <= self.min_soc <= self.max_soc <= 100:
            raise ValueError("state of charge limits must satisfy 0 <= minimum <= maximum <= 100")
        if not math.isfinite(self.target):
            raise ValueError("the target must be a finite number")


class DecisionReason(StrEnum):
    """Why a decision set what it set (shown in diagnostics)."""

    IN_DEADBAND = "in_deadband"
    SETTLING = "settling"  # out of the deadband, but the last correction is too recent
    CORRECTING = "correcting"
    RAMP_LIMITED = "ramp_limited"
    MAX_CHARGE = "max_charge"
    MAX_DISCHARGE = "max_discharge"
    SOC_MINIMUM = "soc_minimum"  # no discharging at or below the minimum SOC
    SOC_MAXIMUM = "soc_maximum"  # no charging at or above the maximum SOC
    NO_METER = "no_meter"  # no reading yet
    METER_UNAVAILABLE = "meter_unavailable"
    METER_STALE = "meter_stale"
    UNIT_LOST = "unit_lost"
    OFF = "off"
    CHARGE_TO_SOC = "charge_to_soc"
    DISCHARGE_TO_SOC = "discharge_to_soc"
    SOC_REACHED = "soc_reached"
    DEADLINE = "deadline"


@dataclass(frozen=True, slots=True)
class Decision:
    """One decision: when, on what grid value, the setpoint (W, + = charging), why."""

    at: float
    meter: float | None
    estimate: float | None
    setpoint: int
    reason: DecisionReason

    def as_dict(self) -> dict[str, object]:
        return {
            "at": round(self.at, 3),
            "meter": self.meter,
            "estimate": None if self.estimate is None else round(self.estimate, 1),
            "setpoint": self.setpoint,
            "reason": str(self.reason),
        }


class GridTarget:
    """The grid-target controller's memory and its rule (see the module docstring)."""

    def __init__(self, settings: GridTargetSettings) -> None:
        self.settings = settings
        self.meter: float | None = None  # W, the last valid reading
        self.meter_at: float | None = None
        self.meter_available = True
        self._ac_in_at_meter: float | None = None  # the unit's AC-in when it was read
        self.ac_in: float | None = None  # W, the unit's latest AC-in (+ = drawn)
        self.soc: float | None = None  # %
        self.setpoint = 0  # W, the last one sent (the base of the next correction)
        self._changed_at: float | None = None

    def start(self, setpoint: int, now: float) -> None:
        """Begin from the setpoint in force; the meter must be read again."""
        self.meter = self.meter_at = self._ac_in_at_meter = None
        self.meter_available = True
        self.sync(setpoint, now)

    def sync(self, setpoint: int, now: float) -> None:
        """The setpoint the unit holds now (after a write went through, or did not)."""
        if setpoint != self.setpoint:
            self._changed_at = now
        self.setpoint = setpoint

    def read_meter(self, watts: float, now: float) -> None:
        self.meter, self.meter_at, self.meter_available = watts, now, True
        self._ac_in_at_meter = self.ac_in

    def meter_lost(self) -> None:
        """The meter says it has no value (unavailable, unknown, not a number)."""
        self.meter_available = False

    def read_unit(self, ac_in: float | None, soc: float | None) -> None:
        """A reading of the unit; what it lacks (a refresh without the AC-in, a phase not
        read) keeps the last value, which the next meter reading then starts from."""
        if ac_in is not None:
            self.ac_in = ac_in
        if soc is not None:
            self.soc = soc

    def stale_at(self, since: float) -> float:
        """When the meter counts as stale: ``stale_after`` past its last reading (or past
        ``since``, the start, when it has not been read yet)."""
        last = self.meter_at if self.meter_at is not None else since
        return last + self.settings.stale_after

    def estimate(self) -> float | None:
        """The grid now: the last reading, moved as much as the unit's AC-in moved since."""
        if self.meter is None:
            return None
        if self.ac_in is None or self._ac_in_at_meter is None:
            return self.meter
        return self.meter + self.ac_in - self._ac_in_at_meter

    def decide(self, now: float, since: float) -> Decision:
        """The setpoint for now; ``since``: when the controller started."""
        estimate = self.estimate()
        if now >= self.stale_at(since):
            return Decision(now, self.meter, estimate, 0, DecisionReason.METER_STALE)
        if not self.meter_available:
            return Decision(now, self.meter, None, 0, DecisionReason.METER_UNAVAILABLE)
        if estimate is None:
            return Decision(now, None, None, 0, DecisionReason.NO_METER)
        settings = self.settings
        error = estimate - settings.target
        base = self.setpoint
        desired: float = base
        if abs(error) <= settings.deadband:
            reason = DecisionReason.IN_DEADBAND
        elif self._changed_at is not None and now - self._changed_at < SETTLE:
            reason = DecisionReason.SETTLING
        else:
            desired, reason = base - error, DecisionReason.CORRECTING
            step = settings.ramp * SETTLE  # one correction per SETTLE at most
            if abs(desired - base) > step:
                desired, reason = (
                    base + math.copysign(step, desired - base),
                    DecisionReason.RAMP_LIMITED,
                )
        setpoint, limited = self.bounded(desired)
        return Decision(now, self.meter, estimate, setpoint, limited or reason)

    def bounded(self, desired: float) -> tuple[int, DecisionReason | None]:
        """``desired`` within the maximum powers and the state of charge limits."""
        settings, soc = self.settings, self.soc
        if desired > 0 and soc is not None and soc >= settings.max_soc:
            return 0, DecisionReason.SOC_MAXIMUM
        if desired < 0 and soc is not None and soc <= settings.min_soc:
            return 0, DecisionReason.SOC_MINIMUM
        if desired > settings.max_charge:
            return math.floor(settings.max_charge), DecisionReason.MAX_CHARGE
        if desired < -settings.max_discharge:
            return -math.floor(settings.max_discharge), DecisionReason.MAX_DISCHARGE
        return round(desired), None


@dataclass(frozen=True, slots=True)
class SocProgram:
    """Charge (``power`` > 0) or discharge (< 0) until the state of charge reaches
    ``target`` or the clock reaches ``deadline``; then the setpoint ``previous`` again."""

    target: float  # %
    power: int  # W, + = charging
    deadline: float | None
    previous: int  # W, the setpoint before

    @property
    def charging(self) -> bool:
        return self.power > 0

    @property
    def reason(self) -> DecisionReason:
        return DecisionReason.CHARGE_TO_SOC if self.charging else DecisionReason.DISCHARGE_TO_SOC

    def reached(self, soc: float | None) -> bool:
        if soc is None:
            return False
        return soc >= self.target if self.charging else soc <= self.target

    def end(self, soc: float | None, now: float) -> DecisionReason | None:
        """Why the program is over now, or None while it runs."""
        if self.reached(soc):
            return DecisionReason.SOC_REACHED
        if self.deadline is not None and now >= self.deadline:
            return DecisionReason.DEADLINE
        return None


def check_soc_program(
    settings: GridTargetSettings,
    *,
    charging: bool,
    target: float,
    power: float,
    soc: float,
    max_power: int,
) -> int:
    """The power of a program as the setpoint takes it (+ = charging), or
    VEBusOutOfRangeError naming the bound: the target between the state of charge now and
    the limit of the options, the power up to the maximum charge or discharge power (and
    the ESS maximum)."""
    item = "Target state of charge"
    target = number(item, target)
    power = number("Charge power" if charging else "Discharge power", power)
    if not math.isfinite(target):
        raise VEBusOutOfRangeError(item, target, settings.min_soc, settings.max_soc, "%")
    if charging and target <= soc:  # the target must lie ahead: above the SOC now
        raise VEBusOutOfRangeError(
            item, target, soc, settings.max_soc, "%", bound="soc_now", side="below"
        )
    if not charging and target >= soc:
        raise VEBusOutOfRangeError(
            item, target, settings.min_soc, soc, "%", bound="soc_now", side="above"
        )
    if not settings.min_soc <= target <= settings.max_soc:
        low, high = (soc, settings.max_soc) if charging else (settings.min_soc, soc)
        raise VEBusOutOfRangeError(item, target, low, high, "%", bound="soc_option")
    limit = math.floor(min(settings.max_charge if charging else settings.max_discharge, max_power))
    item = "Charge power" if charging else "Discharge power"
    if not math.isfinite(power) or not 1 <= power <= limit:
        raise VEBusOutOfRangeError(item, power, 1, limit, "W", bound="ess_control")
    return round(power) if charging else -round(power)
