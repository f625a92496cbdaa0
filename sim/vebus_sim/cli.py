"""``vebus-sim``: an MK3 on a simulated VE.Bus unit, for clients to talk to.

Prints each endpoint it serves on one line (a ``socket://`` URL, a pty path), then serves
until SIGINT or SIGTERM, which end it at once, clients connected or not. ``--model``
picks the product, ``--phases`` and ``--units`` the shape of the system.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import logging
import signal
import sys

from .models import MODELS
from .server import serve

EXIT_FAILURE = 1
MAX_UNITS = 18  # six in parallel on each of three phases


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 0xFFFF:
        raise argparse.ArgumentTypeError(f"wants HOST:PORT, not {text!r}")
    return host.strip("[]"), int(port)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


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
    parser = argparse.ArgumentParser(
        prog="vebus-sim",
        description="Simulate an MK3 interface on a Victron VE.Bus system (over a pty or TCP).",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every frame in hex")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--tcp", metavar="HOST:PORT", type=_host_port, help="listen on TCP (socket:// clients)"
    )
    where.add_argument("--pty", action="store_true", help="open a pseudo-terminal (default)")
    parser.add_argument(
        "--model", default="multiplus-12", choices=list(MODELS), help="the product (below)"
    )
    parser.add_argument(
        "--phases", type=int, default=1, choices=[1, 2, 3], help="AC phases of the system"
    )
    parser.add_argument("--units", type=_units, help="units on the bus (default: one per phase)")
    parser.add_argument("--mk2", action="store_true", help="behave like an MK2 interface")
    parser.add_argument("--faults", default="", help="fault spec, e.g. noise=0.05,slow=0.4")
    parser.add_argument("--unpaced", action="store_true", help="do not pace at 2400 baud")
    parser.add_argument(
        "--time-scale", type=_positive, default=1.0, help="speed of the simulated physics"
    )
    parser.add_argument(
        "--frozen", action="store_true", help="values stay as they are (a steady device)"
    )
    return parser


async def _run(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    await serve(
        args.model,
        tcp=args.tcp,
        pty=args.pty or args.tcp is None,
        faults=args.faults,
        paced=not args.unpaced,
        phases=args.phases,
        units=args.units,
        mk2=args.mk2,
        time_scale=args.time_scale,
        live=not args.frozen,
        stop=stop,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return asyncio.run(_run(args))
    except (ValueError, OSError) as exc:
        print(f"vebus-sim: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
