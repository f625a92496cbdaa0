"""What ``discover`` learns of a unit and its system, which every part of the unit reads:
its identity, phases and the addresses of its units, AC inputs, system voltage, the RAM
variables and settings (with their scales) it has, and from these the controls it offers."""

from __future__ import annotations

from ..client import VEBusClient
from ..device.controls import BATTERY_MONITOR_SETTING, FlagSwitch, SettingControl
from ..device.product import Product, family_of
from ..device.states import DeviceInfo, Mode
from ..protocol.scaling import SettingScale
from ..reading.status import find_units


class UnitFacts:
    """The unit as discovered; the same object for every part, filled in as it is learnt."""

    def __init__(self, client: VEBusClient) -> None:
        self._client = client
        self.device: DeviceInfo | None = None
        self.phases = 1
        self.addresses: tuple[int, ...] = ()  # of each unit, in a system of several
        self.ac_inputs: int | None = None  # from 'F' 5: 0 on a Phoenix, 2 on a Quattro
        self.nominal_voltage: float | None = None  # V, from the absorption voltage's maximum
        self.supported_ram: set[int] = set()
        self.setting_scales: dict[int, SettingScale] = {}

    async def find_system(self) -> None:
        """Phases and, in a system of several units, their addresses (every unit gets the
        settings of the tables written). ``discover`` does it; the command line too."""
        first = await self._client.ac_info(1)
        self.phases = first.phases or 1
        if self.phases > 1 or first.units > 1:
            self.addresses = await find_units(self._client)

    @property
    def product(self) -> Product:
        """What the unit is (``discover`` learns it): family, system voltage, firmware."""
        return Product(
            family_of(self.ac_inputs),
            self.nominal_voltage,
            self.device.firmware_version if self.device is not None else None,
        )

    @property
    def other_units(self) -> tuple[int, ...]:
        """The addresses of the system's units besides the one the client addresses."""
        return tuple(address for address in self.addresses if address != self._client.address)

    @property
    def has_charger(self) -> bool:
        """False for an inverter (a Phoenix has no AC input); True while not known."""
        return self.ac_inputs != 0

    @property
    def modes(self) -> tuple[Mode, ...]:
        """The remote switch positions this unit has: an inverter is on or off."""
        return tuple(Mode) if self.has_charger else (Mode.ON, Mode.OFF)

    def offers(self, control: FlagSwitch | SettingControl) -> bool:
        """The unit has this control: it reports the setting (and, for a flag switch, its
        bits as supported), and it has what the control needs."""
        scale = self.setting_scales.get(control.setting_id)
        if scale is None or not control.needs.met_by(self.product, self.ac_inputs):
            return False
        return not isinstance(control, FlagSwitch) or control.supported_by(scale.info.maximum)

    @property
    def offers_battery_monitor(self) -> bool:
        """The battery capacity can be set to 0 (off) and back."""
        scale = self.setting_scales.get(BATTERY_MONITOR_SETTING)
        return scale is not None and scale.info.minimum <= 0 < scale.info.maximum
