#!/usr/bin/env python3
"""Command-line entry for the B2B match-making scheduler: ``python run.py COMMAND ...``.

This file only wires the argument parser and dispatches; the commands live in
``cli/``, grouped by what the user does (see ``cli/__init__.py``). User mistakes
end with a message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from cli import (
    capacity,
    events,
    invites,
    live,
    matching,
    privacy,
    report,
    serve,
    solving,
    surveys,
    users,
)
from cli.common import Subcommands
from scheduler.domain.errors import Conflict, InvalidInput, NotFound, SchedulerError
from scheduler.store import ENV_VAR

# each adds one subcommand (its options and handler); this order is the order of --help
SUBCOMMANDS: tuple[Callable[[Subcommands], None], ...] = (
    events.add_generate,
    events.add_import,
    events.add_export,
    events.add_events,
    solving.add_solve,
    capacity.add_capacity,
    matching.add_recommend,
    matching.add_autofill,
    matching.add_requests,
    matching.add_request,
    invites.add_invites,
    surveys.add_survey,
    serve.add_demo,
    live.add_simulate,
    report.add_report,
    users.add_user,
    privacy.add_participant,
    privacy.add_retention,
    serve.add_serve,
    serve.add_worker,
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run.py", description="Virtual B2B match-making event scheduler.")
    p.add_argument("--db", help=f"SQLite file (default: ${ENV_VAR} or data/matchmaking.db)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except InvalidInput as exc:
        print(f"error: {exc.summary()}", file=sys.stderr)
        return 2
    except (NotFound, Conflict, SchedulerError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
