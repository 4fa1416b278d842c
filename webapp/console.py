"""Organiser console: events, import, participants, requests, schedule grid, solve, publish."""

from __future__ import annotations

import json
import re
import secrets
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
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

from scheduler.changes.merge import replace_warning
from scheduler.changes.pipeline import PHASE_TEXT, not_placed, phase, preview
from scheduler.domain.errors import Conflict, InvalidInput, NotFound, Problem
from scheduler.domain.timegrid import build_slots, local_label
from scheduler.files import formats, schedules, sheets, spreadsheets, writer
from scheduler.invitations.ical import InviteContext, feed, organiser_of, to_bytes
from scheduler.matching import scores as matching
from scheduler.reporting.kpis import kpis

from . import jobs
from .auth import current_user, staff_required
from .extensions import get_store
from .live import clock, notify, send_invites
from .moves import move_by_hand
from .sockets import recheck

bp = Blueprint("console", __name__)
UPLOAD_TYPES = {".json", ".csv", ".xlsx"}
TABLE_FILES = ("event.json", "participants.csv", "requests.csv", "participants.xlsx", "requests.xlsx")


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
        problems.append("Choose an event file (.json or .xlsx) or the CSV files "
                        "(event.json, participants.csv, requests.csv).")
    for f in files:
        if Path(f.filename).suffix.lower() not in UPLOAD_TYPES:
            problems.append(f"{f.filename}: only .json, .csv and .xlsx files are accepted")
    data = None
    store = get_store()
    if not problems:
        try:
            data = _read_upload(files)
            replace = bool(request.form.get("replace"))
            if data.event.id in store.event_ids():
                # an event that exists: a merge is previewed first; a replace of a published one confirmed
                if not replace:
                    return _preview(store, data, "merge")
                if store.published(data.event.id):
                    return _preview(store, data, "replace")
            store.save_event(data, replace=replace, actor=current_user()["username"])
            recheck(store)  # a replaced event has new links: the old ones' sockets end
        except InvalidInput as exc:
            problems = [str(p) for p in exc.problems]
        except Conflict as exc:
            problems = [str(exc)]
    if problems:
        return render_template("events.html", events=store.event_summaries(), problems=problems), 400
    flash(f"Imported {data.event.name}: {len(data.participants)} participants, {len(data.requests)} requests.")
    return redirect(url_for("console.event", event_id=data.event.id))


UPLOAD_NAME = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def _uploads() -> Path:
    """Where an uploaded event file waits for the organiser's Apply (IMPORT_DIR, else the instance folder)."""
    return Path(current_app.config.get("IMPORT_DIR") or Path(current_app.instance_path) / "imports")


def _park(data) -> str:
    """Keep the (validated) document server-side under a random name; return the name."""
    name = secrets.token_urlsafe(32)
    folder = _uploads()
    folder.mkdir(parents=True, exist_ok=True)
    stale = time.time() - 24 * 3600  # previews nobody applied or discarded
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    (folder / f"{name}.json").write_text(writer.dump_json(writer.event_document(data)), encoding="utf-8")
    return name


def _parked(name: str) -> Path:
    if not UPLOAD_NAME.match(name):
        raise NotFound("no such upload")
    path = _uploads() / f"{name}.json"
    if not path.exists():
        raise NotFound("this upload was already applied or discarded; upload the file again")
    return path


def _preview(store, data, mode: str):
    """Show what the upload would do (merge plan, or what a replace cancels) with Apply / Discard."""
    now = clock()
    plan = store.plan_merge(data, now) if mode == "merge" else None
    warning = replace_warning(store.meetings(data.event.id), store.notified(data.event.id)) if mode == "replace" else ""
    people = store.load(data.event.id).by_id() | data.by_id()
    return render_template("import_preview.html", mode=mode, plan=plan, warning=warning, ev=data.event,
                           people=people, upload=_park(data), version=store.schedule_version(data.event.id),
                           tz=data.event.timezone)  # fmt: skip


@bp.post("/events/import/<upload>")
@staff_required("organiser")
def import_apply(upload):
    """Apply a previewed upload (a merge, or a confirmed replace), or discard it."""
    path = _parked(upload)
    if request.form.get("action") == "discard":
        path.unlink(missing_ok=True)
        flash("Discarded: nothing was imported.")
        return redirect(url_for("console.events"))
    data = formats.parse_event_document(json.loads(path.read_text("utf-8")), "upload")  # validated again
    store = get_store()
    ev_id, actor = data.event.id, current_user()["username"]
    old = store.meetings(ev_id)
    try:
        if request.form.get("action") == "replace":
            if request.form.get("confirm") != "1":
                return _preview(store, data, "replace"), 400
            store.save_event(data, replace=True, confirmed=True, actor=actor)
            why, done = "The organiser replaced the event", "Replaced the event"
        else:
            version = request.form.get("version", "")
            plan, _ = store.merge(data, actor=actor, now=clock(),
                                  expected_version=int(version) if version.isdigit() else None)  # fmt: skip
            why, done = "The organiser re-imported the event", f"Merged: {plan.summary()}"
    except Conflict as exc:
        path.unlink(missing_ok=True)
        flash(str(exc), "error")
        return redirect(url_for("console.event", event_id=ev_id)), 303
    path.unlink(missing_ok=True)
    recheck(store)  # links revoked by the change (removed participants, a replace) end their sockets
    told = notify(store, store.load(ev_id), old, store.meetings(ev_id), why)
    flash(f"{done}. {len(told)} participants told.")
    return redirect(url_for("console.event", event_id=ev_id))


def _read_upload(files):
    """Read one .json or .xlsx event, or the files of a CSV folder, through the same readers as the CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        if len(files) == 1 and Path(files[0].filename).suffix.lower() in (".json", ".xlsx"):
            name = files[0].filename
            path = Path(tmp) / ("event" + Path(name).suffix.lower())
            files[0].save(path)
            try:
                return sheets.read_event_file(path)
            except InvalidInput as exc:  # name the upload, not the temporary file
                raise InvalidInput([p if p.path else Problem(name, p.message) for p in exc.problems]) from None
        for f in files:
            name = Path(f.filename).name.lower()
            if name not in TABLE_FILES:
                raise InvalidInput(f"{f.filename}: expected {', '.join(TABLE_FILES)}")
            f.save(Path(tmp) / name)
        return sheets.read_csv_dir(Path(tmp))


def _grid(data, meetings):
    ev = data.event
    slots = build_slots(ev)
    people = data.by_id()
    by_slot = defaultdict(dict)
    for m in meetings:
        by_slot[m.start][m.room] = m
    rows = []
    top = min(ev.rooms, max((m.room for m in meetings), default=0))  # columns for rooms in use, not all rooms
    for s in slots:
        rows.append({"slot": s, "label": local_label(s.start, ev.timezone, "%a %d %b %H:%M"), "session": s.session,
                     "cells": [by_slot[s.start].get(r) for r in range(1, top + 1)]})  # fmt: skip
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
        solving=store.solving(event_id), outbox=store.outbox(event_id)[-200:], stage=_phase(store, data),
        phase_text=PHASE_TEXT,
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
                         "local": local_label(m.start, me.timezone, "%a %d %b %H:%M"),
                         "event": local_label(m.start, data.event.timezone, "%a %d %b %H:%M")})
    states = [s for s in store.request_states(event_id) if pid in (s.request.sender, s.request.receiver)]
    return render_template("participant.html", ev=data.event, me=me, rows=rows, states=states, people=people)


@bp.get("/events/<event_id>/recommendations")
@staff_required("organiser")
def recommendations(event_id):
    data = get_store().load(event_id)
    recs = matching.recommend(data, 3, exclude=[(r.sender, r.receiver) for r in data.requests])
    return render_template("recommendations.html", ev=data.event, recs=recs, people=data.by_id())


def _n(count: int, word: str) -> str:
    """``1 meeting``, ``2 meetings``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _phase(store, data) -> str:
    return phase(data, store.published(data.event.id), clock())


@bp.post("/events/<event_id>/solve")
@staff_required("organiser")
def solve(event_id):
    """Draft: a full solve in the background. Published or live: a re-optimisation to preview."""
    store = get_store()
    store.expire_requests(event_id, clock())  # a request past its answer time is not scheduled
    stage = _phase(store, store.load(event_id))
    if stage == "closed":
        return jsonify({"error": "The event is over: its schedule is kept as the record of what happened."}), 409
    if stage != "draft":
        return jsonify({"preview": url_for("console.reoptimise", event_id=event_id)}), 200
    if not jobs.start_solve(current_app._get_current_object(), event_id, current_user()["username"]):
        return jsonify({"error": "A schedule is already being generated for this event."}), 409
    return jsonify({"started": True}), 202


def _reoptimise_plan(store, data, allow_moves: bool):
    from scheduler.live.repair import RebalanceConfig, reoptimise

    cfg = RebalanceConfig(time_limit=float(current_app.config["SOLVE_TIME_LIMIT"]), max_bystander_moves=10**6)
    before = store.meetings(data.event.id)
    plan = reoptimise(data, before, clock(), allow_moves=allow_moves,
                      closed_rooms=store.live_settings(data.event.id)["closed_rooms"], config=cfg)  # fmt: skip
    return before, plan, preview(before, plan.meetings)


@bp.get("/events/<event_id>/reoptimise")
@staff_required("organiser")
def reoptimise(event_id):
    """Preview of "Generate schedule" after publication: what would be added, moved, cancelled."""
    store = get_store()
    data = store.load(event_id)
    stage = _phase(store, data)
    if stage in ("draft", "closed"):
        flash(PHASE_TEXT[stage], "error" if stage == "closed" else "info")
        return redirect(url_for("console.event", event_id=event_id))
    allow = request.args.get("moves") == "1"
    _, plan, change = _reoptimise_plan(store, data, allow)
    people = data.by_id()
    unplaced = not_placed(data, plan.meetings)
    return render_template("reoptimise.html", ev=data.event, change=change, people=people, allow=allow,
                           unplaced=unplaced,
                           stage=stage, phase_text=PHASE_TEXT[stage], version=store.schedule_version(event_id),
                           tz=data.event.timezone, seconds=plan.seconds,
                           told=sorted(people[p].name for p in change.affected if p in people))  # fmt: skip


@bp.post("/events/<event_id>/reoptimise")
@staff_required("organiser")
def apply_reoptimise(event_id):
    """Apply the previewed re-optimisation: the same inputs give the same plan (deterministic)."""
    from scheduler.domain.model import Schedule

    store = get_store()
    data = store.load(event_id)
    if _phase(store, data) in ("draft", "closed"):
        flash("Nothing was changed: the event's phase changed meanwhile. Look at the page again.", "error")
        return redirect(url_for("console.event", event_id=event_id))
    try:
        expected = int(request.form.get("version", ""))
    except ValueError:
        flash("The preview was incomplete; open the preview again.", "error")
        return redirect(url_for("console.event", event_id=event_id))
    if not store.start_solve(event_id, stale_after=timedelta(minutes=3)):
        flash("A schedule is being generated or repaired right now; try again in a moment.", "error")
        return redirect(url_for("console.event", event_id=event_id))
    try:
        before, plan, change = _reoptimise_plan(store, data, request.form.get("moves") == "1")
        store.save_schedule(Schedule(event_id, plan.meetings), actor=current_user()["username"],
                            expected_version=expected,
                            detail={"action": "reoptimise", "added": len(change.added), "moved": len(change.moved),
                                    "cancelled": len(change.cancelled)})  # fmt: skip
    except Conflict:
        flash("The schedule changed since you saw the preview, so nothing was applied. "
              "Here is the schedule as it is now; generate again to see a fresh preview.", "error")  # fmt: skip
        return redirect(url_for("console.event", event_id=event_id))
    finally:
        store.end_solve(event_id)
    told = notify(store, data, before, store.meetings(event_id), "The organisers updated the schedule")
    flash(f"Applied: {_n(len(change.added), 'meeting')} added, {len(change.moved)} moved, {len(change.cancelled)} "
          f"cancelled; {_n(len(told), 'participant')} told, each with an updated invite.")  # fmt: skip
    return redirect(url_for("console.event", event_id=event_id) + "#schedule")


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
    from scheduler.domain.model import Schedule

    store = get_store()
    doc = schedules.schedule_document(Schedule(event_id, store.meetings(event_id)))
    return Response(writer.dump_json(doc), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename={event_id}-schedule.json"})


SCHEDULE_COLUMNS = ("meeting", "start_utc", "start_event_zone", "room", "status", "a", "a_name", "b", "b_name")


def _schedule_rows(event_id):
    store = get_store()
    data = store.load(event_id)
    people = data.by_id()
    return [{"meeting": m.id, "start_utc": m.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "start_event_zone": local_label(m.start, data.event.timezone, "%Y-%m-%d %H:%M"),
             "room": m.room, "status": m.status, "a": m.a, "a_name": people[m.a].name, "b": m.b,
             "b_name": people[m.b].name} for m in store.meetings(event_id)]  # fmt: skip


@bp.get("/events/<event_id>/schedule.csv")
@staff_required("organiser", "host")
def schedule_csv(event_id):
    """The schedule as CSV, UTF-8 with a BOM so that Excel shows names with accents right."""
    body = spreadsheets.csv_bytes(_schedule_rows(event_id), SCHEDULE_COLUMNS)
    return Response(body, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={event_id}-schedule.csv"})


@bp.get("/events/<event_id>/schedule.xlsx")
@staff_required("organiser", "host")
def schedule_xlsx(event_id):
    body = spreadsheets.xlsx_bytes(_schedule_rows(event_id), SCHEDULE_COLUMNS, "schedule")
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={event_id}-schedule.xlsx"})


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
    store = get_store()
    store.renew_token(event_id, pid, current_user()["username"])
    recheck(store)  # pages open on the old link lose their live connection now, and are told why
    name = store.load(event_id).by_id()[pid].name
    flash(f"{name} has a new personal link; the old link no longer works and its open pages were closed. "
          "Send them the new link (participants table, “open”).")  # fmt: skip
    return redirect(url_for("console.event", event_id=event_id) + "#participants")
