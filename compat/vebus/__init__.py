"""``import vebus``: the public API of ``victron_serial.vebus``, by its short name.

The library lives in ``victron_serial`` (custom_components/victron_vebus/victron_serial/, the
files Home Assistant loads as the integration's bundled copy); the victron-serial distribution
publishes this name too, so ``import vebus`` and ``python -m vebus`` keep working.
"""

from victron_serial.vebus import *  # noqa: F403
from victron_serial.vebus import __all__  # noqa: F401 (re-exported: the public names)
