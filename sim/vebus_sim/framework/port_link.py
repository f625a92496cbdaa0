"""The path a client opens for a simulated serial port: a symlink to the pty's slave.

A pty's own name (/dev/pts/N) is handed to whichever pty is opened next on the machine once
this one closes: another test, another process. A client that reopened that name after an
unplug would be talking to some other device. Like /dev/serial/by-id/..., the link is there
while the device is plugged in and gone while it is not.
"""

from __future__ import annotations

import contextlib
import os
import tempfile


class PortLink:
    """``path``, or a link in a folder of its own when none is given."""

    def __init__(self, path: str | None, name: str) -> None:
        self._folder: str | None = None
        if path is None:
            self._folder = tempfile.mkdtemp(prefix=f"{name}-")
            path = os.path.join(self._folder, name)
        self.path = path

    def point(self, target: str) -> None:
        """Make the link lead to ``target``, replacing what was there atomically."""
        temporary = f"{self.path}.{os.getpid()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        os.symlink(target, temporary)
        os.replace(temporary, self.path)

    def remove(self) -> None:
        """Unplugged: no such port until the next ``point``."""
        with contextlib.suppress(OSError):
            if os.path.islink(self.path):
                os.unlink(self.path)

    def close(self) -> None:
        self.remove()
        if self._folder is not None:
            with contextlib.suppress(OSError):
                os.rmdir(self._folder)
            self._folder = None
