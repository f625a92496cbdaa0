"""A Blue Smart charger on VE.Direct, for the ``vedirect`` library's tests and development.

``ChargerSimulator`` serves a ``SimCharger`` over a pty or TCP: a text block a second with
the captured async traffic after it, HEX answers, min/max and clamping, non-volatile memory
write counters, charge stages that move, mains off, and faults on demand.
"""

from .charger import SimCharger
from .faults import ChargerFaults
from .models import MODELS, ChargerModel, get_model
from .server import BAUD, BLOCK_INTERVAL, BYTE_TIME, ChargerSimulator, serve
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
    "SimCharger",
    "Traffic",
    "get_model",
    "serve",
    "text_fields",
]
