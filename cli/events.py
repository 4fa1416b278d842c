"""Event files in and out of the store: ``generate``, ``import`` (with the merge
plan for an event that exists), ``export`` and ``events``; ``print_summary``
describes an event (also printed by ``demo``).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from rich.table import Table

from cli.common import Subcommands, event_now, open_store, out, subcommand
from scheduler.changes.pipeline import phase
from scheduler.domain.errors import Conflict
from scheduler.domain.model import EventData
from scheduler.domain.timegrid import allowed_map, build_slots
from scheduler.files import sheets, writer
from scheduler.files.generator import generate_event
from scheduler.store import Store


def cmd_generate(args: argparse.Namespace) -> int:
    doc = generate_event(args.participants, seed=args.seed, event_id=args.event_id)
    writer.dump_json(doc, args.output)
    out.print(
        f"wrote {args.output}: event {doc['event']['id']!r}, {len(doc['participants'])} participants, "
        f"{len(doc['requests'])} requests (seed {args.seed})"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    data = sheets.read_event_file(args.source)
    with open_store(args) as store:
        exists = data.event.id in store.event_ids()
        if exists and not args.replace:
            return _merge(store, data, args)
        if exists and store.published(data.event.id):
            from scheduler.changes.merge import replace_warning

            warning = replace_warning(store.meetings(data.event.id), store.notified(data.event.id))
            if not args.yes:
                raise Conflict(f"event {data.event.id!r} was published. {warning} Run again with --yes to "
                               "replace it, or without --replace to merge the file into it.")  # fmt: skip
            out.print(warning)
        store.save_event(data, replace=args.replace, confirmed=args.yes, actor="cli")
        if exists and store.published(data.event.id):
            out.print(f"run 'invites --event {data.event.id} --send' to send the cancellations")
    out.print(
        f"imported event {data.event.id!r}: {len(data.participants)} participants, "
        f"{len(data.requests)} requests"
    )
    if args.summary:
        print_summary(data)
    return 0


def _merge(store: Store, data: EventData, args: argparse.Namespace) -> int:
    """Re-import of a stored event: print the merge plan; store it only with --apply / --yes."""
    now = event_now(args)
    plan = store.plan_merge(data, now)
    out.print(f"event {data.event.id!r} exists: merging the file into it")
    out.print(plan.summary())
    for line in plan.lines():
        out.print(f"  {line}", markup=False)
    if plan.told:
        people = plan.merged.by_id()
        out.print("told: " + ", ".join(people[p].name for p in plan.told), markup=False)
    if plan.empty:
        out.print("nothing to change")
        return 0
    if not (args.apply or args.yes):
        out.print("preview only: nothing was stored; run again with --apply to store it")
        return 0
    _, v = store.merge(data, actor="cli", now=now, expected_version=store.schedule_version(data.event.id))
    sent = " run 'invites --send' to send the updates" if plan.cancelled and store.published(data.event.id) else ""
    out.print(f"merged into event {data.event.id!r}: schedule version {v}.{sent}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = store.load(args.event_id)
    if args.format == "csv":
        sheets.write_csv_dir(data, Path(args.output))
    elif args.format == "xlsx":
        sheets.write_workbook(data, Path(args.output))
    else:
        writer.dump_json(writer.event_document(data), args.output)
    out.print(f"wrote {args.output}")
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        rows = store.event_summaries()
        stages = {r["id"]: phase(store.load(r["id"]), store.published(r["id"]), event_now(args)) for r in rows}
    if not rows:
        out.print("no events stored yet: try 'python run.py import data/sample-event.json'")
        return 0
    table = Table("event", "name", "phase", "zone", "participants", "traditional", "requests", "rooms", "meetings")
    for r in rows:
        table.add_row(r["id"], r["name"], stages[r["id"]], r["timezone"], str(r["participants"]),
                      str(r["traditional"]), str(r["requests"]), str(r["rooms"]), str(r["meetings"]))  # fmt: skip
    out.print(table)
    return 0


def print_summary(data: EventData) -> None:
    ev = data.event
    slots = build_slots(ev)
    allowed = allowed_map(data, slots)
    kinds = Counter(p.kind for p in data.participants)
    zones = Counter(p.timezone for p in data.participants)
    pairs = data.pairs()
    feasible = sum(1 for pr in pairs if allowed[pr.a] & allowed[pr.b])
    table = Table(title=f"{ev.name} ({ev.id})", show_header=False)
    table.add_row("organiser zone", ev.timezone)
    table.add_row("sessions", f"{len(ev.sessions)} ({len(slots)} slots of {ev.slot_minutes} min)")
    table.add_row("rooms", str(ev.rooms))
    table.add_row("participants", f"{len(data.participants)} ({kinds['traditional']} traditional, "
                                  f"{kinds['tech']} tech)")  # fmt: skip
    table.add_row("time zones", str(len(zones)))
    table.add_row("requests", f"{len(data.requests)} ({len(pairs)} pairs, "
                              f"{sum(p.mutual for p in pairs)} mutual)")  # fmt: skip
    table.add_row("pairs with a common slot", f"{feasible} of {len(pairs)}")
    no_slot = [p.id for p in data.participants if not allowed[p.id]]
    table.add_row("participants with no usable slot", str(len(no_slot)))
    out.print(table)
    zt = Table("time zone", "participants", "usable slots (median)")
    for tz, n in zones.most_common():
        counts = sorted(len(allowed[p.id]) for p in data.participants if p.timezone == tz)
        zt.add_row(tz, str(n), str(counts[len(counts) // 2]))
    out.print(zt)


# ------------------------------------------------------------------ options


def add_generate(sub: Subcommands) -> None:
    g = subcommand(sub, "generate", cmd_generate, "write a realistic generated event (JSON)")
    g.add_argument("--participants", "-n", type=int, default=120, help="number of SMEs (default 120)")
    g.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    g.add_argument("--event-id", help="event id (default gen-N-sSEED)")
    g.add_argument("-o", "--output", default="event.json", help="output file (default event.json)")


def add_import(sub: Subcommands) -> None:
    i = subcommand(sub, "import", cmd_import,
                   "validate and store an event (JSON file, .xlsx workbook or CSV folder)")  # fmt: skip
    i.add_argument("source", help="EVENT.json, BOOK.xlsx (sheets event, participants, requests), or a folder "
                                  "with event.json, participants.csv|.xlsx, requests.csv|.xlsx (docs/format.md)")
    i.add_argument("--replace", action="store_true",
                   help="overwrite a stored event with the same id (new links for all; a published event needs --yes)")
    i.add_argument("--apply", action="store_true",
                   help="an event that exists: store the merge plan (else it is only printed)")
    i.add_argument("--yes", action="store_true", help="confirm: --apply, or --replace of a published event")
    i.add_argument("--now", help="the event clock: meetings before it are history (ISO time with offset)")
    i.add_argument("--summary", action="store_true", help="print a summary after importing")


def add_export(sub: Subcommands) -> None:
    e = subcommand(sub, "export", cmd_export, "write a stored event in the interchange format")
    e.add_argument("event_id", metavar="EVENT_ID")
    e.add_argument("-o", "--output", required=True,
                   help="file (json, xlsx) or folder (csv: UTF-8 with BOM, for Excel)")
    e.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")


def add_events(sub: Subcommands) -> None:
    subcommand(sub, "events", cmd_events, "list stored events")
