"""``python -m custom_components.victron_vebus.vebus``: the vebus command line."""

import sys

from .cli import main

sys.exit(main())
