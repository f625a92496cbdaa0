"""``python -m vebus``: the vebus command line."""

import sys

from .cli import main

sys.exit(main())
