"""The command lines' record of memory writes, kept between runs in a state file.

The EEPROM rule (VE.Bus) and the non-volatile memory rule (VE.Direct): each setting is
written at most once per interval, every attempt that may have reached the device counts,
and the record survives restarts. Home Assistant keeps the record in the entry's storage;
``vebus`` and ``vedirect`` keep it here, so that five runs in a row are five runs of one
program, not five first writes. Both command lines use this module.

Where: ``$XDG_STATE_HOME/victron-serial/`` (``~/.local/state/victron-serial/`` when the
variable is not set), one file per device, named after what identifies the device: its
serial number (``vebus-HQ1234ABCDE.json``: the VE.Bus unit at the interface's address, the
master of a system; ``vedirect-HQ2230XY6XR.json``: the charger). The memory worn is the
device's, wherever it is plugged in: the same unit on another port, or behind another
interface, finds its record; two units on two ports have two. A device that does not
give its serial number (VE.Bus firmware before 308) is known by its port as named
(``vebus-port-_dev_serial_by-id_usb-VictronEnergy_MK3-USB_HQ…``): name it by its
``/dev/serial/by-id/`` path so the name stays.

The file is written whole to a temporary file and renamed over the old one, so a run that
ends halfway leaves the old record or the new one, never half of one. A file that cannot
be read is taken as empty, with a warning. A lock file beside it (``flock``) is held from
reading the record to writing it (``flock``; ``msvcrt.locking`` on Windows), so two runs at
once write one after the other and the second sees the first's write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
import json
import math
import os
from pathlib import Path
import re
import sys
import tempfile
import time
from types import TracebackType
from typing import IO, Self

APP_FOLDER = "victron-serial"
FORMAT = 1
LOCK_WAIT = 30.0  # s another run may hold the record while it writes
_LOCK_POLL = 0.05  # s
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

if sys.platform == "win32":
    import msvcrt

    def _try_lock(file: IO[bytes]) -> bool:
        try:
            msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(file: IO[bytes]) -> bool:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def state_folder() -> Path:
    """``$XDG_STATE_HOME/victron-serial``, else ``~/.local/state/victron-serial``."""
    base = os.environ.get("XDG_STATE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / APP_FOLDER


def ledger_name(kind: str, serial: str | None, port: str) -> str:
    """The file name of a device's record: by serial number, else by its port."""
    if serial and serial.strip():
        return f"{kind}-{_UNSAFE.sub('_', serial.strip())}.json"
    return f"{kind}-port-{_UNSAFE.sub('_', port)}.json"


class LedgerFile:
    """One device's record of writes: setting or register id -> wall-clock time of the
    last write (attempt). Use ``async with`` around reading it and every write it counts."""

    def __init__(self, path: Path, *, program: str, device: str) -> None:
        self.path = path
        self.program = program  # "vebus", "vedirect": who warns
        self.device = device  # what the file says it is the record of
        self.saved: dict[int, float] = {}
        self._lock: IO[bytes] | None = None

    @classmethod
    def for_device(cls, program: str, serial: str | None, port: str) -> LedgerFile:
        name = ledger_name(program, serial, port)
        device = f"serial {serial}" if serial else f"port {port}"
        return cls(state_folder() / name, program=program, device=device)

    async def __aenter__(self) -> Self:
        """Lock the record (waiting for another run's write, at most ``LOCK_WAIT``) and
        read it. A folder that cannot be written fails here, before any write."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_suffix(".lock").open("ab")
        deadline = time.monotonic() + LOCK_WAIT
        while not _try_lock(lock):
            if time.monotonic() >= deadline:
                lock.close()
                raise TimeoutError(
                    f"another run holds the write record {self.path}: try again when it has ended"
                )
            await asyncio.sleep(_LOCK_POLL)
        self._lock = lock
        self.saved = self._read()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._lock is not None:
            self._lock.close()  # closing releases the lock
            self._lock = None

    def _read(self) -> dict[int, float]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as err:
            self._warn(f"the write record {self.path} cannot be read ({err})")
            return {}
        try:
            return _parse(text)
        except (ValueError, TypeError, AttributeError, KeyError) as err:
            self._warn(f"the write record {self.path} is damaged ({err})")
            return {}

    def _warn(self, what: str) -> None:
        print(
            f"{self.program}: warning: {what}: starting an empty record; writes before it "
            "are not known, so the interval is not held for them",
            file=sys.stderr,
        )

    def record(self, saved: Mapping[int, float]) -> None:
        """The limiter's ``on_change``: write the record whole (temporary file, rename)."""
        self.saved = dict(saved)
        document = {
            "format": FORMAT,
            "device": self.device,
            "written": {str(key): value for key, value in sorted(self.saved.items())},
        }
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=self.path.parent, prefix=".tmp-", delete=False
        ) as file:
            json.dump(document, file, indent=1)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.replace(file.name, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(file.name)
            raise

    def forcing(
        self, key: int, item: str, retry_at: float | None, interval: float, memory: str
    ) -> dict[int, float]:
        """The record for a write ``--force`` lets through: without ``key`` when the
        interval does not allow it yet (``retry_at``), having said what that costs."""
        if retry_at is None:
            return dict(self.saved)
        ago = max(0.0, time.time() - self.saved.get(key, time.time()))
        print(
            f"{self.program}: warning: --force: {item} was written to {memory} {ago:.0f} s "
            f"ago; writing it again before the {interval / 60:g}-minute interval is up is "
            f"one more write of {memory}, which wears out with writes (it is made for "
            "thousands, not for a loop)",
            file=sys.stderr,
        )
        return {saved: at for saved, at in self.saved.items() if saved != key}

    def too_soon(self, item: str, retry_at: float, memory: str) -> str:
        """The refusal of a write the interval does not allow yet."""
        when = time.strftime("%H:%M:%S", time.localtime(retry_at))
        return (
            f"{item} was written to {memory} too recently: to spare it, it may be written "
            f"again from {when} (the record: {self.path}). --force writes it now, at the cost "
            f"of one more write of {memory}. Nothing was sent"
        )


def _parse(text: str) -> dict[int, float]:
    document = json.loads(text)
    if document.get("format") != FORMAT:
        raise ValueError(f"format {document.get('format')!r}, not {FORMAT}")
    saved: dict[int, float] = {}
    for key, value in document["written"].items():
        when = float(value)
        if not math.isfinite(when):
            raise ValueError(f"{value!r} is no time")
        saved[int(key)] = when
    return saved
