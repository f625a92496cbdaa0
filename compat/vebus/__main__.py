"""``python -m vebus``: the ``vebus`` command line."""

import sys

from victron_serial.vebus.cli import main

sys.exit(main())
