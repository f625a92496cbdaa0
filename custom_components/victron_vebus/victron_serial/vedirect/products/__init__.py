"""VE.Direct product families, declared as data (docs/adding-a-product.md).

A family is a module of declarations: its product ids, the text fields it sends, the
registers it has and the controls the owner may write (their bounds and rules:
``products.family``). The client, the simulator and the integration's entity descriptions
read them.
"""

from .charger import BLUE_SMART
from .family import Control, ProductFamily, ProductIds
from .fields import NOT_AVAILABLE, FieldKind, FieldValue, TextField

FAMILIES: tuple[ProductFamily, ...] = (BLUE_SMART,)

__all__ = [
    "BLUE_SMART",
    "FAMILIES",
    "NOT_AVAILABLE",
    "Control",
    "FieldKind",
    "FieldValue",
    "ProductFamily",
    "ProductIds",
    "TextField",
]
