"""``python -m vebus_sim.vedirect``: the same as the ``vedirect-sim`` command."""

import sys

from .cli import main

sys.exit(main())
