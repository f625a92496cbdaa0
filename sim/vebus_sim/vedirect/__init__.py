"""The VE.Direct simulator: a Blue Smart charger today (``vedirect-sim``).

``VEDirectSimulator`` serves a product over a pty or TCP: every second the product's stream
(text blocks, then async frames), HEX answers from the library's codec and register table
(``HexDevice``), faults on demand. A product family is a model on it: a ``HexDevice``
subclass (the registers it holds, what a Set may store, its physics), a ``Stream`` (what it
sends unasked) and its models (docs/design.md §4). ``ChargerSimulator`` serves a
``SimCharger`` and its ``Traffic``: charge stages that move, mains off, min/max and
clamping, non-volatile memory write counters.
"""

from .charger import SimCharger
from .charger_simulator import ChargerSimulator, serve
from .faults import ChargerFaults, VEDirectFaults
from .hex_device import HexDevice
from .models import MODELS, ChargerModel, get_model
from .server import BAUD, BLOCK_INTERVAL, BYTE_TIME, Stream, VEDirectSimulator
from .traffic import CHATTER_PAIRS, HISTORY_FRAMES, Traffic, text_fields

__all__ = [
    "BAUD",
    "BLOCK_INTERVAL",
    "BYTE_TIME",
    "CHATTER_PAIRS",
    "HISTORY_FRAMES",
    "MODELS",
    "ChargerFaults",
    "ChargerModel",
    "ChargerSimulator",
    "HexDevice",
    "SimCharger",
    "Stream",
    "Traffic",
    "VEDirectFaults",
    "VEDirectSimulator",
    "get_model",
    "serve",
    "text_fields",
]
