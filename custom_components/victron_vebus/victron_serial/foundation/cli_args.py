"""What the ``vebus`` and ``vedirect`` command lines parse alike: ``-v``, a command naming
its port, and numbers that must be finite and within bounds."""

from __future__ import annotations

import argparse
from collections.abc import Callable
import math

PORT_HELP = "device path or URL (socket://host:port, rfc2217://host:port)"


class CommandParser(argparse.ArgumentParser):
    """A program's parser: ``-v`` and one required command (``command``)."""

    def __init__(self, prog: str, description: str, verbose_help: str) -> None:
        super().__init__(prog=prog, description=description)
        self.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
        self.commands = self.add_subparsers(
            dest="command", required=True, parser_class=argparse.ArgumentParser
        )

    def with_port(self, name: str, help_text: str) -> argparse.ArgumentParser:
        """A command whose first argument is the port."""
        sub = self.commands.add_parser(name, help=help_text)
        sub.add_argument("port", help=PORT_HELP)
        return sub


def finite_number(text: str) -> float:
    """A finite number (nan and inf are no values any device has)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def between(
    low: float, high: float, kind: type[int] | type[float] = float
) -> Callable[[str], float]:
    """An argparse type: a number from ``low`` to ``high``."""

    def parse(text: str) -> float:
        value = finite_number(text)
        if kind is int and value != int(value):
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is outside {low:g} to {high:g}")
        return int(value) if kind is int else value

    return parse
