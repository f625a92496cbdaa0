"""Device simulators for the libraries' tests and for development (never shipped to users).

One framework (``framework``: pty and TCP serving, port links, faults, pacing, the
commands' common part) under two protocols' simulators (docs/design.md §4):

- ``vebus``: an MK3 interface on simulated VE.Bus units (``vebus-sim``);
- ``vedirect``: VE.Direct products, a Blue Smart charger today (``vedirect-sim``).

The VE.Bus simulator's public names are also the package's own, as ``from vebus_sim import
Simulator`` has always read.
"""

from .vebus import *  # noqa: F403
from .vebus import __all__  # noqa: F401 (re-exported: the public names)
