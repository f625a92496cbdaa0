"""What both simulators' commands share: endpoints, model, faults, pacing, signals, errors.

A command prints each endpoint it serves on one line (a ``socket://`` URL, a pty path),
then serves until SIGINT, SIGTERM or SIGHUP, which end it at once, clients connected or
not. A bad argument is argparse's error (exit 2); a fault spec or system the simulator
refuses, or an endpoint it cannot open, is a one-line error and exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterable
import logging
import signal
import sys
import threading
from typing import TypedDict

EXIT_FAILURE = 1

type Serve = Callable[[argparse.Namespace, asyncio.Event], Awaitable[None]]


def host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 0xFFFF:
        raise argparse.ArgumentTypeError(f"wants HOST:PORT, not {text!r}")
    return host.strip("[]"), int(port)


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


def build_parser(
    prog: str,
    description: str,
    *,
    models: Iterable[str],
    default_model: str,
    baud: int,
    faults_example: str,
    frozen_help: str,
    verbose_help: str,
    epilog: str | None = None,
) -> argparse.ArgumentParser:
    """The options every simulator has; the command adds its own."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--tcp", metavar="HOST:PORT", type=host_port, help="listen on TCP (socket:// clients)"
    )
    where.add_argument("--pty", action="store_true", help="open a pseudo-terminal (default)")
    model_help = "the product (below)" if epilog else "the product"
    parser.add_argument("--model", default=default_model, choices=list(models), help=model_help)
    parser.add_argument("--faults", default="", help=f"fault spec, e.g. {faults_example}")
    parser.add_argument("--unpaced", action="store_true", help=f"do not pace at {baud} baud")
    parser.add_argument("--frozen", action="store_true", help=frozen_help)
    return parser


class Options(TypedDict):
    """The common options as a protocol's ``serve`` takes them."""

    tcp: tuple[str, int] | None
    pty: bool
    faults: str
    paced: bool
    live: bool
    stop: asyncio.Event


def options(args: argparse.Namespace, stop: asyncio.Event) -> Options:
    """The common options given; without ``--tcp`` a pty is opened even without ``--pty``."""
    return Options(
        tcp=args.tcp,
        pty=args.pty or args.tcp is None,
        faults=args.faults,
        paced=not args.unpaced,
        live=not args.frozen,
        stop=stop,
    )


def main(prog: str, args: argparse.Namespace, serve: Serve) -> int:
    """Run ``serve`` until a signal; its refusals are an error line and exit 1."""
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(_until_signal(args, serve))
    except (ValueError, OSError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


async def _until_signal(args: argparse.Namespace, serve: Serve) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():  # handlers exist there only
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, stop.set)
    await serve(args, stop)
