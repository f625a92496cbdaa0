"""``python -m vebus_sim.vebus``: the same as the ``vebus-sim`` command."""

import sys

from .cli import main

sys.exit(main())
