"""Host board: run the live event. Mark meetings, record absences, preview and apply repairs, undo."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from scheduler.errors import Conflict, InvalidInput
from scheduler.model import Schedule
from scheduler.rebalance import Absence, rebalance
from scheduler.timegrid import build_slots, local_instant, to_local

from . import get_store
from .auth import current_user, staff_required
from .live import push_changes, send_invites

bp = Blueprint("board", __name__, url_prefix="/events/<event_id>/board")


def now() -> datetime:
    """The event clock: real time, or MATCHMAKING_NOW for rehearsals and demos."""
    fixed = current_app.config.get("NOW")
    return datetime.fromisoformat(str(fixed)).astimezone(UTC) if fixed else datetime.now(UTC)


@bp.get("")
@staff_required("organiser", "host")
def board(event_id):
    store = get_store()
    data = store.load(event_id)
    people = data.by_id()
    meetings = store.meetings(event_id)
    slots = build_slots(data.event)
    t = now()
    current = next((s.index for s in slots if s.start <= t < s.end), None)
    rows = []
    for s in slots:
        ms = sorted((m for m in meetings if m.start == s.start), key=lambda m: m.room)
        rows.append({"slot": s, "label": to_local(s.start, data.event.timezone).strftime("%a %d %b %H:%M"),
                     "meetings": ms, "current": s.index == current, "past": s.end <= t})  # fmt: skip
    return render_template("board.html", ev=data.event, rows=rows, people=people, now=t,
                           checked=store.checked_in(event_id), version=store.schedule_version(event_id))  # fmt: skip


@bp.post("/meetings/<meeting_id>/<action>")
@staff_required("organiser", "host")
def mark(event_id, meeting_id, action):
    status = {"held": "held", "no-show": "no_show", "cancel": "cancelled"}.get(action)
    if status is None:
        flash(f"unknown action {action!r}", "error")
        return _back(event_id)
    store = get_store()
    data = store.load(event_id)
    old = store.meetings(event_id)
    try:
        store.update_meeting(event_id, meeting_id, actor=current_user()["username"], status=status,
                             expected_version=_version(), reason=f"marked {status}")  # fmt: skip
    except Conflict as exc:
        flash(str(exc) + " The board below is fresh.", "error")
        return _back(event_id)
    new = store.meetings(event_id)
    _notify(store, data, old, new, f"A host marked a meeting {status.replace('_', '-')}")
    flash(f"Meeting marked {status.replace('_', ' ')}.")
    absent = request.form.get("absent")
    if status == "no_show" and absent:
        return _plan(event_id, [Absence(absent)], apply=bool(request.form.get("auto")))
    return _back(event_id)


@bp.post("/absence")
@staff_required("organiser", "host")
def absence(event_id):
    pid = request.form.get("participant", "")
    until = None
    if request.form.get("mode") == "late":
        data = get_store().load(event_id)
        try:
            hh = datetime.strptime(request.form.get("until", ""), "%H:%M").time()
        except ValueError:
            flash("until: write the time as HH:MM (event zone)", "error")
            return _back(event_id)
        until = local_instant(to_local(now(), data.event.timezone).date(), hh, data.event.timezone)
    return _plan(event_id, [Absence(pid, until)], apply=request.form.get("apply") == "1")


def _plan(event_id: str, absences: list[Absence], apply: bool, expected: int | None = None):
    """Preview or apply a repair; ``expected`` is the schedule version the host's decision was based on."""
    store = get_store()
    data = store.load(event_id)
    people = data.by_id()
    for a in absences:
        if a.participant not in people:
            flash(f"participant: unknown participant {a.participant!r}", "error")
            return _back(event_id)
    meetings = store.meetings(event_id)
    version = store.schedule_version(event_id)
    plan = rebalance(data, meetings, now(), absences)
    if not apply:
        return render_template("preview.html", ev=data.event, plan=plan, people=people, absences=absences,
                               version=version, tz=data.event.timezone, to_local=to_local)  # fmt: skip
    try:
        store.save_schedule(Schedule(event_id, plan.meetings), actor=current_user()["username"],
                            expected_version=version if expected is None else expected,
                            detail={"action": "rebalance", "absent": [a.participant for a in absences]})  # fmt: skip
    except Conflict as exc:
        flash(str(exc), "error")
        return _back(event_id)
    _notify(store, data, meetings, store.meetings(event_id), "The schedule was repaired after an absence")
    flash(f"Applied: {len(plan.added)} meetings added, {len(plan.moved)} moved, {len(plan.cancelled)} cancelled; "
          f"{len(plan.affected)} participants told.")  # fmt: skip
    return _back(event_id)


@bp.post("/apply")
@staff_required("organiser", "host")
def apply(event_id):
    """Apply a previewed repair: the same inputs give the same plan (the solver is deterministic)."""
    until = request.form.get("until")
    a = Absence(request.form.get("participant", ""), datetime.fromisoformat(until) if until else None)
    return _plan(event_id, [a], apply=True, expected=_version())


@bp.post("/undo")
@staff_required("organiser", "host")
def undo(event_id):
    store = get_store()
    data = store.load(event_id)
    old = store.meetings(event_id)
    try:
        store.undo(event_id, actor=current_user()["username"], expected_version=_version())
    except Conflict as exc:
        flash(str(exc), "error")
        return _back(event_id)
    _notify(store, data, old, store.meetings(event_id), "A host undid the last change")
    flash("The last change was undone.")
    return _back(event_id)


@bp.post("/checkin/<pid>")
@staff_required("organiser", "host")
def checkin(event_id, pid):
    get_store().check_in(event_id, pid, by=current_user()["username"])
    return _back(event_id)


def _version() -> int | None:
    try:
        return int(request.form["version"])
    except (KeyError, ValueError):
        raise InvalidInput("version: the board's schedule version is missing; reload the board") from None


def _back(event_id: str):
    return redirect(url_for("board.board", event_id=event_id)), 303


def _notify(store, data, old, new, why: str) -> None:
    """Tell exactly the affected participants, live and by a new invite version, after the commit."""
    if push_changes(data, old, new, why):
        send_invites(store, data)
