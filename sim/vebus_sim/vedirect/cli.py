"""``vedirect-sim``: a Blue Smart charger on VE.Direct, for clients to talk to.

Prints each endpoint it serves on one line (a ``socket://`` URL, a pty path), then serves
until SIGINT or SIGTERM, which end it at once, clients connected or not.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import logging
import signal
import sys
import threading

from .models import MODELS
from .server import BLOCK_INTERVAL, serve

EXIT_FAILURE = 1


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vedirect-sim",
        description="Simulate a Victron Blue Smart charger on VE.Direct (over a pty or TCP).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--tcp", metavar="HOST:PORT", type=_host_port, help="listen on TCP (socket:// clients)"
    )
    where.add_argument("--pty", action="store_true", help="open a pseudo-terminal (default)")
    parser.add_argument("--model", default="ip22-24-12", choices=sorted(MODELS))
    parser.add_argument("--faults", default="", help="fault spec, e.g. noise=0.05,split=0.2")
    parser.add_argument("--unpaced", action="store_true", help="do not pace at 19200 baud")
    parser.add_argument(
        "--block-interval",
        type=_positive,
        default=BLOCK_INTERVAL,
        metavar="S",
        help="seconds between text blocks (each is one second of the charger's time)",
    )
    parser.add_argument(
        "--frozen", action="store_true", help="values stay as they are (only uptime moves)"
    )
    parser.add_argument("--mains-off", action="store_true", help="start without mains power")
    return parser


async def _run(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():  # handlers exist there only
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, stop.set)
    await serve(
        args.model,
        tcp=args.tcp,
        pty=args.pty or args.tcp is None,
        faults=args.faults,
        paced=not args.unpaced,
        block_interval=args.block_interval,
        live=not args.frozen,
        mains=not args.mains_off,
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
        print(f"vedirect-sim: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
