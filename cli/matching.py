"""Who should meet whom: ``recommend`` (partners with reasons), ``autofill``
(every traditional SME up to K proposals), ``requests`` (list, expire) and
``request`` (create one, move it through its lifecycle, or restrict it to sessions).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from rich.table import Table

from cli.common import Subcommands, open_store, out, subcommand
from scheduler.domain.errors import InvalidInput, Problem
from scheduler.domain.model import LIVE_STATUSES, EventData
from scheduler.domain.sessions import describe, format_sessions, parse_sessions, short
from scheduler.matching import scores as matching
from scheduler.matching.requests import STATUSES, TRANSITIONS


def cmd_recommend(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = store.load(args.event)
        t0 = time.monotonic()
        recs = matching.recommend(data, args.per_participant, exclude=proposed(data))
        seconds = time.monotonic() - t0
        table = Table("traditional SME", "partner", "score", "why")
        names = {p.id: p.name for p in data.participants}
        for t, ms in sorted(recs.items()):
            for m in ms:
                table.add_row(f"{t} {names[t]}", f"{m.partner} {names[m.partner]}", f"{m.percent}%",
                              "; ".join(m.reasons))  # fmt: skip
        if not args.quiet:
            out.print(table)
        n = sum(len(v) for v in recs.values())
        out.print(f"{n} recommendations for {len(recs)} traditional SMEs in {seconds:.1f} s")
        if args.write:
            new = [(m.participant, m.partner, 2) for ms in recs.values() for m in ms]
            scores = {(m.participant, m.partner): m.score for ms in recs.values() for m in ms}
            added = store.add_requests(data.event.id, new, status="suggested", origin="recommendation",
                                       actor="cli", scores=scores)  # fmt: skip
            out.print(f"stored {added} suggested requests")
    return 0


def proposed(data: EventData) -> list[tuple[str, str]]:
    """Pairs already requested in either direction (or declined): never recommend them again."""
    return [(r.sender, r.receiver) for r in data.requests]


def cmd_autofill(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = store.load(args.event)
        recs = matching.recommend(data, args.min + 5, exclude=proposed(data))
        live = [(r.sender, r.receiver) for r in data.requests if r.status in LIVE_STATUSES]
        fill = matching.autofill(data, args.min, recs, live)
        added = store.add_requests(data.event.id, [(t, s, 2) for t, s, _ in fill], status="suggested",
                                   origin="autofill", actor="cli",
                                   scores={(t, s): sc for t, s, sc in fill})  # fmt: skip
        data = store.load(args.event)
    short = _below(data, args.min)
    out.print(f"added {added} suggested requests; traditional SMEs still below {args.min}: {len(short)}")
    for pid in short[:20]:
        out.print(f"  {pid}: no further compatible partner with a common slot")
    return 0


def _below(data: EventData, minimum: int) -> list[str]:
    count: Counter[str] = Counter()
    for pr in data.pairs():
        count[pr.a] += 1
        count[pr.b] += 1
    return [p.id for p in data.participants if p.kind == "traditional" and count[p.id] < minimum]


def cmd_requests(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.expire:
            out.print(f"expired {store.expire_requests(args.event)} pending requests")
        states = store.request_states(args.event)
        event = store.event(args.event)
    table = Table("from", "to", "priority", "status", "origin", "expires (UTC)", "sessions")
    for s in states:
        r = s.request
        if args.status and r.status != args.status:
            continue
        if args.participant and args.participant not in (r.sender, r.receiver):
            continue
        table.add_row(r.sender, r.receiver, str(r.priority), r.status, s.origin,
                      f"{s.expires_at:%Y-%m-%d %H:%M}" if s.expires_at else "",
                      f"{format_sessions(r.sessions)} ({short(event, r.sessions)})" if r.sessions else "any")  # fmt: skip
    out.print(table)
    return 0


def cmd_request(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        try:
            named = parse_sessions(store.event(args.event), args.sessions)
        except ValueError as exc:
            raise InvalidInput([Problem("--sessions", str(exc))]) from None
        if args.action == "create":
            store.add_requests(args.event, [(args.sender, args.receiver, args.priority)], status="pending",
                               origin="organiser", actor=args.actor,
                               sessions={(args.sender, args.receiver): named})  # fmt: skip
            out.print(f"request {args.sender} -> {args.receiver} created (pending)")
            return 0
        if args.action == "sessions":
            gone = store.restrict_request(args.event, args.sender, args.receiver, named, actor=args.actor)
            words = describe(store.event(args.event), named) if named else "any session"
            out.print(f"request {args.sender} -> {args.receiver} now allows {words}"
                      + (f"; cancelled {', '.join(gone)}" if gone else ""), markup=False)  # fmt: skip
            return 0
        new = store.transition_request(args.event, args.sender, args.receiver, args.action, args.actor)
    out.print(f"request {args.sender} -> {args.receiver} is now {new.request.status}")
    return 0


# ------------------------------------------------------------------ options


def add_recommend(sub: Subcommands) -> None:
    r = subcommand(sub, "recommend", cmd_recommend, "propose tech partners to each traditional SME, with reasons")
    r.add_argument("--event", required=True)
    r.add_argument("--per-participant", "-k", type=int, default=5)
    r.add_argument("--write", action="store_true", help="store them as suggested requests")
    r.add_argument("--quiet", action="store_true", help="print only the summary line")


def add_autofill(sub: Subcommands) -> None:
    a = subcommand(sub, "autofill", cmd_autofill, "lift every traditional SME to at least K proposed meetings")
    a.add_argument("--event", required=True)
    a.add_argument("--min", type=int, required=True, metavar="K")


def add_requests(sub: Subcommands) -> None:
    q = subcommand(sub, "requests", cmd_requests, "list requests and their status")
    q.add_argument("--event", required=True)
    q.add_argument("--status", choices=STATUSES)
    q.add_argument("--participant")
    q.add_argument("--expire", action="store_true", help="first expire pending requests past their time")


def add_request(sub: Subcommands) -> None:
    rq = subcommand(sub, "request", cmd_request, "create a request or move one through its lifecycle")
    rq.add_argument("action", choices=("create", "sessions", *TRANSITIONS.keys()))
    rq.add_argument("sender", metavar="FROM")
    rq.add_argument("receiver", metavar="TO")
    rq.add_argument("--event", required=True)
    rq.add_argument("--priority", type=int, default=2)
    rq.add_argument("--sessions", default="", help="with create or sessions: the sessions the meeting may take place "
                    "in, as in requests.csv ('2', '1;3', 'afternoon'); empty for any")
    rq.add_argument("--actor", default="organiser", help="who acts: a participant id or 'organiser'")
