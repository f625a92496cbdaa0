"""What a Blue Smart charger sends unasked, one device second at a time (vedirect.md §3.5).

A second is a text block followed, with no separator, by async ``:A`` frames:

- IP22 chargers stream the traffic between their MCU and their Bluetooth module: ten pairs
  of 0x2009 (link error) and 0x200E (network mode) a second, byte for byte as captured;
  the measurements go out after the sixth pair (WAS capture).
- Measurements are sent when they changed since last sent, in this order: the charge state
  (0x0201 with 0x0207), the output voltage and current (0xED8D, 0xED8F, 0xED8C, then the
  copies 0xEDD5, 0xEDD7), the internal temperature (0xEDDB); then every second the battery
  sense voltage (0xEE16, IP22 only) and the uptime (0x0120). (KIN #157, WAS.)
- The history records, captured from an IP22 24|12, once at an uptime of 6 s.

Configured with the state a capture shows, a second comes out as the capture, byte for byte.
"""

from __future__ import annotations

from victron_serial.vedirect import Reg
from victron_serial.vedirect.products import BLUE_SMART, FieldValue
from victron_serial.vedirect.protocol import encode_block

from .charger import SimCharger

CHATTER_PAIRS = 10
MEASUREMENTS_AFTER = 6  # pairs
HISTORY_AT_UPTIME = 6
# History records as captured (WAS): cycle record 0, user and cumulative history.
HISTORY_FRAMES = (
    b":A701000001DEC1000060000000000000000000000000000000000000000"
    b"00000000000000000000000000000000000000400BFFFF00FF0064\n",
    b":A43100000280D00004300000001000000000000000D0000000000000072\n",
    b":A4210000023EC1000BC510000E501000008000000960300000000000046\n",
)
_STATE_IDS = frozenset({Reg.DEVICE_STATE.id, Reg.OFF_REASON.id})
# Sent at once only on change; the captures start with these known (none shows them first).
_KNOWN_AT_START = (Reg.DEVICE_STATE, Reg.OFF_REASON, Reg.INTERNAL_TEMPERATURE)
# The order frames come in within a second (WAS, KIN #157).
_ORDER = (
    Reg.DEVICE_STATE,
    Reg.OFF_REASON,
    Reg.CHANNEL1_VOLTAGE,
    Reg.CHANNEL1_CURRENT,
    Reg.CHANNEL1_CURRENT_FINE,
    Reg.CHARGER_VOLTAGE,
    Reg.CHARGER_CURRENT,
    Reg.INTERNAL_TEMPERATURE,
)


def text_fields(charger: SimCharger) -> list[tuple[str, str]]:
    """The text block's fields: labels, order and text as the family declares them."""
    model = charger.model
    values: dict[str, FieldValue] = {
        "product_id": model.product_id,
        "firmware": model.firmware,
        "serial": model.serial,
        "voltage": charger.voltage,
        "current": charger.current,
    }
    for number in range(2, charger.outputs + 1):
        values |= {f"voltage_{number}": charger.voltage, f"current_{number}": 0}
    if model.temperature_field:
        values["temperature"] = charger.temperature  # None: "---", no sensor
    values |= {"error": charger.error, "charge_state": int(charger.state), "hc": charger.hc}
    return BLUE_SMART.text_fields(values)


class Traffic:
    """Builds each second's bytes; remembers what was sent, to send changes only."""

    def __init__(self, charger: SimCharger) -> None:
        self.charger = charger
        self.measurements_after = MEASUREMENTS_AFTER
        self._sent: dict[int, bytes] = {
            register.id: charger.async_frame(register) for register in _KNOWN_AT_START
        }

    def block(self) -> bytes:
        return encode_block(text_fields(self.charger))

    def second(self) -> list[bytes]:
        """The block, then every frame of this second, each an item of its own."""
        charger = self.charger
        items = [self.block()]
        pairs = CHATTER_PAIRS if charger.model.link_chatter else 0
        before = min(self.measurements_after, pairs)
        items += self._chatter(before)
        items += self._measurements()
        if charger.uptime == HISTORY_AT_UPTIME and charger.model.link_chatter:
            items += HISTORY_FRAMES
        items += self._chatter(pairs - before)
        return items

    def _chatter(self, pairs: int) -> list[bytes]:
        if not pairs:
            return []
        pair = [
            self.charger.async_frame(Reg.LINK_ERROR),
            self.charger.async_frame(Reg.NETWORK_MODE),
        ]
        return pair * pairs

    def _measurements(self) -> list[bytes]:
        charger = self.charger
        now = {register.id: charger.async_frame(register) for register in _ORDER}
        changed = {key for key, frame in now.items() if self._sent.get(key) != frame}
        if changed & _STATE_IDS:
            changed |= _STATE_IDS  # the state goes with its off reason
        frames = [now[register.id] for register in _ORDER if register.id in changed]
        self._sent.update(now)
        if charger.model.battery_sense:
            frames.append(charger.async_frame(Reg.BATTERY_VSENSE))
        frames.append(charger.async_frame(Reg.UPTIME))
        return frames
