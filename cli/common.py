"""What every command shares: the console it prints on, the store it opens,
the ``--now`` event clock, and how a subcommand is wired into ``run.py``'s parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from scheduler.domain.errors import InvalidInput
from scheduler.store import Store, default_path

# piped output (CI, tests, files) gets wide tables instead of folded cells
out = Console(highlight=False, width=None if sys.stdout.isatty() else 200)

Handler = Callable[[argparse.Namespace], int]
Subcommands = Any  # what ArgumentParser.add_subparsers() returns (argparse keeps its class private)


def subcommand(sub: Subcommands, name: str, handler: Handler, summary: str) -> argparse.ArgumentParser:
    """Add command NAME to run.py's parser; ``run.main`` calls HANDLER with the parsed arguments."""
    parser = sub.add_parser(name, help=summary)
    parser.set_defaults(handler=handler)
    return parser


def open_store(args: argparse.Namespace) -> Store:
    return Store(args.db or default_path())


def event_clock(text: str | None) -> str | None:
    """Check --now: an ISO instant with its UTC offset, e.g. 2027-03-26T09:36:00+01:00."""
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--now: {text!r} is not an ISO date and time (e.g. 2027-03-26T09:36:00+01:00)") from None
    if at.tzinfo is None:
        raise InvalidInput(f"--now: {text!r} needs its UTC offset (e.g. +01:00 or Z)")
    return at.isoformat()


def event_now(args: argparse.Namespace) -> datetime:
    """The event clock: --now (to rehearse a day, checked by ``event_clock``), else the real time."""
    text = event_clock(getattr(args, "now", None))
    return datetime.fromisoformat(text).astimezone(UTC) if text else datetime.now(UTC)
