"""Organiser console, the event's pages: participants, requests, schedule, not placed, outbox
and settings, each a page at a time with its filters on the server (an event of 3,000 SMEs
stays a few hundred kilobytes a page). The overview is :func:`.console.event`.

The routes belong to the console's blueprint (:data:`.console.bp`); :func:`webapp.create_app`
imports this module before registering it. Every page shares the console's tabs
(``_console_nav.html``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from scheduler.store import Store
from scheduler.viewmodels.console import meeting_counts, schedule_grid, unplaced
from scheduler.viewmodels.lists import (
    PAGE_SIZE,
    counted,
    find_participants,
    find_requests,
    grid_page,
    page_number,
    paginate,
)

from .auth import current_user, staff_required
from .console import bp
from .extensions import get_store
from .i18n import page_language
from .live import deliver_soon
from .memo import ready
from .setting_words import event_settings, session_words

#: request statuses and origins the requests page filters by
STATUSES = ("suggested", "pending", "accepted", "declined", "expired", "withdrawn", "imposed")
ORIGINS = ("import", "participant", "recommendation", "autofill", "organiser")
#: outbox statuses and kinds the outbox page filters by
MAIL_STATUSES = ("queued", "sending", "sent", "failed")
MAIL_KINDS = ("invite", "survey")


def _arg(name: str, allowed: tuple[str, ...] | None = None) -> str:
    """A query-string filter, trimmed (and empty when not one of ``allowed``)."""
    value = request.args.get(name, "").strip()[:200]
    return value if allowed is None or value in allowed else ""


def _organiser() -> bool:
    return current_user()["role"] == "organiser"


@bp.get("/events/<event_id>/participants")
@staff_required("organiser", "host")
def participants(event_id):
    """The participants, 50 a page, searched by name, id or country and filtered by kind."""
    store = get_store()
    data = store.load(event_id)
    query, kind = _arg("q"), _arg("kind", ("traditional", "tech"))
    page = paginate(find_participants(data.participants, query, kind), page_number(request.args.get("page")))
    counts = meeting_counts(data, store.meetings(event_id))
    tokens = store.tokens(event_id) if _organiser() else {}
    return render_template("console_participants.html", ev=data.event, page=page, q=query, kind=kind, counts=counts,
                           tokens=tokens, tab="participants")  # fmt: skip


@bp.get("/events/<event_id>/requests")
@staff_required("organiser", "host")
def requests_page(event_id):
    """The meeting requests, 50 a page, filtered by status, origin and participant, searched by name."""
    store = get_store()
    data = store.load(event_id)
    people = data.by_id()
    names = {p.id: p.name for p in data.participants}
    query, status, origin = _arg("q"), _arg("status", STATUSES), _arg("origin", ORIGINS)
    who = _arg("participant")
    found = find_requests(store.request_states(event_id), names, query=query, status=status, origin=origin,
                          participant=who)  # fmt: skip
    page = paginate(found, page_number(request.args.get("page")))
    return render_template("console_requests.html", ev=data.event, page=page, people=people, q=query, status=status,
                           origin=origin, who=who, statuses=STATUSES, origins=ORIGINS, tab="requests")  # fmt: skip


@bp.get("/events/<event_id>/schedule")
@staff_required("organiser", "host")
def schedule(event_id):
    """The schedule grid, one day at a time and a few slots a page, the rooms in use across;
    ``?participant=<id>`` opens that participant's day."""
    who = _arg("participant")
    if who:
        return redirect(url_for("console.participant", event_id=event_id, pid=who))
    store = get_store()
    data = store.load(event_id)
    meetings = store.meetings(event_id)
    grid = schedule_grid(data, meetings, page_language())
    gp = grid_page(grid, page_number(request.args.get("day")) - 1, page_number(request.args.get("page")))
    return render_template("console_schedule.html", ev=data.event, gp=gp, people=data.by_id(),
                           meetings=meetings, slots=grid.rows, version=store.schedule_version(event_id),
                           solving=store.solving(event_id), tab="schedule")  # fmt: skip


@bp.get("/events/<event_id>/not-placed")
@staff_required("organiser", "host")
def not_placed_page(event_id):
    """The wanted meetings that got no meeting, and why, 50 a page; computed in the background once
    per state of the event (:func:`.memo.ready`), the page saying so meanwhile."""
    store = get_store()
    db = current_app.config["DATABASE"]

    def compute():
        with Store(db) as own:  # another thread: its own connection
            return unplaced(own.load(event_id), own.meetings(event_id))

    rows = ready("not placed", store, event_id, compute, wait=float(current_app.config.get("COMPUTE_WAIT", 0.6)))
    if rows is None:
        return render_template("computing.html", ev=store.event(event_id), tab="not_placed", title=_("Not placed"))
    data = store.load(event_id)
    page = paginate(rows, page_number(request.args.get("page")))
    return render_template("console_not_placed.html", ev=data.event, page=page, people=data.by_id(),
                           tab="not_placed")  # fmt: skip


@bp.get("/events/<event_id>/outbox")
@staff_required("organiser", "host")
def outbox(event_id):
    """Every message of the event, newest first, 50 a page, filtered by status, kind and recipient."""
    store = get_store()
    ev = store.event(event_id)
    status, kind, recipient = _arg("status", MAIL_STATUSES), _arg("kind", MAIL_KINDS), _arg("recipient")
    number = page_number(request.args.get("page"))
    rows, total = store.outbox_page(event_id, status=status, kind=kind, recipient=recipient,
                                    offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)  # fmt: skip
    if not rows and total and number > 1:  # past the last page: show the last one
        number = -(-total // PAGE_SIZE)
        rows, total = store.outbox_page(event_id, status=status, kind=kind, recipient=recipient,
                                        offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)  # fmt: skip
    return render_template("console_outbox.html", ev=ev, page=counted(rows, total, number), status=status,
                           kind=kind, recipient=recipient, statuses=MAIL_STATUSES, kinds=MAIL_KINDS,
                           counts=store.outbox_counts(event_id), tab="outbox")  # fmt: skip


@bp.post("/events/<event_id>/outbox/<int:message_id>/retry")
@staff_required("organiser")
def retry_message(event_id, message_id):
    """Send a failed message once more (it is queued again, due now, and delivery starts)."""
    store = get_store()
    back = request.form.get("back", "")
    if not back.startswith(f"/events/{event_id}/outbox"):
        back = url_for("console.outbox", event_id=event_id)
    # due by the wall clock, as delivery reads it (live.deliver_due), whatever the event's clock says
    if not store.retry_failed(event_id, message_id, datetime.now(UTC)):
        flash(_("Message %(id)d was not retried: it is not a failed message of this event (it may have been "
                "sent or queued meanwhile).", id=message_id), "error")  # fmt: skip
        return redirect(back), 303
    deliver_soon()
    flash(_("Message %(id)d is queued again and is being sent.", id=message_id))
    return redirect(back), 303


@bp.get("/events/<event_id>/setup")
@staff_required("organiser", "host")
def event_setup(event_id):
    """The event's settings, read-only and in words, each with what it does: language, zone, sessions,
    slots, rooms, caps, policy (:mod:`.setting_words`), personal-data retention."""
    store = get_store()
    ev = store.event(event_id)  # NotFound: 404
    edit = "console.event_settings" in current_app.view_functions
    retention = store.retention(event_id)[0]
    return render_template("console_setup.html", ev=ev, retention=retention,
                           settings=event_settings(ev, store.live_settings(event_id), retention.days),
                           sessions=[session_words(s) for s in ev.sessions],
                           tokens=_organiser(), edit=edit, tab="setup")  # fmt: skip


@bp.app_template_filter("merge_query")
def merge_query(args: dict[str, str], **changes: object) -> str:
    """A query string: ``args`` with ``changes`` applied (``page=2``), empty values left out."""
    from urllib.parse import urlencode

    merged = {**args, **{k: str(v) for k, v in changes.items()}}
    return urlencode({k: v for k, v in merged.items() if v != ""})
