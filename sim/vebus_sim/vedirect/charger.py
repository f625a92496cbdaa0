"""A Blue Smart charger: its registers, what it takes, and a small physics.

``SimCharger`` keeps what a client can observe: the settings (raw, as the registers hold
them), the measured values, the charge state, and a counter of non-volatile memory writes
per register (``nvm_writes``). HEX requests are answered by ``HexDevice`` from the
library's own codec and register table; where the charger's behaviour is not
documented, the simulator does what the reference reports or assumes (vedirect.md §5):
a limit below the minimum is clamped to it, one above the maximum refused (flag 0x04);
voltages are refused unless the battery type is user-defined (0xEDF1 = 0xFF).

Physics, one step per text block (one device second): mains on, the charger walks bulk
(the limit's current, the voltage rising) -> absorption (voltage held, current tapering)
-> float -> storage; mains off, current 0 and state off, the stream goes on.
"""

from __future__ import annotations

from victron_serial.vedirect import ChargeState, Reg, Register
from victron_serial.vedirect.products import BLUE_SMART
from victron_serial.vedirect.products.family import Choices

from .hex_device import HexDevice
from .models import ChargerModel, get_model

NO_INPUT_POWER = 0x00000001  # 0x0207 bit 0
# What the charger takes, as the library declares it: voltages only with a user-defined
# battery type; the low current mode's values.
USER_DEFINED = BLUE_SMART.requirement(Reg.ABSORPTION_VOLTAGE).value
LOW_CURRENT_MODES = BLUE_SMART.bounds(Reg.LOW_CURRENT_MODE, Choices).values
ABSORPTION_TIME = 120.0  # device seconds; real chargers take hours
FLOAT_TIME = 600.0
VOLTS_PER_AMP_SECOND = 0.0005  # how fast bulk raises the battery voltage
TAPER = 0.97  # absorption current kept per second
FLOAT_CURRENT = 0.02  # of the maximum
# Link registers as captured from an IP22 24|12 (WAS): answered to Get, never changed.
LINK_VALUES: dict[int, int] = {
    Reg.LINK_ERROR.id: 0,
    Reg.LINK_DEVICE_STATE.id: 0xFF,
    Reg.NETWORK_INFO.id: 0x0008,
    Reg.LINK_ABSORPTION_TIME.id: 0,
    Reg.LINK_ABSORPTION_END_TIME.id: 50,
    Reg.LINK_TOTAL_CHARGE_CURRENT.id: 0x7FFFFFFF,
    Reg.LINK_CHARGE_CURRENT_LIMIT.id: 0xFFFF,
}


class SimCharger(HexDevice):
    """One simulated charger; every value a client sees comes from here."""

    def __init__(self, model: str | ChargerModel = "ip22-24-12", *, live: bool = True) -> None:
        self.model = model if isinstance(model, ChargerModel) else get_model(model)
        super().__init__(self.model.product_id, self.model.firmware, BLUE_SMART.registers)
        scale = self.model.nominal_voltage / 12
        self.live = live
        self.mains = True
        self.uptime = 4
        self.voltage = round(12.9 * scale, 2)  # V at the output terminals
        self.current = 0.0  # A
        self.outputs = self.model.outputs
        self.temperature: float | None = None  # °C; None: no sensor ("---")
        self.internal_temperature = 25.2
        self.state = ChargeState.BULK
        self.error = 0
        self.network_mode = 0x01  # 0x200E: 0x21 once the Bluetooth side joined a network
        self.hc = self.model.hc
        self.time_in_state = 0.0
        self.settings |= {
            Reg.CHARGE_CURRENT_LIMIT.id: round(self.model.maximum_current * 10),
            Reg.BATTERY_TYPE.id: 0x01,  # a preset: voltages refused until user defined
            Reg.ABSORPTION_VOLTAGE.id: round(14.4 * scale * 100),
            Reg.FLOAT_VOLTAGE.id: round(13.8 * scale * 100),
            Reg.STORAGE_VOLTAGE.id: round(13.2 * scale * 100),
            Reg.DEVICE_FUNCTION.id: 0,
        }
        if self.model.low_current_mode:
            self.settings[Reg.LOW_CURRENT_MODE.id] = 0
        self.reports_minimum = True  # False: 0xEDC8 unknown, as may be on older firmware

    # --- what it is and holds ------------------------------------------------------------

    @property
    def minimum_current(self) -> float:
        return self.model.minimum_current

    @property
    def maximum_current(self) -> float:
        return self.model.maximum_current

    def setting(self, register: Register) -> float:
        return round(self.settings[register.id] * register.scale, 6)

    @property
    def charge_current_limit(self) -> float:
        return self.setting(Reg.CHARGE_CURRENT_LIMIT)

    @property
    def off_reason(self) -> int:
        return 0 if self.mains else NO_INPUT_POWER

    def raw(self, register: Register) -> int | str | None:
        """The raw value a Get returns; None: the charger has no such register."""
        model = self.model
        measured: dict[Register, int | str] = {
            Reg.PRODUCT_ID: 0xFF000000 | model.product_id << 8,
            Reg.APP_VERSION: int(model.firmware, 16),
            Reg.SERIAL_NUMBER: model.serial,
            Reg.MODEL_NAME: model.name,
            Reg.UPTIME: self.uptime,
            Reg.DEVICE_STATE: int(self.state),
            Reg.OFF_REASON: self.off_reason,
            Reg.MINIMUM_CURRENT: round(model.minimum_current * 10),
            Reg.MAXIMUM_CURRENT: round(model.maximum_current * 10),
            Reg.CHANNEL1_VOLTAGE: round(self.voltage * 100),
            Reg.CHANNEL1_CURRENT: round(self.current * 10),
            Reg.CHANNEL1_CURRENT_FINE: round(self.current * 1000),
            Reg.CHARGER_VOLTAGE: round(self.voltage * 100),
            Reg.CHARGER_CURRENT: round(self.current * 10),
            Reg.CHARGER_ERROR: self.error,
            Reg.INTERNAL_TEMPERATURE: round(self.internal_temperature * 100),
            Reg.PHYSICAL_OUTPUTS: model.outputs,
            Reg.NETWORK_MODE: self.network_mode,
            Reg.LINK_VSET: self.settings[Reg.ABSORPTION_VOLTAGE.id],
        }
        if model.battery_sense:
            measured[Reg.BATTERY_VSENSE] = 0xFFFF
        if not self.reports_minimum:
            del measured[Reg.MINIMUM_CURRENT]
        if register in measured:
            return measured[register]
        if register.id in self.settings:
            return self.settings[register.id]
        if model.link_chatter and register.id in LINK_VALUES:
            return LINK_VALUES[register.id]
        return None

    # --- HEX ----------------------------------------------------------------------------------

    def accept(self, register: Register, raw: int) -> int | None:
        """The raw value the charger takes for ``raw``; None: refused."""
        if register is Reg.CHARGE_CURRENT_LIMIT:
            if raw > round(self.model.maximum_current * 10):
                return None
            return max(raw, round(self.model.minimum_current * 10))  # clamped, not refused
        if register in (Reg.ABSORPTION_VOLTAGE, Reg.FLOAT_VOLTAGE, Reg.STORAGE_VOLTAGE):
            return raw if self.settings[Reg.BATTERY_TYPE.id] == USER_DEFINED else None
        if register is Reg.LOW_CURRENT_MODE:
            return raw if raw in LOW_CURRENT_MODES else None
        if register is Reg.DEVICE_FUNCTION:
            return raw if raw in (0, 1) else None
        return raw

    # --- physics ------------------------------------------------------------------------------

    def step(self, seconds: float = 1.0) -> None:
        """One device second (or ``seconds``) passes: uptime, and the charge when live."""
        self.uptime += round(seconds)
        if self.live:
            self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move the charge on by ``seconds`` (also when frozen: the test's own step)."""
        previous = self.state
        if not self.mains:
            self.state = ChargeState.OFF
            self.current = 0.0
            rest = 12.7 * self.model.nominal_voltage / 12
            self.voltage = round(max(rest, self.voltage - 0.01 * seconds), 2)
        else:
            self._charge(seconds)
        self.time_in_state = self.time_in_state + seconds if self.state == previous else 0.0

    def _charge(self, seconds: float) -> None:
        absorption = self.setting(Reg.ABSORPTION_VOLTAGE)
        floating = self.setting(Reg.FLOAT_VOLTAGE)
        available = min(self.charge_current_limit, self.maximum_current)
        if self.settings.get(Reg.LOW_CURRENT_MODE.id):
            available /= 2
        if self.state in (ChargeState.OFF, ChargeState.BULK):
            self.state = ChargeState.BULK
            self.current = round(available, 3)
            self.voltage = round(self.voltage + VOLTS_PER_AMP_SECOND * available * seconds, 2)
            if self.voltage >= absorption:
                self.voltage, self.state = absorption, ChargeState.ABSORPTION
        elif self.state == ChargeState.ABSORPTION:
            self.voltage = absorption
            self.current = round(min(available, self.current * TAPER**seconds), 3)
            if self.time_in_state + seconds >= ABSORPTION_TIME:
                self.state = ChargeState.FLOAT
        elif self.state == ChargeState.FLOAT:
            self.voltage = floating
            self.current = round(self.maximum_current * FLOAT_CURRENT, 3)
            if self.time_in_state + seconds >= FLOAT_TIME:
                self.state = ChargeState.STORAGE
        else:
            self.voltage = self.setting(Reg.STORAGE_VOLTAGE)
            self.current = round(self.maximum_current * FLOAT_CURRENT, 3)
