"""Organiser console, requests: restrict a request's meeting to some of the event's sessions.

The routes belong to the console's blueprint (:data:`.console.bp`), so their names stay
``console.*``; :func:`webapp.create_app` imports this module before registering it."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext

from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.language import N_
from scheduler.domain.messages import Message
from scheduler.domain.sessions import parse_sessions, short

from .account_words import said
from .auth import current_user, staff_required
from .console import bp
from .extensions import get_store
from .i18n import said_here
from .live import clock, notify


@bp.post("/events/<event_id>/requests/<sender>/<receiver>/sessions")
@staff_required("organiser")
def request_sessions(event_id, sender, receiver):
    """Set the sessions a request's meeting may take place in, written as in requests.csv
    (``2``, ``1;3``, ``afternoon``, ``2027-03-26 14:00``; empty for any session)."""
    store = get_store()
    data = store.load(event_id)
    people = data.by_id()
    back = redirect(url_for("console.requests_page", event_id=event_id))
    label = gettext("Request %(a)s → %(b)s", a=people[sender].name if sender in people else sender,
                    b=people[receiver].name if receiver in people else receiver)  # fmt: skip
    try:
        named = parse_sessions(data.event, request.form.get("sessions", ""))
    except ValueError as exc:
        flash(gettext("%(label)s, sessions: %(why)s", label=label, why=said(exc)), "error")
        return back
    before = store.meetings(event_id)
    try:
        gone = store.restrict_request(event_id, sender, receiver, named, actor=current_user()["username"],
                                      now=clock())  # fmt: skip
    except (InvalidInput, NotFound) as exc:
        flash(f"{label}: {said(exc)}", "error")
        return back
    words = gettext("%(sessions)s only", sessions=said_here(short(data.event, named))) if named else gettext("any session")
    if gone:
        a, b = (people[p].name if p in people else p for p in (sender, receiver))
        why = (Message(N_("Request {a} → {b} now asks for {sessions} only"), a=a, b=b, sessions=short(data.event, named))
               if named else Message(N_("Request {a} → {b} now asks for any session"), a=a, b=b))  # fmt: skip
        told = notify(store, data, before, store.meetings(event_id), why)
        flash(gettext("%(label)s: %(words)s. Its meeting no longer fitted and is cancelled; %(n)s people told. "
                      "Generate the schedule again to place it in the sessions it asks for.",
                      label=label, words=words, n=len(told)))  # fmt: skip
    else:
        flash(gettext("%(label)s: %(words)s.", label=label, words=words))
    return back
