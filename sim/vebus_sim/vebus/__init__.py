"""The VE.Bus simulator: an MK3 interface on simulated VE.Bus units (``vebus-sim``).

``Simulator`` serves a ``SimDevice`` (the unit at address 0, the system it leads and the
MK3 it powers) over a pty or TCP, paced like the real 2400 baud line, with faults on
demand (docs/design.md §4). ``mk3`` decides every answer, ``device``, ``system`` and
``unit`` hold what a client can observe, ``physics`` moves it through simulated time.
"""

from vebus_sim.framework.pty import PTY_POLL_INTERVAL

from .device import SimDevice
from .faults import Faults
from .models import MODELS, DeviceModel, get_model
from .server import BYTE_TIME, Simulator, serve
from .session import UNRELATED_FRAMES
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
