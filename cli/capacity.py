"""What-if capacity planning from the command line: ``capacity --event ID`` prints how many
meetings (and traditional SMEs served) the event's requests allow by number of virtual rooms
and by slot length, and the fewest rooms that reach 99% of the unlimited-rooms figure;
``--solve`` adds what the real solver places; ``--plot FILE.svg`` draws it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from cli.common import Subcommands, open_store, out, subcommand
from scheduler.domain.errors import InvalidInput
from scheduler.reporting.capacity import CapacityPlan, Figures, Options, capacity_plan


def cmd_capacity(args: argparse.Namespace) -> int:
    options = Options(percent=args.percent, slot_minutes=slot_minutes(args.slot_minutes), solve=args.solve,
                      budget=args.budget, seed=args.seed)  # fmt: skip
    with open_store(args) as store:
        data = store.load(args.event)
    if args.solve:
        out.print("solving each what-if with a work budget of "
                  f"{args.budget:g} s (deterministic: the same figures on every run) ...")  # fmt: skip
    plan = capacity_plan(data, options)
    print_plan(plan)
    if args.plot:
        from scheduler.reporting.capacity_plot import capacity_svg

        Path(args.plot).write_text(capacity_svg(plan), encoding="utf-8")
        out.print(f"wrote {args.plot}")
    return 0


def slot_minutes(text: str | None) -> tuple[int, ...]:
    """Parse --slot-minutes: whole minutes separated by commas, e.g. ``20,25,30``."""
    if not text:
        return ()
    values = []
    for part in text.split(","):
        try:
            values.append(int(part.strip()))
        except ValueError:
            raise InvalidInput(f"--slot-minutes: {part.strip()!r} is not a whole number of minutes "
                               "(give e.g. 20,25,30)") from None  # fmt: skip
    return tuple(values)


def _figures(f: Figures | None, of: int | None = None) -> str:
    if f is None or f.traditional_served is None:
        return "-"
    return f"{f.traditional_served}" + (f" of {of}" if of is not None else "")


def print_plan(plan: CapacityPlan) -> None:
    """Print the plan: what the figures are, the table by rooms, the answer, the table by slot length."""
    best = plan.unlimited.bound.meetings
    out.print(f"[bold]Capacity of {escape(plan.event_id)}[/] ({escape(plan.event_name)}): {plan.slots} slots of "
              f"{plan.slot_minutes} min ({plan.gap_minutes} min gaps), {plan.rooms} virtual rooms, "
              f"{plan.traditional} traditional SMEs with a wanted meeting they could take", markup=True)  # fmt: skip
    out.print("'bound' figures are upper bounds of the solver's flow relaxation (slot clashes relaxed "
              "away): no schedule can place more." + (
                  f" 'placed' figures are real solves ({plan.budget:g} s of deterministic work each, "
                  "no compaction): schedules that exist." if plan.solved else
                  " Add --solve for what real schedules place."))  # fmt: skip
    t = Table(title=f"By virtual rooms ({plan.slots} slots of {plan.slot_minutes} min)")
    t.add_column("rooms", justify="right")
    t.add_column("meetings (bound)", justify="right")
    t.add_column("% of unlimited", justify="right")
    t.add_column("traditional SMEs served (bound)", justify="right")
    if plan.solved:
        t.add_column("meetings placed", justify="right")
        t.add_column("traditional SMEs served (placed)", justify="right")
    for p in (*plan.by_rooms, plan.unlimited):
        label = "unlimited" if p is plan.unlimited else str(p.rooms)
        if p.rooms == plan.rooms and p is not plan.unlimited:
            label += " (this event)"
        row = [label, str(p.bound.meetings), f"{p.bound.meetings / best:.1%}" if best else "-",
               _figures(p.bound, plan.traditional)]  # fmt: skip
        if plan.solved:
            row += ["-" if p.placed is None else str(p.placed.meetings), _figures(p.placed)]
        t.add_row(*row)
    out.print(t)
    out.print(f"fewest rooms reaching {plan.percent}% of the {best} meetings possible with unlimited "
              f"rooms ({plan.target}): [bold]{plan.rooms_needed}[/] by the bound (this event has "
              f"{plan.rooms})", markup=True)  # fmt: skip
    if plan.solved:
        placed = plan.unlimited.placed.meetings if plan.unlimited.placed else 0
        out.print(f"by real solves: [bold]{plan.solved_rooms_needed}[/] rooms reach {plan.percent}% of "
                  f"the {placed} meetings placed with unlimited rooms ({plan.solved_target}; solved with "
                  f"{plan.unlimited_rooms} rooms, more than any slot can use)", markup=True)
    out.print("the bound with r rooms is min(r x slots, the unlimited figure): it assumes meetings spread "
              "evenly over the slots, so its room count is a floor" + ("" if plan.solved else
              "; --solve shows what schedules need"))  # fmt: skip
    s = Table(title=f"By slot length (the same sessions, {plan.gap_minutes} min gaps, {plan.rooms} rooms)")
    for name in ("slot minutes", "slots", f"meetings, {plan.rooms} rooms (bound)", "traditional SMEs served (bound)",
                 "meetings, unlimited rooms (bound)", f"fewest rooms for {plan.percent}% (bound)"):
        s.add_column(name, justify="right")
    if plan.solved:
        s.add_column(f"meetings placed, {plan.rooms} rooms", justify="right")
    for o in plan.by_slot_minutes:
        p = o.point
        mark = " (this event)" if p.slot_minutes == plan.slot_minutes else ""
        row = [f"{p.slot_minutes}{mark}", str(p.slots), str(p.bound.meetings), _figures(p.bound, plan.traditional),
               str(o.unlimited_meetings), str(o.rooms_needed)]  # fmt: skip
        if plan.solved:
            row.append("-" if p.placed is None else str(p.placed.meetings))
        s.add_row(*row)
    out.print(s)
    if plan.wall_limit_hit:
        out.print("[yellow]warning:[/] the wall-clock safety net stopped a solve before its work budget "
                  "was used: a rerun may give other placed figures", markup=True)  # fmt: skip


# ------------------------------------------------------------------ options


def add_capacity(sub: Subcommands) -> None:
    c = subcommand(sub, "capacity", cmd_capacity,
                   "what-if planning: meetings possible by number of rooms and by slot length")
    c.add_argument("--event", required=True, help="the stored event's id")
    c.add_argument("--percent", type=int, default=99,
                   help="find the fewest rooms reaching this share of the unlimited-rooms meetings (default 99)")
    c.add_argument("--slot-minutes", metavar="M,M,...",
                   help="slot lengths to try, e.g. 20,25,30 (default 10,15,20,25,30,40,45,60,90; "
                        "the event's own is always shown)")
    c.add_argument("--solve", action="store_true",
                   help="also run the real solver for each what-if (slower; placed figures next to the bounds)")
    c.add_argument("--budget", type=float, default=1.0,
                   help="with --solve: work budget per solve, in seconds of an idle machine (default 1)")
    c.add_argument("--seed", type=int, default=0, help="with --solve: the solver's seed")
    c.add_argument("--plot", metavar="FILE.svg", help="also draw the figures into this SVG file")
