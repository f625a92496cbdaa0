"""Naming a port and why it does not open (foundation/ports.py), with VE.Direct's errors."""

from __future__ import annotations

import errno

import pytest
import serialx

from victron_serial.foundation.ports import describe_port
from victron_serial.vedirect import (
    VEDirectConnectionError,
    VEDirectInvalidPortError,
    VEDirectPortBusyError,
    VEDirectPortNotFoundError,
)
from victron_serial.vedirect.transport import _map_open_error


@pytest.mark.parametrize(
    ("exc", "error", "message"),
    [
        (FileNotFoundError(), VEDirectPortNotFoundError, "no such port"),
        (IsADirectoryError(), VEDirectInvalidPortError, "directory"),
        (ValueError("bad url"), VEDirectInvalidPortError, "bad url"),
        (serialx.SerialException("nope"), VEDirectInvalidPortError, "nope"),
        (OSError(errno.EBUSY, "busy"), VEDirectPortBusyError, "in use"),
        (OSError(errno.ENOTTY, "tty"), VEDirectInvalidPortError, "not a serial port"),
        (OSError(errno.EACCES, "denied"), VEDirectConnectionError, "permission denied"),
        (OSError(errno.EIO, "I/O error"), VEDirectConnectionError, "I/O error"),
        (TimeoutError(), VEDirectConnectionError, "timed out"),
        (RuntimeError("odd"), VEDirectConnectionError, "odd"),
    ],
)
def test_open_errors_say_why(exc: BaseException, error: type[Exception], message: str) -> None:
    mapped = _map_open_error(
        "/dev/serial/by-id/usb-VictronEnergy_BV_VE_Direct_cable_VEHTVQT-if00-port0", exc
    )
    assert type(mapped) is error
    assert message in str(mapped)
    assert "VEHTVQT" not in str(mapped)  # the cable's serial number stays out of logs


def test_ports_are_described_without_secrets() -> None:
    assert describe_port("rfc2217://user:pw@host:2000") == "rfc2217://**REDACTED**@host:2000"
