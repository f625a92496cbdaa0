"""Home Assistant's own ``hass`` command, for scripts/develop on this machine's Python.

Home Assistant 2025.5 to 2026.2 refuse to start on a Python below 3.13.2, and the newest
Python 3.13 this machine has is 3.13.0. They run on it (the whole test suite does, on
2026.2.3): only the version check is skipped, with a note saying so.
"""

import sys

from homeassistant import __main__ as hass_main
from usb_listing import install_from_environment

if sys.version_info[:3] < hass_main.REQUIRED_PYTHON_VER:
    wanted = ".".join(map(str, hass_main.REQUIRED_PYTHON_VER))
    print(
        f"scripts/hass.py: Home Assistant asks for Python {wanted}; running on "
        f"{sys.version.split()[0]} for development",
        file=sys.stderr,
    )
    hass_main.validate_python = lambda: None

install_from_environment()  # scripts/screenshots' simulator shown as a USB adapter
sys.exit(hass_main.main())
