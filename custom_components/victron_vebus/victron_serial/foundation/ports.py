"""Naming a port, and the reason it cannot be opened, the same way for both libraries."""

from __future__ import annotations

import errno
import re

import serialx

from .errors import ErrorFamily

CONNECT_TIMEOUT = 5.0  # s

# USB serial numbers inside /dev/serial/by-id/ names, e.g. ..._HQ2043ABCDE-if00-port0
_USB_SERIAL = re.compile(r"(?<=_)[A-Z0-9]{6,}(?=-if\d)")
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@]+@")


def describe_port(url: str) -> str:
    """The port with the adapter's serial number and any URL credentials hidden."""
    return _URL_CREDENTIALS.sub("**REDACTED**@", _USB_SERIAL.sub("**REDACTED**", url))


def map_open_error[C: Exception](url: str, exc: BaseException, errors: ErrorFamily[C]) -> C:
    """The typed error, of ``errors``' family, for ``exc`` raised opening ``url``."""
    name = describe_port(url)
    if isinstance(exc, TimeoutError):  # an OSError too: before the errno checks
        return errors.connection(f"{name}: connection timed out")
    if isinstance(exc, FileNotFoundError):
        return errors.not_found(f"{name}: no such port")
    if isinstance(exc, IsADirectoryError):
        return errors.invalid(f"{name}: is a directory, not a serial port")
    if isinstance(exc, serialx.SerialException | ValueError) and not isinstance(exc, OSError):
        return errors.invalid(f"{name}: {exc}")
    if isinstance(exc, OSError):
        if exc.errno == errno.EBUSY:
            return errors.busy(f"{name}: in use by another program")
        if exc.errno == errno.ENOTTY:
            return errors.invalid(f"{name}: not a serial port")
        if exc.errno in (errno.EACCES, errno.EPERM):
            return errors.connection(f"{name}: permission denied")
        return errors.connection(f"{name}: {exc.strerror or exc}")
    return errors.connection(f"{name}: {exc}")
