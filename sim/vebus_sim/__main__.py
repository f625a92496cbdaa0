"""``python -m vebus_sim``: the same as the ``vebus-sim`` command."""

import sys

from .vebus.cli import main

sys.exit(main())
