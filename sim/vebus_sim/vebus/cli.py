"""``vebus-sim``: an MK3 on a simulated VE.Bus unit, for clients to talk to.

Prints each endpoint it serves on one line (a ``socket://`` URL, a pty path), then serves
until SIGINT or SIGTERM, which end it at once, clients connected or not. ``--model``
picks the product, ``--phases`` and ``--units`` the shape of the system.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import sys

from vebus_sim.framework import cli

from .models import MODELS
from .server import BAUD, serve

MAX_UNITS = 18  # six in parallel on each of three phases


def _units(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_UNITS:
        raise argparse.ArgumentTypeError(f"wants 1 to {MAX_UNITS} units, not {text!r}")
    return int(text)


def _epilog() -> str:
    models = "\n".join(f"  {m.name:14} {m.description}" for m in MODELS.values())
    return (
        f"models:\n{models}\n\n"
        "systems: --phases N makes a three- (or two-) phase system of one unit per phase;\n"
        "--units M puts M units on the bus (at addresses 0..M-1, address a on phase\n"
        "a % N + 1), e.g. --units 2 for two units in parallel, --units 3 --phases 3 for\n"
        "a three-phase system. Each unit answers 'L', 'F' 0, 'F' n of its phase and\n"
        "winmon at its own address ('A'); the master (0) answers for the system."
    )


def build_parser() -> argparse.ArgumentParser:
    parser = cli.build_parser(
        "vebus-sim",
        "Simulate an MK3 interface on a Victron VE.Bus system (over a pty or TCP).",
        models=MODELS,
        default_model="multiplus-12",
        baud=BAUD,
        faults_example="noise=0.05,slow=0.4",
        frozen_help="values stay as they are (a steady device)",
        verbose_help="log every frame in hex",
        epilog=_epilog(),
    )
    parser.add_argument(
        "--phases", type=int, default=1, choices=[1, 2, 3], help="AC phases of the system"
    )
    parser.add_argument("--units", type=_units, help="units on the bus (default: one per phase)")
    parser.add_argument("--mk2", action="store_true", help="behave like an MK2 interface")
    parser.add_argument(
        "--time-scale", type=cli.positive, default=1.0, help="speed of the simulated physics"
    )
    return parser


async def _serve(args: argparse.Namespace, stop: asyncio.Event) -> None:
    await serve(
        args.model,
        phases=args.phases,
        units=args.units,
        mk2=args.mk2,
        time_scale=args.time_scale,
        **cli.options(args, stop),
    )


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main("vebus-sim", build_parser().parse_args(argv), _serve)


if __name__ == "__main__":
    sys.exit(main())
