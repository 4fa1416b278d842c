"""Organiser console: events, participants, requests, schedule grid, solve, publish, exports.
Importing an event file (with its merge or replace preview) is in :mod:`.console_imports`, on
the same blueprint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
from flask_babel import gettext, ngettext

from scheduler.changes.pipeline import not_placed, phase, preview
from scheduler.domain.errors import Conflict, NotFound
from scheduler.domain.timegrid import build_slots, local_label
from scheduler.files import schedules, spreadsheets, writer
from scheduler.invitations.ical import InviteContext, feed, organiser_of, to_bytes
from scheduler.matching import scores as matching
from scheduler.reporting.kpis import kpis
from scheduler.store import Store
from scheduler.viewmodels.console import next_action, participant_day, schedule_grid
from scheduler.viewmodels.lists import grid_page, page_number, paginate

from . import jobs, publishing
from .auth import current_user, staff_required
from .console_words import PHASE_MEANING, PHASE_NAMES, next_step_words, phase_sentence, status_word
from .extensions import get_store
from .i18n import page_language
from .live import N_, clock, notify
from .memo import ready
from .moves import move_by_hand
from .progress import page_words

bp = Blueprint("console", __name__)
bp.add_app_template_global(status_word, "status_word")


@bp.app_errorhandler(NotFound)
def not_found(exc: NotFound):
    from .errors import error_page

    return error_page(404, message=str(exc))


@bp.route("/")
def index():
    return redirect(url_for("console.events") if current_user() else url_for("auth.login"))


@bp.get("/events")
@staff_required("organiser", "host")
def events():
    store, user = get_store(), current_user()
    rows = store.event_summaries()
    if user["role"] != "organiser":  # a host sees the events granted to them
        granted = store.granted_events(user["username"])
        rows = [r for r in rows if r["id"] in granted]
    return render_template("events.html", events=rows, problems=None)


@bp.get("/events/<event_id>")
@staff_required("organiser", "host")
def event(event_id):
    """The overview: phase, figures, the next step in words, "Generate schedule" and its progress."""
    store = get_store()
    data = store.load(event_id)
    meetings = store.meetings(event_id)
    stage = _phase(store, data)
    failed = store.outbox_counts(event_id).get("failed", 0)
    todo = next_action(stage, len(data.participants), len(data.requests), len(meetings), failed)
    return render_template(
        "event.html", ev=data.event, k=kpis(data, meetings), meetings=meetings, todo=todo, tab="overview",
        todo_words=next_step_words(todo, len(meetings), failed), phase_name=PHASE_NAMES[stage],
        solving=(store.solve_lock(event_id) or {}).get("kind", publishing.KIND) != publishing.KIND,
        last_solve=store.last_solve(event_id), stage=stage,
        publish_job=store.last_job(event_id, publishing.KIND),
        phase_meaning=PHASE_MEANING[stage], progress_words=page_words(),
        version=store.schedule_version(event_id), retention=store.retention(event_id)[0],
        slots=build_slots(data.event),
    )  # fmt: skip


@bp.get("/events/<event_id>/grid")
@staff_required("organiser", "host")
def grid(event_id):
    """The grid's page ``?day=&page=`` and fresh figures, for a page to refresh in place."""
    store = get_store()
    data = store.load(event_id)
    meetings = store.meetings(event_id)
    view = schedule_grid(data, meetings, page_language())
    gp = grid_page(view, page_number(request.args.get("day")) - 1, page_number(request.args.get("page")))
    return render_template("_grid_fragment.html", ev=data.event, gp=gp, people=data.by_id(), meetings=meetings,
                           slots=view.rows, k=kpis(data, meetings), version=store.schedule_version(event_id))  # fmt: skip


@bp.get("/events/<event_id>/participants/<pid>")
@staff_required("organiser", "host")
def participant(event_id, pid):
    """One participant's day, in their zone and the event's: the per-participant view of the grid."""
    store = get_store()
    data = store.load(event_id)
    people = data.by_id()
    if pid not in people:
        raise NotFound(f"no participant {pid!r} in event {event_id!r}")
    rows = participant_day(data, store.meetings(event_id), pid, page_language())
    states = [s for s in store.request_states(event_id) if pid in (s.request.sender, s.request.receiver)]
    return render_template("participant.html", ev=data.event, me=people[pid], rows=rows, states=states, people=people)


@bp.get("/events/<event_id>/recommendations")
@staff_required("organiser")
def recommendations(event_id):
    """Three partners per traditional SME, with reasons; computed in the background once per state of
    the event (:func:`.memo.ready`), the page saying so meanwhile and refreshing itself."""
    store = get_store()
    db = current_app.config["DATABASE"]

    def compute():
        with Store(db) as own:  # another thread: its own connection, reading the state at or after the key's
            data = own.load(event_id)
        return matching.recommend(data, 3, exclude=[(r.sender, r.receiver) for r in data.requests])

    recs = ready("recommendations", store, event_id, compute, wait=float(current_app.config.get("COMPUTE_WAIT", 0.6)))
    if recs is None:
        return render_template("computing.html", ev=store.event(event_id), tab="recommendations",
                               title=gettext("Recommendations"))  # fmt: skip
    data = store.load(event_id)
    page = paginate(sorted(recs.items()), page_number(request.args.get("page")))  # 50 traditional SMEs a page
    return render_template("recommendations.html", ev=data.event, page=page, people=data.by_id(),
                           tab="recommendations")  # fmt: skip


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
        return jsonify({"error": gettext("The event is over: its schedule is kept as the record of what happened.")}), 409
    if stage != "draft":
        return jsonify({"preview": url_for("console.reoptimise", event_id=event_id)}), 200
    try:
        if not jobs.start_solve(current_app._get_current_object(), event_id, current_user()["username"]):
            return jsonify({"error": gettext("A schedule is already being generated for this event.")}), 409
    except jobs.QueueUnavailable as exc:
        return jsonify({"error": gettext("The schedule could not be started: %(why)s. Try again when it is back.", why=exc)}), 503
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
        flash(phase_sentence(stage), "error" if stage == "closed" else "info")
        return redirect(url_for("console.event", event_id=event_id))
    allow = request.args.get("moves") == "1"
    _, plan, change = _reoptimise_plan(store, data, allow)
    people = data.by_id()
    unplaced = not_placed(data, plan.meetings)
    return render_template("reoptimise.html", ev=data.event, change=change, people=people, allow=allow,
                           unplaced=unplaced,
                           stage=stage, phase_text=phase_sentence(stage), version=store.schedule_version(event_id),
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
        flash(gettext("Nothing was changed: the event's phase changed meanwhile. Look at the page again."), "error")
        return redirect(url_for("console.event", event_id=event_id))
    try:
        expected = int(request.form.get("version", ""))
    except ValueError:
        flash(gettext("The preview was incomplete; open the preview again."), "error")
        return redirect(url_for("console.event", event_id=event_id))
    if not store.start_solve(event_id, stale_after=timedelta(minutes=3)):
        flash(gettext("A schedule is being generated or repaired right now; try again in a moment."), "error")
        return redirect(url_for("console.event", event_id=event_id))
    try:
        before, plan, change = _reoptimise_plan(store, data, request.form.get("moves") == "1")
        store.save_schedule(Schedule(event_id, plan.meetings), actor=current_user()["username"],
                            expected_version=expected,
                            detail={"action": "reoptimise", "added": len(change.added), "moved": len(change.moved),
                                    "cancelled": len(change.cancelled)})  # fmt: skip
    except Conflict:
        flash(gettext("The schedule changed since you saw the preview, so nothing was applied. "
                      "Here is the schedule as it is now; generate again to see a fresh preview."), "error")  # fmt: skip
        return redirect(url_for("console.event", event_id=event_id))
    finally:
        store.end_solve(event_id)
    told = notify(store, data, before, store.meetings(event_id), N_("The organisers updated the schedule"))
    flash(gettext("Applied: %(added)s added, %(moved)s moved, %(cancelled)s cancelled; %(told)s told, each with an "
                  "updated invite.", added=ngettext("%(num)d meeting", "%(num)d meetings", len(change.added)),
                  moved=len(change.moved), cancelled=len(change.cancelled),
                  told=ngettext("%(num)d participant", "%(num)d participants", len(told))))  # fmt: skip
    return redirect(url_for("console.schedule", event_id=event_id))


@bp.post("/events/<event_id>/meetings/<meeting_id>/move")
@staff_required("organiser", "host")
def move(event_id, meeting_id):
    """Move one meeting by hand: the same rule as the host board (``moves.move_by_hand``)."""
    done = move_by_hand(event_id, meeting_id, request.form, why="An organiser moved a meeting",
                        reason="moved by hand in the console")  # fmt: skip
    if not done.ok:
        return _bad(done.message)
    flash(done.message)
    return redirect(url_for("console.schedule", event_id=event_id))


def _bad(message: str):
    flash(message, "error")
    return redirect(url_for("console.schedule", event_id=request.view_args["event_id"])), 303


@bp.post("/events/<event_id>/publish")
@staff_required("organiser")
def publish(event_id):
    """Write and queue the invites in a background job (:mod:`.publishing`); say how it ended when
    it ends within ``PUBLISH_WAIT`` seconds, else that it runs on (the overview shows how far)."""
    get_store().event(event_id)  # NotFound for an unknown event
    app = current_app._get_current_object()
    job = publishing.start_publish(app, event_id)
    if job is None:
        flash(gettext("The invites cannot be published while a schedule is being generated or invites are being "
                      "published; try again when it is done."), "error")  # fmt: skip
    elif not publishing.wait(app, job):
        flash(gettext("Publishing: the invites are being written in the background. This page shows how far it "
                      "got; you may leave it meanwhile."))  # fmt: skip
    elif job.error:
        flash(job.error, "error")
    else:
        sent = job.report.sent if job.report else 0
        if job.skipped:
            flash(gettext("Published: %(queued)s invites queued, %(sent)s delivered; %(skipped)s could not be sent "
                          "(see the outbox).", queued=job.queued, sent=sent, skipped=len(job.skipped)))  # fmt: skip
        else:
            flash(gettext("Published: %(queued)s invites queued, %(sent)s delivered.", queued=job.queued, sent=sent))
        for s in job.skipped[:10]:
            flash(f"{s.participant}: {s.reason}", "error")
    return redirect(url_for("console.event", event_id=event_id))  # the phase is "published" now


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

