"""A charger's values: from its text block, with what HEX reads add (vedirect.md §2.2).

The text block carries voltage and current per output (V, I; V2, I2, V3, I3 on models with
more outputs), the temperature when a sensor is fitted (``---``: none), the charge state
(CS), the error (ERR) and the charger's identity (PID, FWE, SER#). Values arrive in mV, mA
and °C; here they are V, A and °C, or None where the charger sent none or an impossible one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import (
    ChargerError,
    ChargeState,
    charge_state,
    charger_error,
    firmware_text,
)
from .plausible import Plausibility
from .protocol.text import TextBlock

NO_VALUE = "---"
OUTPUT_LABELS = (("V", "I"), ("V2", "I2"), ("V3", "I3"))


@dataclass(frozen=True, slots=True)
class Output:
    number: int  # 1, 2, 3
    voltage: float | None  # V
    current: float | None  # A, + = charging


@dataclass(frozen=True, slots=True)
class Reading:
    """One text block, decoded."""

    product_id: int | None
    firmware: str | None
    serial: str | None
    outputs: tuple[Output, ...]
    temperature: float | None  # °C at the battery sensor; None: no sensor
    charge_state_raw: int | None
    error_raw: int | None
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def voltage(self) -> float | None:
        return self.outputs[0].voltage if self.outputs else None

    @property
    def current(self) -> float | None:
        return self.outputs[0].current if self.outputs else None

    @property
    def charge_state(self) -> ChargeState | None:
        return charge_state(self.charge_state_raw)

    @property
    def error(self) -> ChargerError | None:
        return charger_error(self.error_raw)


def _integer(text: str | None, base: int = 10) -> int | None:
    if text is None or text.strip() == NO_VALUE:
        return None
    try:
        return int(text.strip(), base)
    except ValueError:
        return None


def _scaled(text: str | None, scale: float) -> float | None:
    raw = _integer(text)
    return None if raw is None else round(raw * scale, 6)


def read_block(block: TextBlock, plausibility: Plausibility | None = None) -> Reading:
    check = plausibility or Plausibility()
    fields = block.as_dict()
    outputs = []
    for number, (volt_label, amp_label) in enumerate(OUTPUT_LABELS, start=1):
        if volt_label not in fields and amp_label not in fields:
            continue
        suffix = "" if number == 1 else f"_{number}"
        volts = check.value(f"voltage{suffix}", "voltage", _scaled(fields.get(volt_label), 0.001))
        amps = check.value(f"current{suffix}", "current", _scaled(fields.get(amp_label), 0.001))
        outputs.append(Output(number, volts, amps))
    pid = fields.get("PID")
    return Reading(
        product_id=_integer(pid.removeprefix("0x").removeprefix("0X"), 16) if pid else None,
        firmware=firmware_text(fields.get("FWE") or fields.get("FW")),
        serial=fields.get("SER#") or None,
        outputs=tuple(outputs),
        temperature=check.value("temperature", "temperature", _scaled(fields.get("T"), 1)),
        charge_state_raw=_integer(fields.get("CS")),
        error_raw=_integer(fields.get("ERR")),
        fields=fields,
    )


@dataclass(frozen=True, slots=True)
class ChargerState:
    """What the charger is doing now, as the owner shows it."""

    reading: Reading
    model: str | None
    charge_current_limit: float | None  # A, as read back from 0xEDF0
    minimum_current: float | None  # A, 0xEDC8
    maximum_current: float | None  # A, 0xEDDF
    internal_temperature: float | None = None  # °C, from the charger's async frames
    received_at: float | None = None  # monotonic time of the text block

    @property
    def product_id(self) -> int | None:
        return self.reading.product_id

    @property
    def firmware(self) -> str | None:
        return self.reading.firmware

    @property
    def serial(self) -> str | None:
        return self.reading.serial

    @property
    def outputs(self) -> tuple[Output, ...]:
        return self.reading.outputs

    @property
    def voltage(self) -> float | None:
        return self.reading.voltage

    @property
    def current(self) -> float | None:
        return self.reading.current

    @property
    def temperature(self) -> float | None:
        return self.reading.temperature

    @property
    def charge_state(self) -> ChargeState | None:
        return self.reading.charge_state

    @property
    def error(self) -> ChargerError | None:
        return self.reading.error


def state_to_json(state: ChargerState) -> dict[str, Any]:
    """The ``vedirect monitor --json`` object: SI units, null where unknown."""
    reading = state.reading
    data: dict[str, Any] = {
        "product_id": reading.product_id,
        "model": state.model,
        "firmware": reading.firmware,
        "serial": reading.serial,
        "voltage": reading.voltage,
        "current": reading.current,
        "temperature": reading.temperature,
        "charge_state": reading.charge_state.name.lower() if reading.charge_state else None,
        "charge_state_raw": reading.charge_state_raw,
        "error": reading.error.name.lower() if reading.error is not None else None,
        "error_raw": reading.error_raw,
        "charge_current_limit": state.charge_current_limit,
    }
    if len(reading.outputs) > 1:
        data["outputs"] = [
            {"output": out.number, "voltage": out.voltage, "current": out.current}
            for out in reading.outputs
        ]
    return data
