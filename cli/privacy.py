"""Data protection from the command line: ``participant export`` (everything held about one
person, as JSON), ``participant erase`` (their meetings still to come cancelled and the CANCEL
mailed, then their personal data erased and the file compacted) and ``retention`` (when each
event's personal data is erased; ``--apply`` erases what is due). See docs/privacy.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path

from cli.common import Subcommands, event_now, open_store, out, subcommand
from scheduler.domain.errors import Conflict, InvalidInput
from scheduler.store import Store
from scheduler.store.privacy import Erasure

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def cancel_and_tell(store: Store, event_id: str, pid: str, now: datetime, *, actor: str, base_url: str,
                    outbox_dir: str | None) -> tuple[list[str], str]:
    """Cancel ``pid``'s meetings still to come (one change, SEQUENCE + 1) and, once the event's
    invites were published, queue and deliver their CANCEL to both sides. Returns the ids
    cancelled and a line saying what was mailed."""
    from scheduler.invitations import delivery
    from scheduler.invitations.ical import contexts, organiser_of
    from webapp.i18n import mail_languages  # each participant's language

    ids = store.future_meetings(event_id, pid, now)
    if not ids:
        return [], "no meetings to come"
    store.cancel_meetings(event_id, ids, actor=actor, now=now, why=f"participant {pid} is erased (GDPR art. 17)")
    if not store.published(event_id):
        return ids, "the event's invites were not published: nothing to mail"
    smtp = delivery.smtp_config(os.environ, "MATCHMAKING_")
    data = store.load(event_id)
    organiser = organiser_of(data.event, smtp.sender if smtp else "entente@localhost")[0]
    ctx_for = contexts(data.event, store.tokens(event_id), base_url, organiser, mail_languages(data))
    queued, _ = delivery.queue_invites(store, event_id, ctx_for, now, organiser, only=set(ids))
    folder = Path(outbox_dir or f"data/outbox/{event_id}")
    report = delivery.deliver(store, delivery.Transport(smtp, None if smtp else folder), now)
    return ids, f"{queued} cancellations queued, {report.sent} delivered, {report.retrying + report.failed} not"


def _confirm(record: dict, event_id: str, yes: bool) -> None:
    """Ask on a terminal; without one, --yes is required (a script must say so)."""
    what = f"{record['name']} ({record['id']}, {record['email'] or 'no e-mail'}) in event {event_id!r}"
    if yes:
        return
    if not sys.stdin.isatty():
        raise InvalidInput(f"participant erase: this erases {what} for good; run it on a terminal to confirm, "
                           "or add --yes")
    answer = input(f"Erase all personal data of {what}? Their meetings still to come are cancelled and the "
                   f"partners told. This cannot be undone. Type the participant id to confirm: ")
    if answer.strip() != record["id"]:
        raise Conflict("not confirmed: nothing was changed")


def cmd_participant(args: argparse.Namespace) -> int:
    now = event_now(args)
    with open_store(args) as store:
        record = store.participant_record(args.event, args.participant)
        if args.action == "export":
            doc = json.dumps(store.personal_data(args.event, args.participant, now), indent=2, ensure_ascii=False)
            if args.output in (None, "-"):
                print(doc)
            else:
                path = Path(args.output)
                path.touch(mode=0o600)
                path.chmod(0o600)  # personal data: readable by its owner only, before anything is written
                path.write_text(doc + "\n", encoding="utf-8")
                out.print(f"wrote everything held about {args.participant} to {args.output}")
            return 0
        if record["erased_at"]:
            out.print(f"{args.participant} was already erased on {record['erased_at']}")
            return 0
        _confirm(record, args.event, args.yes)
        ids, mailed = cancel_and_tell(store, args.event, args.participant, now, actor="cli",
                                      base_url=args.base_url, outbox_dir=args.outbox_dir)  # fmt: skip
        done = store.erase_participants(args.event, [args.participant], actor="cli", now=now)
        clean = store.compact()
    files = _forget(done, args.outbox_dir)
    out.print(f"erased {args.participant}: {len(ids)} meetings to come cancelled ({mailed}); "
              f"{sum(done.rewritten.values())} rows rewritten, {files} .eml copies deleted"
              + ("" if clean else "; another process holds the file open: run `retention --compact` later"))
    return 0


def _forget(done: Erasure, outbox_dir: str | None) -> int:
    """Delete the .eml copies (folder transport) of the messages whose text the erasure took out."""
    from scheduler.invitations.delivery import Transport

    return Transport(None, Path(outbox_dir or f"data/outbox/{done.event_id}")).forget(done.messages)


def cmd_retention(args: argparse.Namespace) -> int:
    now = event_now(args)
    with open_store(args) as store:
        if args.days is not None:
            if not args.event:
                raise InvalidInput("retention --days: say which event (--event ID)")
            store.set_retention(args.event, args.days, actor="cli", now=now)
        if args.apply:
            for done in store.apply_retention(now, actor="cli"):
                files = _forget(done, args.outbox_dir)
                out.print(f"event {done.event_id}: personal data of {len(done.participants)} participants erased"
                          f" ({files} .eml copies deleted)")
        if args.compact:
            store.compact()
        for r in store.retention(args.event):
            state = (f"erased {r.erased_at:%Y-%m-%d}" if r.erased_at else "due now" if r.due(now)
                     else f"erase on {r.erase_at:%Y-%m-%d}" if r.erase_at else "no sessions")
            out.print(f"{r.event_id}: keeps personal data {r.days} days after its last session: {state}")
    return 0


# ------------------------------------------------------------------ options


def add_participant(sub: Subcommands) -> None:
    p = subcommand(sub, "participant", cmd_participant, "export or erase one participant's personal data (GDPR)")
    p.add_argument("action", choices=("export", "erase"), help="export: everything held about them, as JSON; "
                   "erase: cancel their meetings to come (CANCEL mailed), then erase their personal data")
    p.add_argument("participant", help="the participant's id")
    p.add_argument("--event", required=True)
    p.add_argument("-o", "--output", help="export: the JSON file to write (default: standard output)")
    p.add_argument("--yes", action="store_true", help="erase without asking (required when not on a terminal)")
    p.add_argument("--now", help="the event clock (ISO time with offset; default: now)")
    p.add_argument("--base-url", default=os.environ.get("MATCHMAKING_BASE_URL") or DEFAULT_BASE_URL,
                   help="the public address in mailed links (default: $MATCHMAKING_BASE_URL)")
    p.add_argument("--outbox-dir", help="folder for .eml files when no SMTP server is configured")


def add_retention(sub: Subcommands) -> None:
    r = subcommand(sub, "retention", cmd_retention, "show or set how long personal data is kept; erase what is due")
    r.add_argument("--event", help="only this event")
    r.add_argument("--days", type=int, help="keep the event's personal data this many days after its last session")
    r.add_argument("--apply", action="store_true", help="erase the personal data of every event past its retention")
    r.add_argument("--compact", action="store_true", help="VACUUM the file (after an erasure another process blocked)")
    r.add_argument("--now", help="the clock (ISO time with offset; default: now)")
    r.add_argument("--outbox-dir", help="--apply: the folder of .eml copies (default: data/outbox/EVENT)")
