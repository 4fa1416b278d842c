"""Calendar invites from the command line: ``invites`` shows what would be sent
and, with ``--send``, queues REQUEST / CANCEL messages in the outbox and
delivers them (SMTP from MATCHMAKING_SMTP_*, else a folder of .eml files).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from cli.common import Subcommands, open_store, out, subcommand


def cmd_invites(args: argparse.Namespace) -> int:
    from scheduler.invitations import delivery
    from scheduler.invitations.ical import contexts, organiser_of
    from webapp.i18n import mail_languages  # each participant's language

    smtp = delivery.smtp_config(os.environ, "MATCHMAKING_")  # secrets stay out of code and files
    now = datetime.now(UTC)
    with open_store(args) as store:
        data = store.load(args.event)
        organiser = args.organiser_email or organiser_of(data.event, smtp.sender if smtp else "entente@localhost")[0]
        ctx_for = contexts(data.event, store.tokens(args.event), args.base_url, organiser, mail_languages(data))
        if not args.send:
            rows, skipped = delivery.plan(ctx_for, store.meetings(args.event), data.by_id(),
                                          store.notified(args.event), now, organiser)  # fmt: skip
            kinds = Counter(r["method"] for r in rows)
            out.print(f"{kinds['REQUEST']} invites and {kinds['CANCEL']} cancellations to send "
                      "(run again with --send to queue and deliver them)")  # fmt: skip
        else:
            queued, skipped = delivery.queue_invites(store, args.event, ctx_for, now, organiser)
            deliver_and_say(store, smtp, args.outbox_dir, args.event, now, f"{queued} new messages")
        warn_skipped(skipped)
    return 0


def deliver_and_say(store, smtp, outbox_dir: str | None, event_id: str, now: datetime, queued: str) -> None:
    """Deliver what the outbox has due (by SMTP, else as .eml files in ``outbox_dir`` or
    ``data/outbox/<event>``) and say how it went; ``queued``: what was just queued, in words."""
    from scheduler.invitations import delivery

    folder = Path(outbox_dir or f"data/outbox/{event_id}")
    report = delivery.deliver(store, delivery.Transport(smtp, None if smtp else folder), now)
    where = f"SMTP {smtp.host}:{smtp.port}" if smtp else f"folder {folder}"
    out.print(f"queued {queued}; delivered {report.sent} via {where}; "
              f"{report.retrying} waiting to retry; {report.failed} failed")  # fmt: skip
    for e in report.errors[:10]:
        out.print(f"  server said: {e}")


def warn_skipped(skipped) -> None:
    """One warning line on stderr per message that could not be queued (no or a bad address)."""
    for s in skipped:
        print(f"warning: {s.participant} ({s.meeting}): {s.reason}", file=sys.stderr)


# ------------------------------------------------------------------ options


def add_invites(sub: Subcommands) -> None:
    iv = subcommand(sub, "invites", cmd_invites, "build (and with --send, queue and deliver) calendar invites")
    iv.add_argument("--event", required=True)
    iv.add_argument("--send", action="store_true", help="queue new invites in the outbox and deliver them")
    iv.add_argument("--base-url", default=os.environ.get("MATCHMAKING_BASE_URL") or "http://127.0.0.1:5000",
                    help="where participants' agenda links point (default: $MATCHMAKING_BASE_URL)")
    iv.add_argument("--organiser-email", help="ORGANIZER address (default: the event's, or the SMTP sender)")
    iv.add_argument("--outbox-dir", help="folder for .eml files when no SMTP server is configured "
                    "(MATCHMAKING_SMTP_HOST, _PORT, _STARTTLS, _USER, _PASSWORD, _FROM)")
