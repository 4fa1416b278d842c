"""Organiser console: events, import, participants, requests, schedule grid, solve, publish."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,  # fmt: skip
    url_for,
)

from scheduler import formats, matching
from scheduler.errors import Conflict, InvalidInput, NotFound
from scheduler.invites import InviteContext, feed, organiser_of, to_bytes
from scheduler.kpis import kpis
from scheduler.pipeline import not_placed
from scheduler.timegrid import build_slots, to_local

from . import get_store, jobs
from .auth import current_user, staff_required
from .live import send_invites
from .moves import move_by_hand

bp = Blueprint("console", __name__)
UPLOAD_TYPES = {".json", ".csv"}


@bp.app_errorhandler(NotFound)
def not_found(exc: NotFound):
    return render_template("error.html", message=str(exc)), 404


@bp.route("/")
def index():
    return redirect(url_for("console.events") if current_user() else url_for("auth.login"))


@bp.get("/events")
@staff_required("organiser", "host")
def events():
    return render_template("events.html", events=get_store().event_summaries(), problems=None)


@bp.post("/events/import")
@staff_required("organiser")
def import_event():
    files = [f for f in request.files.getlist("files") if f and f.filename]
    problems: list[str] = []
    if not files:
        problems.append("Choose an event file (.json) or the CSV files (event.json, participants.csv, requests.csv).")
    for f in files:
        if Path(f.filename).suffix.lower() not in UPLOAD_TYPES:
            problems.append(f"{f.filename}: only .json and .csv files are accepted")
    data = None
    if not problems:
        try:
            data = _read_upload(files)
            get_store().save_event(data, replace=bool(request.form.get("replace")), actor=current_user()["username"])
        except InvalidInput as exc:
            problems = [str(p) for p in exc.problems]
        except Conflict as exc:
            problems = [str(exc)]
    if problems:
        return render_template("events.html", events=get_store().event_summaries(), problems=problems), 400
    flash(f"Imported {data.event.name}: {len(data.participants)} participants, {len(data.requests)} requests.")
    return redirect(url_for("console.event", event_id=data.event.id))


def _read_upload(files):
    if len(files) == 1 and files[0].filename.lower().endswith(".json"):
        raw = files[0].read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(f"{files[0].filename}: the file is not UTF-8 text") from None
        return formats.parse_event_json(text, files[0].filename)
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            name = Path(f.filename).name.lower()
            if name not in ("event.json", "participants.csv", "requests.csv"):
                raise InvalidInput(f"{f.filename}: expected event.json, participants.csv or requests.csv")
            f.save(Path(tmp) / name)
        return formats.read_csv_dir(Path(tmp))


def _grid(data, meetings):
    ev = data.event
    slots = build_slots(ev)
    people = data.by_id()
    by_slot = defaultdict(dict)
    for m in meetings:
        by_slot[m.start][m.room] = m
    rows = []
    for s in slots:
        local = to_local(s.start, ev.timezone)
        rows.append({"slot": s, "label": local.strftime("%a %d %b %H:%M"), "session": s.session,
                     "cells": [by_slot[s.start].get(r) for r in range(1, ev.rooms + 1)]})  # fmt: skip
    return rows, people, slots


@bp.get("/events/<event_id>")
@staff_required("organiser", "host")
def event(event_id):
    store = get_store()
    data = store.load(event_id)
    meetings = store.meetings(event_id)
    rows, people, slots = _grid(data, meetings)
    states = store.request_states(event_id)
    tokens = store.tokens(event_id) if current_user()["role"] == "organiser" else {}
    counts = defaultdict(int)
    for m in meetings:
        if m.status not in ("cancelled", "no_show"):
            counts[m.a] += 1
            counts[m.b] += 1
    return render_template(
        "event.html", data=data, ev=data.event, k=kpis(data, meetings), rows=rows, people=people,
        meetings=meetings, states=states, tokens=tokens, counts=counts, slots=slots,
        solving=store.solving(event_id), outbox=store.outbox(event_id)[-200:],
        version=store.schedule_version(event_id), unscheduled=_unscheduled(data, meetings),
    )  # fmt: skip


def _unscheduled(data, meetings) -> list[dict[str, str]]:
    """The wanted pairs without a meeting that takes place, and why, from the schedule as it is now
    (so the list stays right after repairs, undo, meet-now, moves and declines)."""
    if not meetings:
        return []  # no schedule yet: nothing was left out
    return [{"from": u.sender, "to": u.receiver, "reason": u.reason} for u in not_placed(data, meetings)]


@bp.get("/events/<event_id>/grid")
@staff_required("organiser", "host")
def grid(event_id):
    store = get_store()
    data = store.load(event_id)
    meetings = store.meetings(event_id)
    rows, people, slots = _grid(data, meetings)
    return render_template("_grid.html", ev=data.event, rows=rows, people=people, meetings=meetings,
                           slots=slots, k=kpis(data, meetings), version=store.schedule_version(event_id))  # fmt: skip


@bp.get("/events/<event_id>/participants/<pid>")
@staff_required("organiser", "host")
def participant(event_id, pid):
    """One participant's day, in their zone and the event's: the per-participant view of the grid."""
    store = get_store()
    data = store.load(event_id)
    people = data.by_id()
    if pid not in people:
        raise NotFound(f"no participant {pid!r} in event {event_id!r}")
    me = people[pid]
    rows = []
    for m in store.meetings(event_id):
        if pid in (m.a, m.b):
            rows.append({"m": m, "other": people[m.b if m.a == pid else m.a],
                         "local": to_local(m.start, me.timezone), "event": to_local(m.start, data.event.timezone)})
    states = [s for s in store.request_states(event_id) if pid in (s.request.sender, s.request.receiver)]
    return render_template("participant.html", ev=data.event, me=me, rows=rows, states=states, people=people)


@bp.get("/events/<event_id>/recommendations")
@staff_required("organiser")
def recommendations(event_id):
    data = get_store().load(event_id)
    recs = matching.recommend(data, 3, exclude=[(r.sender, r.receiver) for r in data.requests])
    return render_template("recommendations.html", ev=data.event, recs=recs, people=data.by_id())


@bp.post("/events/<event_id>/solve")
@staff_required("organiser")
def solve(event_id):
    get_store().event(event_id)
    if not jobs.start_solve(current_app._get_current_object(), event_id, current_user()["username"]):
        return jsonify({"error": "a solve is already running for this event"}), 409
    return jsonify({"started": True}), 202


@bp.post("/events/<event_id>/meetings/<meeting_id>/move")
@staff_required("organiser", "host")
def move(event_id, meeting_id):
    """Move one meeting by hand: the same rule as the host board (``moves.move_by_hand``)."""
    done = move_by_hand(event_id, meeting_id, request.form, why="An organiser moved a meeting",
                        reason="moved by hand in the console")  # fmt: skip
    if not done.ok:
        return _bad(done.message)
    flash(done.message)
    return redirect(url_for("console.event", event_id=event_id) + "#schedule")


def _bad(message: str):
    flash(message, "error")
    return redirect(url_for("console.event", event_id=request.view_args["event_id"]) + "#schedule"), 303


@bp.post("/events/<event_id>/publish")
@staff_required("organiser")
def publish(event_id):
    store = get_store()
    queued, skipped, report = send_invites(store, store.load(event_id))
    flash(f"Published: {queued} invites queued, {report.sent} delivered"
          + (f"; {len(skipped)} could not be sent (see the outbox)" if skipped else "") + ".")  # fmt: skip
    for s in skipped[:10]:
        flash(f"{s.participant}: {s.reason}", "error")
    return redirect(url_for("console.event", event_id=event_id) + "#outbox")


@bp.get("/events/<event_id>/schedule.json")
@staff_required("organiser", "host")
def schedule_json(event_id):
    from scheduler.model import Schedule

    store = get_store()
    doc = formats.schedule_document(Schedule(event_id, store.meetings(event_id)))
    return Response(formats.dump_json(doc), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename={event_id}-schedule.json"})


@bp.get("/events/<event_id>/schedule.csv")
@staff_required("organiser", "host")
def schedule_csv(event_id):
    store = get_store()
    data = store.load(event_id)
    people = data.by_id()
    rows = [{"meeting": m.id, "start_utc": m.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "start_event_zone": to_local(m.start, data.event.timezone).strftime("%Y-%m-%d %H:%M"),
             "room": m.room, "status": m.status, "a": m.a, "a_name": people[m.a].name, "b": m.b,
             "b_name": people[m.b].name} for m in store.meetings(event_id)]  # fmt: skip
    cols = ("meeting", "start_utc", "start_event_zone", "room", "status", "a", "a_name", "b", "b_name")
    return Response(formats.csv_text(rows, cols), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={event_id}-schedule.csv"})


@bp.get("/events/<event_id>/feed.ics")
@staff_required("organiser", "host")
def organiser_feed(event_id):
    store = get_store()
    data = store.load(event_id)
    ctx = InviteContext(data.event, *organiser_of(data.event))
    cal = feed(ctx, f"{data.event.name}: all meetings", store.meetings(event_id), data.by_id(),
               datetime.now(UTC).replace(microsecond=0))  # fmt: skip
    return Response(to_bytes(cal), mimetype="text/calendar")


@bp.post("/events/<event_id>/participants/<pid>/renew-link")
@staff_required("organiser")
def renew_link(event_id, pid):
    get_store().renew_token(event_id, pid, current_user()["username"])
    flash(f"{pid}'s old link no longer works; the new one is in the participants table.")
    return redirect(url_for("console.event", event_id=event_id) + "#participants")
