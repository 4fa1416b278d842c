"""Data protection pages (docs/privacy.md): the privacy notice; a participant's export from their
own page; the organiser's export and erasure of one participant (with a confirmation step naming
the person), renewing a personal link (confirmed, the new link mailed) and each event's retention
setting; the periodic retention run of the server.

Routes are added to the console and portal blueprints before they are registered."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from scheduler.domain.errors import Conflict, InvalidInput, NotFound, Problem
from scheduler.invitations.delivery import Transport
from scheduler.invitations.ical import organiser_of
from scheduler.invitations.notices import link_message

from .auth import current_user, staff_required
from .console import bp as console
from .extensions import get_store
from .i18n import mail_languages
from .live import N_, clock, deliver_soon, push_changes, send_invites
from .portal import bp as portal
from .sockets import recheck


def _download(doc: dict, name: str) -> Response:
    resp = Response(json.dumps(doc, indent=2, ensure_ascii=False), mimetype="application/json")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"  # personal data: no copy in shared caches
    return resp


@console.get("/privacy")
def notice():
    """The privacy notice, for anyone (the footer links it)."""
    return render_template("privacy.html", ev=None, retention=None, token=None)


@portal.get("/<token>/privacy")
def my_privacy(**_):
    [retention] = get_store().retention(g.event_id)
    return render_template("privacy.html", ev=get_store().event(g.event_id), retention=retention, token=g.token)


@portal.get("/<token>/my-data.json")
def my_data(**_):
    """Everything held about the participant of this link, as a JSON file (GDPR art. 15 and 20)."""
    return _download(get_store().personal_data(g.event_id, g.pid, clock()), f"{g.event_id}-{g.pid}-my-data.json")


@console.get("/events/<event_id>/participants/<pid>/export")
@staff_required("organiser")
def export_participant(event_id, pid):
    store = get_store()
    doc = store.personal_data(event_id, pid, clock())
    store.audit(event_id, "exported", actor=current_user()["username"], detail={"participant": pid})
    return _download(doc, f"{event_id}-{pid}-personal-data.json")


@console.route("/events/<event_id>/participants/<pid>/erase", methods=["GET", "POST"])
@staff_required("organiser")
def erase_participant(event_id, pid):
    """GET: the confirmation step (who, what happens to their meetings); POST with ``confirm``
    equal to the participant's id: cancel their meetings to come (CANCEL mailed and pushed
    first), erase their personal data, compact the file."""
    store = get_store()
    record = store.participant_record(event_id, pid)
    future = store.future_meetings(event_id, pid, clock())
    if request.method == "GET" or request.form.get("confirm") != pid:
        if request.method == "POST":
            flash(gettext("Type the participant id %(id)s to confirm the erasure; nothing was changed.", id=pid), "error")
        return render_template("erase.html", ev=store.event(event_id), p=record, future=future)
    actor = current_user()["username"]
    if record["erased_at"] is None and future:
        data = store.load(event_id)
        before = store.meetings(event_id)
        store.cancel_meetings(event_id, future, actor=actor, now=clock(),
                              why=f"participant {pid} is erased (GDPR art. 17)")  # fmt: skip
        push_changes(data, before, store.meetings(event_id), N_("A participant left the event"))
        if store.published(event_id):
            send_invites(store, data, only=future, wait=True)  # the CANCEL leaves before the address goes
    try:
        done = store.erase_participants(event_id, [pid], actor=actor, now=clock())
    except Conflict as exc:
        flash(gettext("Not erased: %(why)s", why=exc), "error")
        return redirect(url_for("console.participant", event_id=event_id, pid=pid))
    recheck(store)  # pages open on their link lose the live connection now
    clean = store.compact()
    Transport(None, outbox_folder()).forget(done.messages)
    flash(gettext("The personal data of %(id)s was erased (%(num)s meetings to come cancelled, their partners told; "
                  "%(records)s records rewritten).", id=pid, num=len(future), records=sum(done.rewritten.values()))
          + ("" if clean else " " + gettext("The file is still in use: it is compacted at the next retention run.")))
    return redirect(url_for("console.participants", event_id=event_id))


@console.route("/events/<event_id>/participants/<pid>/renew-link", methods=["GET", "POST"])
@staff_required("organiser")
def renew_link(event_id, pid):
    """GET: the confirmation step naming the person; POST with ``confirm`` equal to their id:
    revoke the old link (its open pages are closed at once) and mail the new one to them."""
    store = get_store()
    data = store.load(event_id)
    me = data.by_id().get(pid)
    if me is None or pid not in store.tokens(event_id):
        raise NotFound(f"no participant {pid!r} with a personal link in event {event_id!r}")
    if request.method == "GET" or request.form.get("confirm") != pid:
        return render_template("renew.html", ev=data.event, p=me)
    token = store.renew_token(event_id, pid, current_user()["username"])
    recheck(store)  # pages open on the old link lose their live connection now, and are told why
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("portal.home", token=token)
    sequence = 1 + sum(1 for o in store.outbox(event_id) if o["kind"] == "link" and o["participant_id"] == pid)
    sender = str(current_app.config.get("SMTP_FROM") or "entente@localhost")
    organiser, name = organiser_of(data.event, sender)
    try:
        row = link_message(data.event, me, link, sequence, datetime.now(UTC), organiser, name,
                           mail_languages(data)(me.id))
    except ValueError as exc:
        flash(gettext("%(name)s has a new personal link, but it could not be mailed (%(why)s): send it yourself "
                      "(participants table, “open”).", name=me.name, why=exc), "error")  # fmt: skip
    else:
        store.queue([row], datetime.now(UTC))  # mail goes by the real clock, as the invites
        deliver_soon()
        flash(gettext("%(name)s has a new personal link, mailed to %(email)s; the old link no longer works "
                      "and its open pages were closed.", name=me.name, email=row["recipient"]))  # fmt: skip
    return redirect(url_for("console.participants", event_id=event_id))


@console.post("/events/<event_id>/retention")
@staff_required("organiser")
def set_retention(event_id):
    try:
        days = int(request.form.get("days", ""))
    except ValueError:
        raise InvalidInput([Problem.of("retention_days", N_("{got} is not a whole number of days"),
                                       got=repr(request.form.get("days", "")))]) from None
    get_store().set_retention(event_id, days, actor=current_user()["username"], now=clock())
    flash(gettext("Personal data of this event is kept %(num)s days after its last session, then erased.", num=days))
    return redirect(url_for("console.event", event_id=event_id))


def outbox_folder() -> Path:
    """Where the server writes .eml files when no SMTP server is configured (as :mod:`.live` does)."""
    return Path(current_app.config["OUTBOX_DIR"] or Path(current_app.instance_path) / "outbox")


def start_retention(app) -> None:
    """Every RETENTION_TICK seconds (an hour by default), erase the events past their retention
    and compact the file after any erasure not yet compacted cleanly (VACUUM, WAL truncated)."""
    from .live import every

    compacted = [0]  # the newest erasure whose bytes this loop saw leave the file

    def run(store) -> None:
        for done in store.apply_retention(datetime.now(UTC), compact=False):
            Transport(None, outbox_folder()).forget(done.messages)
            app.logger.info("retention: erased the personal data of event %s (%d participants)",
                            done.event_id, len(done.participants))
        # after any erasure (this run's, or one whose compaction an open read blocked), until it is clean
        latest = store.last_erasure()
        if latest > compacted[0] and store.compact():
            compacted[0] = latest

    every(app, "RETENTION_TICK", 3600, run, "retention")
