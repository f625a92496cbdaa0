"""A product family, declared: what its devices are, send, hold and let the owner set.

The library's client, the simulator and the integration's entity descriptions read a
family; none of them lists a family's fields, registers or limits again. Registers are the
rows of ``Reg`` (the one register table): a family names the ones its devices have, and
each row says whether it is volatile or kept in non-volatile memory (``Register.nvm``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..registers import Register
from .fields import FieldValue, TextField


@dataclass(frozen=True, slots=True)
class FromRegisters:
    """Bounds the device gives at discovery (a charger's 0xEDC8 and 0xEDDF)."""

    minimum: Register
    maximum: Register
    minimum_when_absent: float | None = None  # a device without ``minimum`` means this


@dataclass(frozen=True, slots=True)
class Choices:
    """The values a mode register takes; nothing in between."""

    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SystemVoltage:
    """Bounds as multiples of the system voltage (12, 24, 48 V)."""

    low: float
    high: float


Bounds = FromRegisters | Choices | SystemVoltage


@dataclass(frozen=True, slots=True)
class Requires:
    """A write is refused unless ``register`` holds ``value`` (read before writing)."""

    register: Register
    value: int
    why: str


@dataclass(frozen=True, slots=True)
class Control:
    """A register the owner may write, with its bounds and rules."""

    register: Register
    bounds: Bounds
    requires: Requires | None = None
    not_above: Register | None = None  # a value above this register's is refused

    @property
    def name(self) -> str:
        return self.register.name


@dataclass(frozen=True, slots=True)
class ProductIds:
    """Product ids of a family: named models, and the name of an id none of them has."""

    models: Mapping[int, str]
    unknown: str  # formatted with the id: "Victron charger (PID 0x{:04X})"

    def name(self, product_id: int) -> str:
        return self.models.get(product_id, self.unknown.format(product_id))


@dataclass(frozen=True, slots=True)
class ProductFamily:
    name: str
    products: ProductIds
    fields: tuple[TextField, ...]  # in the order the devices send them
    registers: tuple[Register, ...]
    settings: tuple[Register, ...]  # read at discovery, in this order
    controls: tuple[Control, ...]

    def field(self, name: str) -> TextField:
        """The field named ``name`` ("voltage", "charge_state")."""
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(f"{self.name}: no text field {name!r}")

    def text_fields(self, values: Mapping[str, FieldValue]) -> list[tuple[str, str]]:
        """A text block's fields as the devices send them: one per field named in
        ``values`` (None: not available), in the declared order; of fields sharing a name
        (FWE, FW) the first."""
        fields: list[tuple[str, str]] = []
        sent: set[str] = set()
        for item in self.fields:
            if item.name in values and item.name not in sent:
                sent.add(item.name)
                fields.append((item.label, item.text(values[item.name])))
        return fields

    def control(self, register: Register) -> Control | None:
        for item in self.controls:
            if item.register is register:
                return item
        return None

    def bounds[B: Bounds](self, register: Register, kind: type[B]) -> B:
        """The bounds of ``register``'s control, which the caller knows to be ``kind``."""
        control = self.control(register)
        bounds = None if control is None else control.bounds
        if not isinstance(bounds, kind):
            raise TypeError(f"{self.name}: {register.name} has no {kind.__name__} bounds")
        return bounds

    def requirement(self, register: Register) -> Requires:
        """The rule ``register``'s control is written under."""
        control = self.control(register)
        if control is None or control.requires is None:
            raise KeyError(f"{self.name}: {register.name} has no requirement")
        return control.requires

    @property
    def outputs(self) -> tuple[tuple[TextField, ...], ...]:
        """The fields of each output, by output number (1, 2, …)."""
        numbers = sorted({f.output for f in self.fields if f.output is not None})
        return tuple(tuple(f for f in self.fields if f.output == n) for n in numbers)

    @property
    def nvm_registers(self) -> tuple[Register, ...]:
        return tuple(item for item in self.registers if item.nvm)
