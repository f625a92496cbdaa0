"""``python -m vedirect``: the vedirect command line."""

import sys

from .cli import main

sys.exit(main())
