"""Organiser console, edits: the event's settings, and one participant added, edited or removed.

Every edit is the stored event document with the change made, read again through the import's
own rules (:func:`scheduler.files.formats.parse_event_document`, so a refusal names the field
as an import would) and applied as a re-import is (:meth:`Store.merge`): in one transaction with
an audit record named after the edit. An edit that cancels announced meetings (a session
shortened, a participant removed, their availability narrowed) is previewed first; applying it
tells everyone affected (REQUEST / CANCEL). A removed participant keeps their record
(``removed_at``) and their link is revoked.

The routes belong to the console's blueprint (:data:`.console.bp`); :func:`webapp.create_app`
imports this module before registering it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from scheduler.domain.errors import Conflict, InvalidInput, NotFound, Problem
from scheduler.domain.language import DEFAULT, LANGUAGES, N_
from scheduler.files import formats, writer
from scheduler.files.inputs import format_clock, parse_windows
from scheduler.matching.requests import POLICIES
from scheduler.solving.config import SolverConfig, resolve_compactness

from .account_words import problem_list, said
from .auth import current_user, staff_required
from .console import bp
from .extensions import get_store
from .i18n import said_here
from .live import clock, notify
from .setting_words import policy_words
from .sockets import recheck

#: event fields edited as text, whole numbers, a number, a yes/no, windows
EVENT_TEXT = ("name", "timezone", "video_url_template", "request_policy")
EVENT_INTS = ("slot_minutes", "gap_minutes", "rooms", "max_meetings")
#: participant fields edited as text, lists written "a; b", windows
PERSON_TEXT = ("name", "kind", "cluster", "country", "timezone", "contact", "email", "description")
PERSON_TAGS = ("sectors", "needs", "offers", "languages")
#: what a form may carry besides the fields (kept through a preview)
CONTROL = ("csrf_token", "confirm", "version")


def _number(raw: str):
    """A whole number when the text is one; the text itself otherwise, so the import's rule names it."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() else raw


def _event_doc(data, form) -> dict:
    doc = writer.event_document(data)
    ev = doc["event"]
    for k in EVENT_TEXT:
        ev[k] = form.get(k, "").strip()
    if not ev["video_url_template"]:
        ev["video_url_template"] = None
    for k in EVENT_INTS:
        ev[k] = _number(form.get(k, ""))
    ttl = form.get("request_ttl_hours", "").strip()
    try:
        ev["request_ttl_hours"] = float(ttl)
    except ValueError:
        ev["request_ttl_hours"] = ttl
    ev["allow_same_kind"] = form.get("allow_same_kind") == "1"
    ev["sessions"] = parse_windows(form.get("sessions", ""))
    # what compact days minimise (docs/format.md): optional fields, checked by the solver's own rule
    compact = form.get("compactness")  # the default (idle) stays unset when it was: saving changes nothing
    if compact is not None and compact.strip() != (ev.get("compactness") or "idle"):
        ev["compactness"] = compact.strip()
    spread = form.get("break_spread", "").strip()
    ev.pop("break_spread", None)
    if spread:
        ev["break_spread"] = None if spread.lower() == "none" else _number(spread)
    _language(ev, form.get("language"))
    resolve_compactness(SolverConfig(), ev)
    return doc


def _language(ev: dict, chosen: str | None) -> None:
    """Set the event's default language (``language``: the mails of participants without their own)
    from the form's select; a form without the field keeps it, and English stays unset when it was.

    Raises InvalidInput naming ``event.language`` for a code that is not a shipped language."""
    if chosen is None:
        return
    chosen = chosen.strip()
    if chosen not in LANGUAGES:
        raise InvalidInput([Problem("event.language", _("choose one of %(codes)s (got %(got)s)",
                                                        codes=", ".join(LANGUAGES), got=repr(chosen[:20])))])
    if chosen != (ev.get("language") or DEFAULT):
        ev["language"] = chosen


def _person_dict(form, base: dict) -> dict:
    out = dict(base)
    for k in PERSON_TEXT:
        out[k] = form.get(k, "").strip()
    for k in PERSON_TAGS:
        out[k] = form.get(k, "")
    hours = form.get("working_hours", "").strip()
    out["working_hours"] = hours or None
    windows = parse_windows(form.get("available", ""))
    out["available"] = windows or None
    most = form.get("max_meetings", "").strip()
    out["max_meetings"] = _number(most) if most else None
    return {k: v for k, v in out.items() if v is not None}


def _live(form) -> dict:
    """The live-day and retention fields (they never move a meeting); InvalidInput naming the field."""
    out, problems = {}, []
    for k, low, high in (("retention_days", 0, 3650), ("standby_minutes", 0, 120), ("waitlist", 0, 50)):
        raw = form.get(k, "").strip()
        if not raw.isdigit() or not low <= int(raw) <= high:
            problems.append(Problem.of(k, N_("write a whole number from {low} to {high} (got {got})"), low=low, high=high,
                                       got=repr(raw[:20])))
        else:
            out[k] = int(raw)
    if problems:
        raise InvalidInput(problems)
    out["auto_repair"] = form.get("auto_repair") == "1"
    return out


def _windows(ev) -> str:
    """The event's sessions as the form writes them: ``2027-03-26 09:00-13:00; ...``."""
    return "; ".join(f"{s.date.isoformat()} {format_clock(s.start)}-{format_clock(s.end)}" for s in ev.sessions)


def _settings_page(store, event_id, form, problems, status=200):
    data = store.load(event_id)
    sessions = _windows(data.event)
    return render_template("event_settings.html", ev=data.event, form=form, problems=problems, policies=POLICIES,
                           languages=LANGUAGES, default_language=str(data.event.extra.get("language") or DEFAULT),
                           policy_words=policy_words,
                           sessions_text=sessions, retention=store.retention(event_id)[0],
                           live=store.live_settings(event_id)), status  # fmt: skip


@bp.get("/events/<event_id>/settings/edit")
@staff_required("organiser")
def event_settings(event_id):
    """The event's settings as a form: what the event file's ``event`` block holds, and the live day."""
    return _settings_page(get_store(), event_id, None, [])


@bp.post("/events/<event_id>/settings/edit")
@staff_required("organiser")
def save_event_settings(event_id):
    """Apply the settings form: at once when no announced meeting moves, else after a preview."""
    store = get_store()
    data = store.load(event_id)
    problems, live, incoming = [], {}, None
    try:  # every field at once: the live-day ones, then the event's through the import's rules
        live = _live(request.form)
    except InvalidInput as exc:
        problems += problem_list(exc)
    try:
        incoming = formats.parse_event_document(_event_doc(data, request.form), _("settings"))
    except InvalidInput as exc:
        problems += problem_list(exc)
    if problems or incoming is None:
        return _settings_page(store, event_id, request.form, problems, 400)
    if incoming.event.id != event_id:
        raise NotFound("no such event")

    def extra(actor):
        store.set_retention(event_id, live["retention_days"], actor=actor, now=clock())
        store.set_live_settings(event_id, actor=actor, auto_repair=live["auto_repair"],
                                standby_minutes=live["standby_minutes"], waitlist=live["waitlist"], now=clock())

    return _apply(store, data, incoming, "event_edit", _("The event settings"),
                  url_for("console.save_event_settings", event_id=event_id), extra)


def _apply(store, data, incoming, action: str, what: str, action_url: str, extra=None):
    """Preview the edit when it cancels meetings and is not yet confirmed; else apply it in one
    transaction (the merge, ``extra`` in the same one), tell those affected, flash, go back."""
    event_id = data.event.id
    plan = store.plan_merge(incoming, clock())
    confirmed = request.form.get("confirm") == "1"
    if plan.cancelled and not confirmed:
        keep = [(k, v) for k, v in request.form.items(multi=True) if k not in CONTROL]
        words = {"sessions": (_windows(data.event), _windows(incoming.event))}
        settings = [(k, *words.get(k, (a, b))) for k, a, b in plan.settings]
        return render_template("change_preview.html", ev=data.event, plan=plan, what=what, fields=keep,
                               settings=settings, action_url=action_url, version=store.schedule_version(event_id),
                               people=data.by_id() | incoming.by_id(), tz=data.event.timezone)  # fmt: skip
    actor = current_user()["username"]
    version = request.form.get("version", "")
    old = store.meetings(event_id)
    try:
        with store.write():
            applied, _v = store.merge(incoming, actor=actor, now=clock(), action=action,
                                      expected_version=int(version) if confirmed and version.isdigit() else None)
            if extra is not None:
                extra(actor)
    except (Conflict, InvalidInput) as exc:
        flash(_("Nothing was changed: %(why)s", why=said(exc)), "error")
        return redirect(_back_to(action, event_id)), 303
    recheck(store)  # a removed participant's link ends its live connection
    told = notify(store, store.load(event_id), old, store.meetings(event_id), N_("The organisers changed the event"))
    flash(_("%(what)s: saved. %(summary)s; %(n)s participants told.", what=what, summary=said_here(applied.summary()),
            n=len(told)))  # fmt: skip
    return redirect(_back_to(action, event_id))


def _back_to(action: str, event_id: str) -> str:
    """The console page an edit returns to: the settings page, or the participants page."""
    if action == "event_edit":
        return url_for("console.event_setup", event_id=event_id)
    return url_for("console.participants", event_id=event_id)


def _person_page(ev, form, problems, pid=None, status=200):
    return render_template("participant_form.html", ev=ev, form=form, problems=problems, pid=pid), status


@bp.get("/events/<event_id>/participants/new")
@staff_required("organiser")
def new_participant(event_id):
    """An empty participant form (the fields of a participants.csv row)."""
    ev = get_store().event(event_id)
    return _person_page(ev, {"timezone": ev.timezone, "kind": "traditional"}, [])


@bp.post("/events/<event_id>/participants/new")
@staff_required("organiser")
def add_participant(event_id):
    """Add one participant; they get a personal link (shown on the event page)."""
    store = get_store()
    data = store.load(event_id)
    pid = request.form.get("id", "").strip()
    doc = writer.event_document(data)
    known = {p.id for p in data.participants} | {p.id for p in data.removed}
    if pid in known:
        return _person_page(data.event, request.form, [_("id: %(pid)s is already taken in this event; choose "
                                                         "another", pid=pid)], None, 400)  # fmt: skip
    doc["participants"].append(_person_dict(request.form, {"id": pid}))
    try:
        incoming = formats.parse_event_document(doc, _("new participant"))
    except InvalidInput as exc:
        return _person_page(data.event, request.form, problem_list(exc), None, 400)
    name = incoming.participants[-1].name
    return _apply(store, data, incoming, "participant_add", _("Participant %(name)s", name=name),
                  url_for("console.add_participant", event_id=event_id))


def _known(data, pid):
    people = data.by_id()
    if pid not in people:
        raise NotFound(f"no participant {pid!r} in event {data.event.id!r}")
    return people[pid]


@bp.get("/events/<event_id>/participants/<pid>/edit")
@staff_required("organiser")
def edit_participant(event_id, pid):
    """One participant's profile as a form."""
    data = get_store().load(event_id)
    d = writer.participant_to_dict(_known(data, pid))
    form = {k: "; ".join(v) if isinstance(v, list) and k in PERSON_TAGS else v for k, v in d.items()}
    form["working_hours"] = f"{d['working_hours']['start']}-{d['working_hours']['end']}"
    form["available"] = "; ".join(f"{w['date']} {w['start']}-{w['end']}" for w in d.get("available", []))
    return _person_page(data.event, form, [], pid)


@bp.post("/events/<event_id>/participants/<pid>/edit")
@staff_required("organiser")
def save_participant(event_id, pid):
    """Update one profile under the same id (the personal link keeps working); a meeting that no
    longer fits the new availability is cancelled after a preview."""
    store = get_store()
    data = store.load(event_id)
    me = _known(data, pid)
    doc = writer.event_document(data)
    at = next(i for i, p in enumerate(doc["participants"]) if p["id"] == pid)
    doc["participants"][at] = _person_dict(request.form, {**writer.participant_to_dict(me), "id": pid})
    try:
        incoming = formats.parse_event_document(doc, _("participant %(pid)s", pid=pid))
    except InvalidInput as exc:
        return _person_page(data.event, request.form, problem_list(exc), pid, 400)
    return _apply(store, data, incoming, "participant_edit", _("Participant %(name)s", name=me.name),
                  url_for("console.save_participant", event_id=event_id, pid=pid))


@bp.post("/events/<event_id>/participants/<pid>/remove")
@staff_required("organiser")
def remove_participant(event_id, pid):
    """The participant leaves: their meetings still to come are cancelled (after a preview, CANCEL
    sent), their requests withdrawn, their record kept (``removed_at``) and their link revoked."""
    store = get_store()
    data = store.load(event_id)
    me = _known(data, pid)
    doc = writer.event_document(data)
    doc["participants"] = [p for p in doc["participants"] if p["id"] != pid]
    doc["requests"] = [r for r in doc["requests"] if pid not in (r["from"], r["to"])]
    incoming = formats.parse_event_document(doc, _("removal"))
    return _apply(store, data, incoming, "participant_remove", _("Removal of %(name)s", name=me.name),
                  url_for("console.remove_participant", event_id=event_id, pid=pid))
