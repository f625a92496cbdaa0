"""The ``vedirect`` command line: ``probe``, ``monitor``, ``get``, ``set`` a charger.

Errors print one line and exit non-zero; ``-v`` shows every frame. Each ``set`` is a write
to the charger's non-volatile memory: it is bounded by the charger's own limits, skipped
when the charger holds the value already, and read back.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
import contextlib
import json
import sys

from ..foundation.cli_args import CommandParser, between, finite_number
from ..foundation.cli_runner import run_cli, say
from ..foundation.ledger_file import LedgerFile
from .charger import BlueSmartCharger
from .client import VEDirectClient
from .errors import VEDirectError, VEDirectRateLimitedError
from .nvm import NvmLimiter
from .probe import probe_port
from .registers import REGISTERS, register
from .state import ChargerState, state_to_json

CLI_TIMEOUT = 2.0
CLI_RETRIES = 1
MEMORY = "the charger's non-volatile memory"


def _fmt(value: float | None, unit: str, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f} {unit}"


def format_state(state: ChargerState) -> str:
    data = state_to_json(state)
    outputs = ", ".join(
        f"out{out.number} {_fmt(out.voltage, 'V')} {_fmt(out.current, 'A', 1)}"
        for out in state.outputs
    )
    return "\n".join(
        (
            f"{data['model']} (PID 0x{state.product_id or 0:04X}), firmware "
            f"{data['firmware'] or '-'}, serial {data['serial'] or '-'}",
            f"{data['charge_state'] or state.reading.charge_state_raw}, error "
            f"{data['error'] or state.reading.error_raw}; {outputs or 'no outputs'}; "
            f"battery temperature {_fmt(state.temperature, '°C', 1)}",
            f"charge current limit {_fmt(state.charge_current_limit, 'A', 1)} "
            f"({_fmt(state.minimum_current, 'A', 1)} to {_fmt(state.maximum_current, 'A', 1)})",
        )
    )


async def cmd_probe(args: argparse.Namespace) -> int:
    found = await probe_port(args.port)
    kinds = " and ".join(k for k, on in (("text", found.text), ("HEX", found.hex)) if on)
    say(
        f"{found.model or 'VE.Direct device'} at {args.port}: firmware {found.firmware or '-'}, "
        f"serial {found.serial or '-'} ({kinds})"
        + ("" if found.hex else "; HEX not answered: is the charger's RX wired?")
    )
    return 0


async def cmd_monitor(args: argparse.Namespace) -> int:
    charger = await _charger(args)
    state = charger.state()
    while True:
        shown = say(json.dumps(state_to_json(state)) if args.json else format_state(state) + "\n")
        if args.once or not shown:  # nobody reads any more: nothing left to do
            return 0
        await asyncio.sleep(args.interval)
        state = await charger.refresh()


async def cmd_get(args: argparse.Namespace) -> int:
    item = register(args.register)
    async with VEDirectClient(args.port, timeout=CLI_TIMEOUT, retries=CLI_RETRIES) as client:
        value = await client.get(item)
    if isinstance(value, bytes):
        shown = value.hex(" ").upper()
    else:
        shown = "not available" if value is None else str(value)
    unit = f" {item.unit}" if item.unit and isinstance(value, int | float) else ""
    say(f"{item.name} (0x{item.id:04X}) = {shown}{unit}")
    return 0


async def cmd_set(args: argparse.Namespace) -> int:
    item = register(args.register)
    charger = await _charger(args)
    serial = charger.reading.serial if charger.reading is not None else None
    async with LedgerFile.for_device("vedirect", serial, args.port) as ledger:
        # The memory rule across runs: the charger's limiter on the record kept between them.
        limiter = NvmLimiter(saved=ledger.saved, on_change=ledger.record)
        if args.force:
            retry_at = limiter.retry_at(item.id)
            saved = ledger.forcing(item.id, item.name, retry_at, limiter.interval, MEMORY)
            limiter = NvmLimiter(saved=saved, on_change=ledger.record)
        charger.nvm = limiter
        try:
            result = await charger.write_setting(item, args.value)
        except VEDirectRateLimitedError as err:
            raise ValueError(ledger.too_soon(item.name, err.retry_at, MEMORY)) from err
    unit = f" {item.unit}" if item.unit else ""
    if not result.written:
        say(f"{item.name} is {result.in_force:g}{unit} already: nothing written")
    else:
        say(
            f"{item.name} := {args.value:g}{unit}, in force {result.in_force:g}{unit} "
            "(written to the charger's non-volatile memory)"
        )
    return 0


async def cmd_registers(args: argparse.Namespace) -> int:
    for item in sorted(REGISTERS.values(), key=lambda r: r.id):
        flags = "rw" if item.writable else "r "
        nvm = " nvm" if item.nvm else ""
        say(f"0x{item.id:04X} {flags}{nvm:4} {item.name:28} {item.kind.name:6} {item.unit or ''}")
    return 0


async def _charger(args: argparse.Namespace) -> BlueSmartCharger:
    client = VEDirectClient(args.port, timeout=CLI_TIMEOUT, retries=CLI_RETRIES)
    charger = BlueSmartCharger(client)
    args.cleanup.push_async_callback(charger.close)
    await charger.discover()
    return charger


Command = Callable[[argparse.Namespace], Awaitable[int]]
COMMANDS: dict[str, Command] = {
    "probe": cmd_probe,
    "monitor": cmd_monitor,
    "get": cmd_get,
    "set": cmd_set,
    "registers": cmd_registers,
}


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        "vedirect",
        "Talk to a Victron Blue Smart charger over VE.Direct (text and HEX).",
        "log every frame",
    )
    with_port = parser.with_port

    with_port("probe", "check that a VE.Direct device talks on the port")
    monitor = with_port("monitor", "show the charger's values")
    monitor.add_argument("--once", action="store_true", help="read once and exit")
    monitor.add_argument("--json", action="store_true", help="one JSON object per read")
    monitor.add_argument(
        "--interval", type=between(0.5, 3600), default=2.0, help="seconds between reads"
    )
    get = with_port("get", "read one register")
    get.add_argument("register", help="name or id, e.g. charge_current_limit or 0xEDF0")
    setter = with_port(
        "set",
        "write a setting (to non-volatile memory: at most once per setting per 10 minutes, "
        "counted across runs in $XDG_STATE_HOME/victron-serial)",
    )
    setter.add_argument("register", help="charge_current_limit, absorption_voltage, …")
    setter.add_argument("value", type=finite_number)
    setter.add_argument(
        "--force",
        action="store_true",
        help="write even within the 10 minutes: one more write of the charger's memory, "
        "which wears out with writes",
    )
    parser.commands.add_parser("registers", help="list the registers this tool knows")
    return parser


async def _run(args: argparse.Namespace) -> int:
    args.cleanup = contextlib.AsyncExitStack()
    try:
        return await COMMANDS[args.command](args)
    finally:
        await args.cleanup.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_cli(
        "vedirect",
        lambda: _run(args),
        (VEDirectError, ValueError, KeyError, OSError),
        verbose=args.verbose,
    )


if __name__ == "__main__":
    sys.exit(main())
