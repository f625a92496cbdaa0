"""Device simulators for the libraries' tests and for development (never shipped to users).

``Simulator`` is an MK3 interface on a simulated VE.Bus unit, served over a pty or TCP,
paced like the real 2400 baud line, with faults on demand (docs/design.md §4).
"""

from .device import SimDevice
from .faults import Faults
from .models import MODELS, DeviceModel, get_model
from .server import BYTE_TIME, PTY_POLL_INTERVAL, UNRELATED_FRAMES, Simulator, serve
from .unit import SimUnit

__all__ = [
    "BYTE_TIME",
    "MODELS",
    "PTY_POLL_INTERVAL",
    "UNRELATED_FRAMES",
    "DeviceModel",
    "Faults",
    "SimDevice",
    "SimUnit",
    "Simulator",
    "get_model",
    "serve",
]
