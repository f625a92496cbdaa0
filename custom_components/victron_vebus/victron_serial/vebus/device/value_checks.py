"""What a value written must be before its bounds are checked: a number, not a boolean
(``true`` is no 1 W), a whole one where the quantity counts in whole steps (a setting in
whole volts, an integer variable), and 0 or 1 for a bit. Nothing is rounded into shape:
1.5 for a whole-numbered setting is refused, not written as 2."""

from __future__ import annotations

import math

from ..errors import VEBusInvalidValueError


def number(item: str, value: float) -> float:
    """``value`` as a float; a boolean (or anything but a real number) is refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise VEBusInvalidValueError(item, value, "a number")
    return float(value)


def whole(item: str, value: float, step: float = 1.0) -> float:
    """``value`` when it is a whole number of ``step``; NaN and infinity pass, for the
    bounds to refuse."""
    value = number(item, value)
    if math.isfinite(value) and not math.isclose(value / step, round(value / step), abs_tol=1e-9):
        expected = "a whole number" if step == 1 else f"a whole number of {step:g}"
        raise VEBusInvalidValueError(item, value, expected)
    return value


def bit(item: str, value: float) -> float:
    """0 or 1, nothing between."""
    if number(item, value) not in (0.0, 1.0):
        raise VEBusInvalidValueError(item, value, "0 or 1")
    return float(value)
