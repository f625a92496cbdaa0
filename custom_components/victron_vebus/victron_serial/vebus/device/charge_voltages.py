"""A device rule of the charge voltages: the float voltage never above the absorption voltage.

A unit takes either order, and a float above absorption makes the charger hold a higher
voltage after the absorption phase than during it. So a write that would leave the float
voltage above the absorption voltage in force is refused before anything is sent: a float
voltage above absorption, or an absorption voltage below float.
"""

from __future__ import annotations

from ..errors import VEBusChargeVoltageOrderError
from ..protocol.ids import Setting, setting_name

# Each charge voltage and the one it is checked against.
PAIRED: dict[int, int] = {
    Setting.ABSORPTION_VOLTAGE: Setting.FLOAT_VOLTAGE,
    Setting.FLOAT_VOLTAGE: Setting.ABSORPTION_VOLTAGE,
}
_DIGITS = 3  # the settings' steps are 0.01 V: compare what the unit can hold


def check_charge_voltage(setting_id: int, value: float, other_value: float) -> None:
    """Raise when ``value`` for ``setting_id`` would pass ``other_value`` of its pair."""
    if setting_id == Setting.FLOAT_VOLTAGE:
        float_v, absorption = value, other_value
    elif setting_id == Setting.ABSORPTION_VOLTAGE:
        absorption, float_v = value, other_value
    else:
        return
    if round(float_v, _DIGITS) > round(absorption, _DIGITS):
        raise VEBusChargeVoltageOrderError(
            setting_name(setting_id), value, setting_name(PAIRED[setting_id]), other_value
        )
