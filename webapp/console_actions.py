"""Organiser console, actions on requests and meetings: create (or impose) a request, auto-fill
every traditional SME up to a minimum of proposals, store the recommendations as suggestions,
run request expiry now, lock or unlock a meeting.

Each action is the organiser's, runs in one transaction with an audit record, and answers with a
flash message in words (a refusal names the field). The routes belong to the console's blueprint
(:data:`.console.bp`), so their names stay ``console.*``; :func:`webapp.create_app` imports this
module before registering it."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from scheduler.domain.errors import Conflict, InvalidInput, NotFound, Problem
from scheduler.domain.model import LIVE_STATUSES
from scheduler.domain.sessions import parse_sessions
from scheduler.matching import scores as matching

from .account_words import problem_words
from .auth import current_user, staff_required
from .console import bp
from .extensions import get_store
from .live import N_, clock, notify

#: the largest minimum of proposals (or recommendations per SME) one click may ask for
MOST = 20


def _back(event_id: str, anchor: str = "requests"):
    """Back to the console page the action's form is on (the requests page, by default)."""
    if anchor == "requests":
        return redirect(url_for("console.requests_page", event_id=event_id))
    return redirect(url_for("console.event", event_id=event_id) + f"#{anchor}")


def _refuse(event_id: str, message: str, anchor: str = "requests"):
    flash(message, "error")
    return _back(event_id, anchor), 303


def _problem(exc: InvalidInput | Conflict | NotFound | ValueError) -> str:
    return problem_words(exc)


def _count(field: str, default: int) -> int:
    """A small whole number from the form; InvalidInput naming ``field`` otherwise."""
    raw = request.form.get(field, str(default)).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MOST:
        raise InvalidInput(_("%(field)s: write a whole number from 1 to %(most)s (got %(raw)r)",
                             field=field, most=MOST, raw=raw[:20]))  # fmt: skip
    return int(raw)


def _pairs(data) -> list[tuple[str, str]]:
    """Pairs already requested (or declined) in either direction: never proposed again."""
    return [(r.sender, r.receiver) for r in data.requests]


@bp.post("/events/<event_id>/requests")
@staff_required("organiser")
def create_request(event_id):
    """Create a request between two participants (``from``, ``to``, ``priority`` 1-3, ``sessions``
    as in requests.csv); with ``imposed`` it is the organiser's decision and is always scheduled."""
    store = get_store()
    data = store.load(event_id)
    sender, receiver = request.form.get("from", "").strip(), request.form.get("to", "").strip()
    imposed = request.form.get("imposed") == "1"
    try:
        raw = request.form.get("priority", "2").strip()
        if not raw.isdigit():
            raise InvalidInput(_("priority: write 1, 2 or 3 (got %(raw)r)", raw=raw[:20]))
        try:
            named = parse_sessions(data.event, request.form.get("sessions", ""))
        except ValueError as exc:
            raise InvalidInput([Problem.of("sessions", getattr(exc, "words", None) or str(exc))]) from None
        actor = current_user()["username"]
        with store.write():
            store.add_requests(event_id, [(sender, receiver, int(raw))], status="imposed" if imposed else "pending",
                               origin="organiser", actor=actor, now=clock(), sessions={(sender, receiver): named})
            store.audit(event_id, "request_create", actor=actor, now=clock(),
                        detail={"from": sender, "to": receiver, "priority": int(raw), "imposed": imposed})
    except (InvalidInput, Conflict) as exc:
        return _refuse(event_id, _("The request was not created: %(why)s", why=_problem(exc)))
    people = data.by_id()
    words = _("imposed: it will be scheduled") if imposed else _("pending: %(name)s is asked to answer",
                                                                 name=people[receiver].name)  # fmt: skip
    flash(_("Request %(a)s → %(b)s created, %(words)s.", a=people[sender].name, b=people[receiver].name, words=words))
    return _back(event_id)


@bp.post("/events/<event_id>/autofill")
@staff_required("organiser")
def autofill(event_id):
    """Lift every traditional SME to at least ``minimum`` proposed meetings with suggested
    requests to its best compatible partners (as ``run.py autofill``)."""
    store = get_store()
    try:
        least = _count("minimum", 3)
    except InvalidInput as exc:
        return _refuse(event_id, _("Nothing was added: %(why)s", why=_problem(exc)))
    actor = current_user()["username"]
    with store.write():
        data = store.load(event_id)
        recs = matching.recommend(data, least + 5, exclude=_pairs(data))
        live = [(r.sender, r.receiver) for r in data.requests if r.status in LIVE_STATUSES]
        fill = matching.autofill(data, least, recs, live)
        added = store.add_requests(event_id, [(t, s, 2) for t, s, _sc in fill], status="suggested", origin="autofill",
                                   actor=actor, now=clock(), scores={(t, s): sc for t, s, sc in fill})  # fmt: skip
        store.audit(event_id, "autofill", actor=actor, now=clock(), detail={"minimum": least, "added": added})
        data = store.load(event_id)
    count: dict[str, int] = {}
    for pr in data.pairs():
        count[pr.a] = count.get(pr.a, 0) + 1
        count[pr.b] = count.get(pr.b, 0) + 1
    short = [p.name for p in data.participants if p.kind == "traditional" and count.get(p.id, 0) < least]
    flash(_("Auto-fill added %(n)s suggested requests; traditional SMEs still below %(k)s: %(m)s.",
            n=added, k=least, m=len(short)))  # fmt: skip
    if short:
        flash(_("No further compatible partner with a common slot for: %(names)s",
                names=", ".join(short[:20]) + (" …" if len(short) > 20 else "")), "info")  # fmt: skip
    return _back(event_id)


@bp.post("/events/<event_id>/recommendations")
@staff_required("organiser")
def store_recommendations(event_id):
    """Store the top ``per`` recommendations of every traditional SME as suggested requests."""
    store = get_store()
    try:
        per = _count("per", 3)
    except InvalidInput as exc:
        flash(_("Nothing was stored: %(why)s", why=_problem(exc)), "error")
        return redirect(url_for("console.recommendations", event_id=event_id)), 303
    actor = current_user()["username"]
    with store.write():
        data = store.load(event_id)
        recs = matching.recommend(data, per, exclude=_pairs(data))
        new = [(m.participant, m.partner, 2) for ms in recs.values() for m in ms]
        scores = {(m.participant, m.partner): m.score for ms in recs.values() for m in ms}
        added = store.add_requests(event_id, new, status="suggested", origin="recommendation", actor=actor,
                                   now=clock(), scores=scores)  # fmt: skip
        store.audit(event_id, "recommendations_stored", actor=actor, now=clock(), detail={"per": per, "added": added})
    flash(_("Stored %(n)s recommendations as suggested requests; each SME sees them and can send them.", n=added))
    return _back(event_id)


@bp.post("/events/<event_id>/expire")
@staff_required("organiser")
def expire(event_id):
    """Expire now every pending request past its answer time (the server also does it on its tick)."""
    store = get_store()
    actor = current_user()["username"]
    before = store.meetings(event_id)
    with store.write():
        n = store.expire_requests(event_id, clock())
        store.audit(event_id, "expire", actor=actor, now=clock(), detail={"expired": n})
    after = store.meetings(event_id)
    told = notify(store, store.load(event_id), before, after, N_("A request expired")) if after != before else set()
    flash(_("%(n)s pending requests were past their answer time and are now expired.", n=n)
          + (" " + _("%(n)s participants told.", n=len(told)) if told else ""))  # fmt: skip
    return _back(event_id)


@bp.post("/events/<event_id>/meetings/<meeting_id>/lock")
@staff_required("organiser")
def lock(event_id, meeting_id):
    """Lock a meeting in place (``locked=1``) or unlock it (``locked=0``); back where the form was."""
    store = get_store()
    want = request.form.get("locked", "")
    back = request.form.get("back", "")
    target = url_for("console.participant", event_id=event_id, pid=back) if back else \
        url_for("console.event", event_id=event_id) + "#schedule"  # fmt: skip
    if want not in ("0", "1"):
        flash(_("locked: choose lock or unlock (got %(raw)r)", raw=want[:20]), "error")
        return redirect(target), 303
    try:
        m = store.set_locked(event_id, meeting_id, want == "1", actor=current_user()["username"], now=clock())
    except NotFound as exc:
        flash(str(exc), "error")
        return redirect(target), 303
    people = store.load(event_id).by_id()
    names = f"{people[m.a].name} ⇄ {people[m.b].name}" if m.a in people and m.b in people else m.id
    flash(_("Meeting %(names)s is locked: no solve or repair moves it.", names=names) if m.locked
          else _("Meeting %(names)s is unlocked: a solve or repair may move it.", names=names))  # fmt: skip
    return redirect(target)
