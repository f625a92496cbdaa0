"""The EEPROM rule on the ``vebus`` command line: the unit's limiter on the record of
saves kept between runs (``ledger_file``), and ``--force`` past it."""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib

from ..foundation.ledger_file import LedgerFile
from .client import VEBusClient
from .eeprom import EepromLimiter
from .errors import VEBusRateLimitedError
from .protocol.ids import setting_name
from .unit import VEBusUnit

MEMORY = "the unit's EEPROM"


@contextlib.asynccontextmanager
async def eeprom_record(
    client: VEBusClient, unit: VEBusUnit, *, forced: int | None = None
) -> AsyncIterator[LedgerFile]:
    """``unit`` saves through the record of its serial number (the master's in a system);
    ``forced``: the setting ``--force`` saves even within the interval."""
    serial = (await client.probe()).serial_number
    async with LedgerFile.for_device("vebus", serial, client.url) as ledger:
        limiter = EepromLimiter(saved=ledger.saved, on_change=ledger.record)
        if forced is not None:
            saved = ledger.forcing(
                forced, setting_name(forced), limiter.retry_at(forced), limiter.interval, MEMORY
            )
            limiter = EepromLimiter(saved=saved, on_change=ledger.record)
        unit.eeprom = limiter
        try:
            yield ledger
        except VEBusRateLimitedError as err:
            # Said in full: when, where the record is, and what --force would cost.
            raise ValueError(ledger.too_soon(err.item, err.retry_at, MEMORY)) from err
