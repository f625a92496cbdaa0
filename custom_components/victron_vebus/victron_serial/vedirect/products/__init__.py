"""VE.Direct product families, declared as data (docs/adding-a-product.md).

A family is a module of declarations: its product ids, the text fields it sends, the
registers it has and the controls the owner may write. The client, the simulator and the
integration's entity descriptions read them.
"""

from .charger import BLUE_SMART
from .family import (
    Bounds,
    Choices,
    Control,
    FromRegisters,
    ProductFamily,
    ProductIds,
    Requires,
    SystemVoltage,
)
from .fields import NOT_AVAILABLE, FieldKind, FieldValue, TextField

FAMILIES: tuple[ProductFamily, ...] = (BLUE_SMART,)

__all__ = [
    "BLUE_SMART",
    "FAMILIES",
    "NOT_AVAILABLE",
    "Bounds",
    "Choices",
    "Control",
    "FieldKind",
    "FieldValue",
    "FromRegisters",
    "ProductFamily",
    "ProductIds",
    "Requires",
    "SystemVoltage",
    "TextField",
]
