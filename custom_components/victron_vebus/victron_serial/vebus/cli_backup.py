"""`vebus backup`, `vebus diff` and `vebus restore`: the settings to a file and back."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path

from ..foundation.cli_runner import say
from ..foundation.exit_codes import EXIT_FAILURE
from .backup.document import SettingsBackup, backup_settings
from .backup.restore import diff_settings, restore_settings
from .backup.text import format_diff, format_restore
from .cli_eeprom import eeprom_record
from .client import VEBusClient
from .unit import VEBusUnit


async def cmd_backup(client: VEBusClient, args: argparse.Namespace) -> int:
    unit = VEBusUnit(client)
    document = await backup_settings(unit)
    path = Path(args.file)
    await asyncio.to_thread(_write, path, document.dumps(), args.overwrite)
    firmware = unit.product.firmware_text or "unknown"
    say(
        f"{len(document.settings)} settings of the {unit.product.name} (firmware {firmware}) "
        f"saved to {path}"
    )
    return 0


def _write(path: Path, text: str, overwrite: bool) -> None:
    try:
        with path.open("w" if overwrite else "x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise FileExistsError(f"{path} exists; give another name, or --overwrite") from None


async def _document(args: argparse.Namespace) -> SettingsBackup:
    text = await asyncio.to_thread(Path(args.file).read_text, encoding="utf-8")
    return SettingsBackup.loads(text)


async def cmd_diff(client: VEBusClient, args: argparse.Namespace) -> int:
    found = await diff_settings(VEBusUnit(client), await _document(args))
    say(json.dumps(found.to_json()) if args.json else format_diff(found))
    return 0


async def cmd_restore(client: VEBusClient, args: argparse.Namespace) -> int:
    document = await _document(args)
    unit = VEBusUnit(client)
    async with contextlib.AsyncExitStack() as stack:
        if args.save_permanently:  # the EEPROM rule holds across runs
            await stack.enter_async_context(eeprom_record(client, unit))
        report = await restore_settings(
            unit, document, persist=args.save_permanently, force=args.force
        )
    say(json.dumps(report.to_json()) if args.json else format_restore(report))
    return 0 if report.ok else EXIT_FAILURE
