"""``import vedirect``: the public API of ``victron_serial.vedirect``, by its short name.

The library lives in ``victron_serial`` (custom_components/victron_vebus/victron_serial/, the
files Home Assistant loads as the integration's bundled copy); the victron-serial distribution
publishes this name too, so ``import vedirect`` and ``python -m vedirect`` keep working.
"""

from victron_serial.vedirect import *  # noqa: F403
from victron_serial.vedirect import __all__  # noqa: F401 (re-exported: the public names)
