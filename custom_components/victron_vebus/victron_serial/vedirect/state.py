"""A charger's values: from its text block, with what HEX reads add (vedirect.md §2.2).

The text block carries voltage and current per output (V, I; V2, I2, V3, I3 on models with
more outputs), the temperature when a sensor is fitted (``---``: none), the charge state
(CS), the error (ERR) and the charger's identity (PID, FWE, SER#). Values arrive in mV, mA
and °C; here they are V, A and °C, or None where the charger sent none or an impossible one.
The family's declaration (``products.charger``) says each label's kind, scale and unit.
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
from .products import BLUE_SMART, FieldValue, ProductFamily
from .protocol.text import TextBlock


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
    values: dict[str, FieldValue] = field(default_factory=dict)  # by declared field name

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


def field_values(
    block: TextBlock, family: ProductFamily, plausibility: Plausibility | None = None
) -> dict[str, FieldValue]:
    """Each declared field the block carries, by name, in engineering units; numbers no
    quantity can have are None (``plausibility``). Of fields sharing a name (FWE, FW) the
    first that has a value."""
    check = plausibility or Plausibility()
    fields = block.as_dict()
    values: dict[str, FieldValue] = {}
    for item in family.fields:
        if item.label not in fields or values.get(item.name) is not None:
            continue
        value = item.parse(fields[item.label])
        if item.quantity is not None and isinstance(value, int | float):
            value = check.value(item.name, item.quantity, value)
        values[item.name] = value
    return values


def read_block(
    block: TextBlock,
    plausibility: Plausibility | None = None,
    family: ProductFamily = BLUE_SMART,
) -> Reading:
    """The charger's values in ``block``, read through its family's declaration."""
    values = field_values(block, family, plausibility)
    outputs = tuple(
        Output(number, *(_float(values.get(item.name)) for item in declared))
        for number, declared in enumerate(family.outputs, start=1)
        if any(item.name in values for item in declared)
    )
    product_id = values.get("product_id")
    firmware = values.get("firmware")
    serial = values.get("serial")
    return Reading(
        product_id=product_id if isinstance(product_id, int) else None,
        firmware=firmware_text(firmware if isinstance(firmware, str) else None),
        serial=serial if isinstance(serial, str) else None,
        outputs=outputs,
        temperature=_float(values.get("temperature")),
        charge_state_raw=_int(values.get("charge_state")),
        error_raw=_int(values.get("error")),
        fields=block.as_dict(),
        values=values,
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: object) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


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
