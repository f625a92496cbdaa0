"""Values no quantity can physically have are reported unknown, never as readings.

A unit (or a line) that sends 0xFFFF everywhere would read as 655.35 V on a 12 V battery
and 32,767 % state of charge. Each such value becomes None; it is counted per quantity and
logged once, so a flood of them is one line, not one per refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import logging
from typing import ClassVar

from ..foundation.plausible import PlausibilityCheck
from .client import VEBusClient
from .device.states import AcInfo, DcInfo
from .errors import VEBusOutOfRangeError
from .protocol.ids import RAM_UNITS, RamVar, Setting, ram_name
from .reading.status import UnitAc, VEBusStatus

_LOGGER = logging.getLogger(__name__)

MAX_AC_VOLTAGE = 500.0  # V: no VE.Bus unit's AC side comes near it
MAX_AC_CURRENT = 500.0  # A, either direction
MAX_DC_CURRENT = 5000.0  # A, either direction
MAX_FREQUENCY = 100.0  # Hz
MAX_POWER = 100_000.0  # W, either direction
TEMPERATURE = (-60.0, 150.0)  # °C
NOMINAL_VOLTAGES = (12.0, 24.0, 48.0)

_RAM_BOUNDS: dict[int, tuple[float, float]] = {
    RamVar.STATE_OF_CHARGE: (0.0, 1.0),
    RamVar.BATTERY_TEMPERATURE: TEMPERATURE,
    **dict.fromkeys(
        range(RamVar.INVERTER_POWER, RamVar.OUTPUT_POWER_UNFILTERED + 1), (-MAX_POWER, MAX_POWER)
    ),
}


def nominal_voltage(absorption_maximum: float | None) -> float:
    """The system voltage a unit is built for, from its absorption voltage's maximum
    (16 V on a 12 V unit, 64 V on a 48 V one); 48 V when it is not known."""
    if absorption_maximum is None or absorption_maximum <= 0:
        return NOMINAL_VOLTAGES[-1]
    return min(NOMINAL_VOLTAGES, key=lambda nominal: abs(absorption_maximum / nominal - 1.3))


def nominal_from_battery(voltage: float | None) -> float | None:
    """The system voltage a battery reading belongs to (13.2 V: 12 V), for units without a
    charger (no absorption voltage); None when the reading fits none of them."""
    if voltage is None or voltage <= 0:
        return None
    nominal = min(NOMINAL_VOLTAGES, key=lambda nominal: abs(voltage / nominal - 1.1))
    return nominal if 0.75 <= voltage / nominal <= 1.35 else None


async def read_nominal_voltage(client: VEBusClient) -> float | None:
    """The unit's system voltage: from its absorption voltage's maximum, or, without a
    charger (a Phoenix), from the battery; None when neither tells."""
    absorption = await client.setting_info(Setting.ABSORPTION_VOLTAGE)
    if absorption is not None:
        return nominal_voltage(absorption.maximum)
    return nominal_from_battery((await client.dc_info()).voltage)


@dataclass(slots=True)
class Plausibility(PlausibilityCheck):
    """Replaces impossible values with None, counting them (``counts``)."""

    device: ClassVar[str] = "unit"
    logger: ClassVar[logging.Logger] = _LOGGER

    nominal_voltage: float = NOMINAL_VOLTAGES[-1]

    def value(self, name: str, value: float | None, low: float, high: float) -> float | None:
        return self.within(name, value, low, high)

    def status(self, status: VEBusStatus) -> VEBusStatus:
        """``status`` with every impossible value replaced by None, each unit's too."""
        if status.dc is not None:
            status.dc = self._dc(status.dc)
        status.ac = [self._ac(ac) for ac in status.ac]
        status.ram = self.ram(status.ram)
        for unit in status.units:
            unit.dc = None if unit.dc is None else self._dc(unit.dc)
            unit.ac = None if unit.ac is None else self._ac(unit.ac)
        return status

    @property
    def ram_bounds(self) -> dict[int, tuple[float, float]]:
        """What each RAM variable with physical bounds can be, by id."""
        return _RAM_BOUNDS | {
            RamVar.BATTERY_VOLTAGE: (0.0, 4 * self.nominal_voltage),
            RamVar.BATTERY_CURRENT: (-MAX_DC_CURRENT, MAX_DC_CURRENT),
        }

    def check_ram(self, ram_id: int, value: float) -> None:
        """A value to write: VEBusOutOfRangeError when the quantity cannot have it."""
        bounds = self.ram_bounds.get(ram_id)
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            name, unit = ram_name(ram_id), RAM_UNITS.get(ram_id)
            raise VEBusOutOfRangeError(name, value, *bounds, unit, bound="physical")

    def ram(self, values: dict[int, float | None]) -> dict[int, float | None]:
        """RAM values by id with every impossible one replaced by None."""
        checked = dict(values)
        for var, (low, high) in self.ram_bounds.items():
            if var in checked:
                checked[var] = self.value(RamVar(var).name.lower(), checked[var], low, high)
        return checked

    def _dc(self, dc: DcInfo) -> DcInfo:
        battery = 4 * self.nominal_voltage
        return replace(
            dc,
            voltage=self.value("battery_voltage", dc.voltage, 0.0, battery),
            current=self.value("battery_current", dc.current, -MAX_DC_CURRENT, MAX_DC_CURRENT),
            inverter_current=self.value(
                "inverter_dc_current", dc.inverter_current, 0.0, MAX_DC_CURRENT
            ),
            charger_current=self.value(
                "charger_dc_current", dc.charger_current, 0.0, MAX_DC_CURRENT
            ),
            frequency=self.value("inverter_frequency", dc.frequency, 0.0, MAX_FREQUENCY),
        )

    def _ac[Ac: (AcInfo, UnitAc)](self, ac: Ac) -> Ac:
        return replace(
            ac,
            input_voltage=self.value("ac_input_voltage", ac.input_voltage, 0.0, MAX_AC_VOLTAGE),
            input_current=self.value(
                "ac_input_current", ac.input_current, -MAX_AC_CURRENT, MAX_AC_CURRENT
            ),
            input_frequency=self.value(
                "ac_input_frequency", ac.input_frequency, 0.0, MAX_FREQUENCY
            ),
            output_voltage=self.value("ac_output_voltage", ac.output_voltage, 0.0, MAX_AC_VOLTAGE),
            output_current=self.value(
                "ac_output_current", ac.output_current, -MAX_AC_CURRENT, MAX_AC_CURRENT
            ),
        )
