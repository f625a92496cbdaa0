"""What every simulator is made of, written once (docs/design.md §4).

- ``server``: ``SerialServer``, a device served over a pty and TCP, unplugged and plugged in
  again on demand, with the protocol's background work and the ``flap`` fault;
  ``serve_until`` prints the endpoints and serves until asked to stop.
- ``session``: ``Session``, one client: its tasks, its counters, the paced way out.
- ``pty``, ``wire``, ``port_link``: the endpoints' plumbing.
- ``faults``: ``FaultSpec``, the spec grammar a protocol's faults declare their keys in, and
  the line's faults (noise bursts, lost bytes, flipped bits).
- ``cli``: the options, signals and errors both commands share.

A protocol's simulator (``vebus_sim.vebus``, ``vebus_sim.vedirect``) adds its session (how it
reads requests and what it sends), its faults and its device models.
"""

from .faults import FaultSpec, corrupt, noise_burst
from .server import SerialServer, serve_until
from .session import Session
from .wire import Wire

__all__ = [
    "FaultSpec",
    "SerialServer",
    "Session",
    "Wire",
    "corrupt",
    "noise_burst",
    "serve_until",
]
