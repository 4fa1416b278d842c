"""The event day from the command line: ``simulate`` replays a stored schedule
with random no-shows and late cancellations, rebalancing slot by slot, and
compares the meetings held with and without the live repairs.
"""

from __future__ import annotations

import argparse

from rich.table import Table

from cli.common import Subcommands, open_store, out, subcommand
from scheduler.domain.errors import InvalidInput


def cmd_simulate(args: argparse.Namespace) -> int:
    from scheduler.live.simulate import compare

    for flag, value in (("--no-show-rate", args.no_show_rate), ("--cancel-rate", args.cancel_rate)):
        if not 0 <= value < 1:
            raise InvalidInput(f"{flag}: must be a share from 0 to below 1, e.g. 0.2 (got {value})")
    with open_store(args) as store:
        data = store.load(args.event)
        meetings = store.meetings(args.event)
    if not meetings:
        raise InvalidInput(f"event {args.event!r} has no schedule yet: run 'solve --event {args.event}' first")
    rep = compare(data, meetings, args.no_show_rate, args.seed, cancel_rate=args.cancel_rate,
                  waitlist=args.waitlist)  # fmt: skip
    table = Table("slot", "start (UTC)", "no-shows", "called off", "meet now", "rebalance s", "meetings rescued",
                  "others moved")  # fmt: skip
    for s in rep.slots:
        table.add_row(str(s.slot), f"{s.start:%a %H:%M}", str(s.no_shows), str(s.cancelled), str(s.meet_now),
                      "" if s.rebalance_seconds is None else f"{s.rebalance_seconds:.2f}",
                      str(s.rescued), str(s.moved_others))  # fmt: skip
    out.print(table)
    out.print(f"meetings held: {rep.held_with} with repairs and meet-now, {rep.held_without} without "
              f"({rep.gain:+.1%}); {rep.scheduled} were scheduled; {rep.rescued} rescue meetings placed, "
              f"{rep.meet_now} meet-now meetings held; median rebalance {rep.median_rebalance:.2f} s")
    return 0


# ------------------------------------------------------------------ options


def add_simulate(sub: Subcommands) -> None:
    sm = subcommand(sub, "simulate", cmd_simulate, "play the event day with random no-shows, rebalancing as it goes")
    sm.add_argument("--event", required=True)
    sm.add_argument("--no-show-rate", type=float, default=0.2)
    sm.add_argument("--seed", type=int, default=0)
    sm.add_argument("--cancel-rate", type=float, default=0.05,
                    help="share of meetings called off two slots ahead (default 0.05)")
    sm.add_argument("--waitlist", type=int, default=3, metavar="K",
                    help="each traditional SME's top-K recommendations wait for a freed slot, as after "
                         "'recommend --write -k K' (default 3; 0: only the stored requests)")
