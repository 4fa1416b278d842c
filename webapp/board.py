"""Host board: run the live event. The board page, moves by hand, live settings, standby
"meet now" offers, check-ins and undo; marking meetings and repairs (absences, closed and
reopened rooms, late requests) are in :mod:`.board_repairs`, on the same blueprint."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from scheduler.domain.errors import Conflict, InvalidInput, StaleVersion
from scheduler.viewmodels.board import host_board

from .auth import current_user, staff_required
from .extensions import get_store
from .i18n import page_language
from .live import N_, clock, notify, offer_standby
from .moves import move_by_hand

bp = Blueprint("board", __name__, url_prefix="/events/<event_id>/board")

#: most recommendations per traditional SME a repair may refill from
MAX_WAITLIST = 10


def now() -> datetime:
    return clock()


@bp.get("")
@staff_required("organiser", "host")
def board(event_id):
    store = get_store()
    data = store.load(event_id)
    people = data.by_id()
    t = now()
    checked = store.checked_in(event_id)
    view = host_board(data, store.meetings(event_id), t, checked=checked, offers=store.offers(event_id),
                      records=store.audit_log(event_id, last=12), last=store.last_change(event_id),
                      every_day=bool(request.args.get("all")), lang=page_language())  # fmt: skip
    return render_template("board.html", ev=data.event, rows=view.rows, people=people, now=t, history=view.history,
                           me=current_user()["username"], last_change=view.last_change, checked=checked,
                           running=view.running, version=store.schedule_version(event_id),
                           settings=store.live_settings(event_id), upcoming=view.upcoming, future=view.future,
                           offers=view.offers, tz=data.event.timezone, whole=view.whole,
                           away=request.args.get("away") if request.args.get("away") in people else None,
                           has_today=view.has_today, base=url_for("board.board", event_id=event_id))  # fmt: skip


@bp.post("/move")
@staff_required("organiser", "host")
def move(event_id):
    """Move one meeting by hand (the rule the console shares: ``moves.move_by_hand``)."""
    done = move_by_hand(event_id, request.form.get("meeting", ""), request.form, why=N_("A host moved a meeting"),
                        reason="moved by hand on the host board")  # fmt: skip
    flash(done.message, "message" if done.ok else "error")
    return back(event_id)


@bp.post("/settings")
@staff_required("organiser", "host")
def settings(event_id):
    store = get_store()
    ev = store.event(event_id)
    def whole(name: str) -> int:
        try:
            return int(request.form.get(name, ""))
        except ValueError:
            return -1

    minutes, waitlist = whole("standby_minutes"), whole("waitlist")
    if not 0 <= minutes < ev.slot_minutes:
        flash(gettext("standby_minutes: must be a whole number from 0 to %(max)s", max=ev.slot_minutes - 1), "error")
        return back(event_id)
    if not 0 <= waitlist <= MAX_WAITLIST:
        flash(gettext("waitlist: must be a whole number from 0 to %(max)s", max=MAX_WAITLIST), "error")
        return back(event_id)
    store.set_live_settings(event_id, actor=current_user()["username"], standby_minutes=minutes,
                            auto_repair=request.form.get("auto_repair") == "1", waitlist=waitlist)  # fmt: skip
    flash(gettext("Settings saved."))
    return back(event_id)


@bp.post("/standby")
@staff_required("organiser", "host")
def standby_now(event_id):
    new = offer_standby(get_store(), event_id)
    flash(gettext("%(num)s standby offers made.", num=len(new)) if new
          else gettext("Nobody is waiting for a missing partner just now."))
    return back(event_id)


@bp.post("/undo")
@staff_required("organiser", "host")
def undo(event_id):
    store = get_store()
    if store.last_change(event_id) is None:
        flash(gettext("There is nothing to undo: no change was made since the schedule was saved."), "error")
        return back(event_id)
    refused = checked_change(event_id, N_("A host undid the last change"),
                             lambda actor, version: store.undo(event_id, actor=actor, expected_version=version))
    if refused:
        return refused
    flash(gettext("The last change was undone; the participants it touched were told."))
    return back(event_id)


@bp.post("/checkin/<pid>")
@staff_required("organiser", "host")
def checkin(event_id, pid):
    store = get_store()
    if pid not in store.load(event_id).by_id():
        abort(404)
    store.check_in(event_id, pid, by=current_user()["username"])
    offer_standby(store, event_id)
    return back(event_id)


def checked_change(event_id: str, why: str, change):
    """Run ``change(actor, expected_version)`` (one transaction in the store), then tell exactly
    the affected; on a conflict say so and return the response showing the fresh board."""
    store = get_store()
    data = store.load(event_id)
    old = store.meetings(event_id)
    version = form_version()
    try:
        if version != store.schedule_version(event_id):
            raise StaleVersion("the schedule changed meanwhile")
        change(current_user()["username"], version)
    except Conflict as exc:
        stale = isinstance(exc, StaleVersion)
        flash(gettext("The schedule changed meanwhile (someone else made a change), so nothing was changed. "
                      "The board below is fresh: check it and try again.") if stale else
              f"{str(exc)[:1].upper()}{str(exc)[1:]}. " + gettext("The board below is fresh."), "error")  # fmt: skip
        return back(event_id)
    notify(store, data, old, store.meetings(event_id), why)
    return None


def form_version() -> int | None:
    try:
        return int(request.form["version"])
    except (KeyError, ValueError):
        raise InvalidInput("version: the board's schedule version is missing; reload the board") from None


def back(event_id: str, away: str | None = None):
    return redirect(url_for("board.board", event_id=event_id, away=away)), 303

