"""``python -m vedirect``: the ``vedirect`` command line."""

import sys

from victron_serial.vedirect.cli import main

sys.exit(main())
