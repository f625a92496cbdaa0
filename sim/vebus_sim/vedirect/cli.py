"""``vedirect-sim``: a Blue Smart charger on VE.Direct, for clients to talk to.

Prints each endpoint it serves on one line (a ``socket://`` URL, a pty path), then serves
until SIGINT or SIGTERM, which end it at once, clients connected or not.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import sys

from vebus_sim.framework import cli

from .charger_simulator import serve
from .models import MODELS
from .server import BAUD, BLOCK_INTERVAL


def build_parser() -> argparse.ArgumentParser:
    parser = cli.build_parser(
        "vedirect-sim",
        "Simulate a Victron Blue Smart charger on VE.Direct (over a pty or TCP).",
        models=sorted(MODELS),
        default_model="ip22-24-12",
        baud=BAUD,
        faults_example="noise=0.05,split=0.2",
        frozen_help="values stay as they are (only uptime moves)",
        verbose_help="log every request",
    )
    parser.add_argument(
        "--block-interval",
        type=cli.positive,
        default=BLOCK_INTERVAL,
        metavar="S",
        help="seconds between text blocks (each is one second of the charger's time)",
    )
    parser.add_argument("--mains-off", action="store_true", help="start without mains power")
    return parser


async def _serve(args: argparse.Namespace, stop: asyncio.Event) -> None:
    await serve(
        args.model,
        block_interval=args.block_interval,
        mains=not args.mains_off,
        **cli.options(args, stop),
    )


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main("vedirect-sim", build_parser().parse_args(argv), _serve)


if __name__ == "__main__":
    sys.exit(main())
