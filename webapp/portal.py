"""Participant portal: reached by a personal, unguessable, revocable link. No password."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,  # fmt: skip
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext, ngettext, refresh

from scheduler.changes.pipeline import outside_availability
from scheduler.domain.errors import Conflict, InvalidInput, NotFound
from scheduler.domain.language import N_
from scheduler.domain.messages import Message
from scheduler.domain.sessions import parse_sessions
from scheduler.files import formats, inputs, writer
from scheduler.invitations.ical import (
    InviteContext,
    contexts,
    feed,
    meeting_invite,
    to_bytes,
)

from . import account_words
from .agenda import agenda_rows
from .errors import bad_link
from .extensions import get_store
from .i18n import LANGUAGES, mail_languages, page_language, said_here
from .live import clock, notify, offer_standby, offer_view, push_offers, repair_lost

bp = Blueprint("portal", __name__, url_prefix="/p")
#: why a meeting was cancelled after its request changed, told to both sides in their language
REQUEST_ENDED = {"declined": N_("The meeting request between {a} and {b} was declined"),
                 "withdrawn": N_("The meeting request between {a} and {b} was withdrawn"),
                 "expired": N_("The meeting request between {a} and {b} was expired")}  # fmt: skip


@bp.url_value_preprocessor
def who(_endpoint, values):
    token = (values or {}).pop("token", None)
    found = get_store().by_token(token or "")
    if found is None:
        if get_store().erased_link(token or ""):  # the data was erased (on request, or the retention ended)
            abort(make_response(render_template("expired.html"), 410))
        abort(make_response(*bad_link()))  # unknown and revoked links look the same
    g.token = token
    g.event_id, g.pid = found
    g.locale = get_store().participant_locale(g.event_id, g.pid) or None  # their profile's language, if set
    if session.get("participant") != [g.event_id, g.pid]:
        # written only when it changes: a background fetch (agenda, offers) must not send back a
        # cookie that overwrites a flash message set meanwhile by the page's own form post
        session["participant"] = [g.event_id, g.pid]


@bp.url_defaults
def add_token(endpoint, values):
    if "token" not in values and getattr(g, "token", None) and endpoint.startswith("portal."):
        values["token"] = g.token


def _ctx(data) -> InviteContext:
    return contexts(data.event, {g.pid: g.token}, current_app.config["BASE_URL"], None, mail_languages(data))(g.pid)


def _agenda(event, people, meetings):
    """My meetings as the page shows them (``people``: me and my partners by id; ``meetings``:
    mine, or the whole event's), with ``.ics`` links completed under my link."""
    rows = agenda_rows(event, people, meetings, g.pid, page_language(), clock())
    base = url_for("portal.home")
    return [r | {"ics": f"{base}/{r['ics']}"} for r in rows]


@bp.get("/<token>")
def home(**_):
    store = get_store()
    data = store.load(g.event_id)
    me = data.by_id()[g.pid]
    states = [s for s in store.request_states(g.event_id) if g.pid in (s.request.sender, s.request.receiver)]
    from .partners import recommendations

    lang = page_language()
    recs = recommendations(data, me, lang=lang)
    t = clock()
    scheduled = {(m.b if m.a == g.pid else m.a): lang.when(m.start, me.timezone, "short")
                 for m in store.meetings(g.event_id)
                 if g.pid in (m.a, m.b) and m.status in ("scheduled", "moved") and m.start > t}  # fmt: skip
    return render_template(
        "portal.html", data=data, ev=data.event, me=me, people=data.by_id(), states=states, recs=recs,
        scheduled=scheduled, to_answer=sum(s.request.receiver == g.pid and s.request.status in ("pending", "suggested")
                                            for s in states),
        agenda=_agenda(data.event, data.by_id(), store.meetings_of(g.event_id, g.pid)), token=g.token, offers=_offers(store, data),
        checked_in=g.pid in store.checked_in(g.event_id),
        feed_url=url_for("portal.my_feed", _external=True),
    )  # fmt: skip


@bp.get("/<token>/agenda.json")
def agenda_json(**_):
    # every open page asks for this right after a change reaches it (thousands at once on the live
    # day): read only my meetings and the people in them, never the whole event
    store = get_store()
    mine = store.meetings_of(g.event_id, g.pid)
    people = store.participants_by_id(g.event_id, {g.pid, *(x for m in mine for x in (m.a, m.b))})
    return jsonify({"participant": g.pid, "agenda": _agenda(store.event(g.event_id), people, mine)})


@bp.post("/<token>/profile")
def profile(**_):
    store = get_store()
    data = store.load(g.event_id)
    me = data.by_id()[g.pid]
    doc = writer.participant_to_dict(me)
    form = request.form
    for field in ("name", "contact", "email", "description"):
        if field in form:
            doc[field] = form[field].strip()
    for field in ("sectors", "needs", "offers", "languages"):
        if field in form:
            doc[field] = [t.strip() for t in form[field].replace(",", ";").split(";") if t.strip()]
    if "locale" in form:
        doc["locale"] = form["locale"] if form["locale"] in LANGUAGES else ""
    if "wh_start" in form:
        doc["working_hours"] = {"start": form["wh_start"], "end": form["wh_end"]}
    if "timezone" in form:  # the zone's search list (portal_slots): meetings stay put in UTC
        doc["timezone"] = form["timezone"].strip()[:64]
    # the slot picker and the zone list come back to their own page (portal_slots)
    back = url_for("portal.availability") if "picker" in form or "timezone" in form else url_for("portal.home") + "#profile"
    picked = None
    if "picker" in form:  # the ticked slots, as windows in my zone (portal_slots)
        from .slotpicker import picked_windows

        picked = picked_windows(data, me, form.getlist("slot"))
        for words in picked.problems:
            flash(words, "error")
        if picked.problems:
            return redirect(back), 303
        doc["available"] = list(picked.windows)
    elif "available" in form:
        text = form["available"].strip()
        doc.pop("available", None)
        if text:
            doc["available"] = inputs.parse_windows(text)
    try:
        updated = formats.parse_participant(doc, "profile")
    except InvalidInput as exc:
        lang = page_language()
        for p in exc.problems:
            flash(_profile_words(p.path.removeprefix("profile."), p.reason(lang)), "error")
        return redirect(back), 303
    if picked is not None:  # the windows must give back exactly the ticked slots
        from .slotpicker import lost_slots

        lost = lost_slots(data, updated, picked.wanted)
        for words in lost:
            flash(words, "error")
        if lost:
            return redirect(back), 303
    before = store.meetings(g.event_id)
    conflicts = outside_availability(data, updated, before, clock())
    choice = form.get("conflicts")
    if conflicts and choice not in ("keep", "release"):
        # say which meetings the new hours leave out, before anything is saved
        people = data.by_id()
        rows = [{"other": people[m.b if m.a == g.pid else m.a].name,
                 "when": page_language().when(m.start, updated.timezone, "short")} for m in conflicts]  # fmt: skip
        fields = [(k, v) for k in form for v in form.getlist(k) if k not in ("csrf_token", "conflicts")]
        return render_template("profile_conflicts.html", ev=data.event, me=updated, rows=rows, fields=fields)
    ids = [m.id for m in conflicts]
    if updated.locale and updated.locale != me.locale:  # the language just chosen: this answer speaks it already
        session["lang"] = g.locale = updated.locale
        refresh()
    store.change_profile(g.event_id, updated, actor=g.pid, keep=ids if choice == "keep" else [],
                         release=ids if choice == "release" else [], now=clock())  # fmt: skip
    if choice == "release":
        why = Message(N_("{name} is no longer available then"), name=updated.name)
        notify(store, data, before, store.meetings(g.event_id), why)
        repair_lost(store, g.event_id, [m.b if m.a == g.pid else m.a for m in conflicts], why, g.pid)
        flash(ngettext("Profile saved. %(num)d meeting outside your new hours was cancelled and your partners "
                       "were told.", "Profile saved. %(num)d meetings outside your new hours were cancelled and "
                       "your partners were told.", len(ids)))  # fmt: skip
    elif choice == "keep":
        flash(ngettext("Profile saved. You keep the %(num)d meeting outside your new hours; it will not be moved.",
                       "Profile saved. You keep the %(num)d meetings outside your new hours; they will not be moved.",
                       len(ids)))  # fmt: skip
    else:
        flash(gettext("Profile saved."))
    return redirect(back)


#: the profile form's labels for the format's field names, so a problem names what the person sees
PROFILE_LABELS = {"available": lazy_gettext("Only available on"), "timezone": lazy_gettext("Time zone"),
                  "working_hours": lazy_gettext("Working hours"), "email": lazy_gettext("E-mail"),
                  "name": lazy_gettext("Name"), "contact": lazy_gettext("Contact person"),
                  "description": lazy_gettext("Description")}  # fmt: skip


def _profile_words(field: str, reason: str) -> str:
    """``available[1]``, reason -> ``Only available on, window 2: reason`` (the form's words, counted from 1)."""
    import re

    m = re.match(r"^(\w+)(?:\[(\d+)\])?(?:\.(\w+))?$", field.strip())
    if not m or m.group(1) not in PROFILE_LABELS:
        return f"{field}: {reason}" if field else reason
    label = str(PROFILE_LABELS[m.group(1)])
    if m.group(2):
        label = gettext("%(field)s, window %(num)d", field=label, num=int(m.group(2)) + 1)
    return f"{label}: {reason}"


@bp.post("/<token>/requests")
def new_request(**_):
    try:
        priority = int(request.form.get("priority", "2"))
    except ValueError:
        priority = -1
    to = request.form.get("to", "")
    try:  # the sessions the meeting may take place in ("" for any), as the form's choice writes them
        named = parse_sessions(get_store().event(g.event_id), request.form.get("sessions", ""))
        get_store().add_requests(g.event_id, [(g.pid, to, priority)], status="pending", origin="participant",
                                 actor=g.pid, sessions={(g.pid, to): named})  # fmt: skip
        flash(gettext("Request sent."))
    except (InvalidInput, Conflict) as exc:
        flash(_in_words(account_words.said(exc)), "error")
    except ValueError as exc:  # a session the event does not have (parse_sessions)
        flash(gettext("When: %(problem)s", problem=account_words.said(exc)), "error")
    if request.form.get("back") == "directory":  # back to the same directory page (portal_people)
        keep = {k: v[:100] for k in ("q", "technology", "sector", "country", "language", "page")
                if (v := request.form.get(k, "").strip())}  # fmt: skip
        return redirect(url_for("portal.directory", **keep))
    return redirect(url_for("portal.home") + "#requests")


def _in_words(text: str) -> str:
    """A core message as a participant reads it: people by name ("you" for oneself), not by id."""
    import re

    people = get_store().load(g.event_id).by_id()

    def name(m: re.Match) -> str:
        pid = m.group(0).strip("'")
        return gettext("you") if pid == g.pid else people[pid].name if pid in people else m.group(0)

    text = re.sub(r"'?[A-Za-z0-9_-]+'?", lambda m: name(m) if m.group(0).strip("'") in people else m.group(0), text)
    text = re.sub(r"^request (.+?) -> (.+?) ", r"the request from \1 to \2 ", text)
    return text[:1].upper() + text[1:]


@bp.post("/<token>/requests/<sender>/<receiver>/<action>")
def request_action(sender, receiver, action, **_):
    if g.pid not in (sender, receiver):
        abort(403)
    store = get_store()
    data = store.load(g.event_id)
    before = store.meetings(g.event_id)
    try:
        new = store.transition_request(g.event_id, sender, receiver, action, g.pid, now=clock())
    except (InvalidInput, Conflict) as exc:
        flash(_in_words(account_words.said(exc)), "error")
        return redirect(url_for("portal.home") + "#requests")
    people = data.by_id()
    other = people[receiver if g.pid == sender else sender].name
    after = store.meetings(g.event_id)
    gone = [m for m in after if m.status == "cancelled" and any(b.id == m.id and b.status != "cancelled"
                                                                  for b in before)]  # fmt: skip
    words = {"accepted": gettext("The meeting request between you and %(other)s is accepted.", other=other),
             "declined": gettext("The meeting request between you and %(other)s is declined.", other=other),
             "withdrawn": gettext("The meeting request between you and %(other)s is withdrawn.", other=other),
             "pending": gettext("The meeting request between you and %(other)s is sent.", other=other)}
    said = words.get(new.request.status, f"{other}: {new.request.status}.")
    flash(said + (" " + gettext("Its scheduled meeting is cancelled and both of you were told.") if gone else ""))
    if gone:
        why = Message(REQUEST_ENDED.get(new.request.status, N_("The meeting request between {a} and {b} was {status}")),
                      a=people[sender].name, b=people[receiver].name, status=new.request.status)  # fmt: skip
        notify(store, data, before, after, why)
        repair_lost(store, g.event_id, (sender, receiver), why, g.pid)
    return redirect(url_for("portal.home") + "#requests")


@bp.post("/<token>/checkin")
def checkin(**_):
    store = get_store()
    store.check_in(g.event_id, g.pid, by=g.pid)
    offer_standby(store, g.event_id)  # someone may be waiting for a partner like you
    flash(gettext("Thanks: the hosts see that you are here."))
    return redirect(url_for("portal.home"))


def _offers(store, data) -> list[dict]:
    """My standby offers still open in the running slot, as I see them."""
    t = clock()
    return [offer_view(o, g.pid, data, page_language()) for o in store.offers(g.event_id, status="open", participant=g.pid)
            if o["slot_end"] > t]  # fmt: skip


@bp.get("/<token>/offers.json")
def offers_json(**_):
    store = get_store()
    return jsonify({"participant": g.pid, "offers": _offers(store, store.load(g.event_id))})


@bp.post("/<token>/offers/<int:offer_id>/<action>")
def answer_offer(offer_id, action, **_):
    """Accept or decline a standby "meet now" offer; when both accepted it becomes a meeting."""
    from scheduler.live import standby

    if action not in ("accept", "decline"):
        abort(404)
    store = get_store()
    try:
        offer = store.offer(g.event_id, offer_id)
    except NotFound:
        abort(404)
    if g.pid not in (offer["a"], offer["b"]):
        abort(404)  # somebody else's offer looks like no offer at all
    try:
        out = standby.answer(store, g.event_id, offer_id, g.pid, action == "accept", clock())
    except (InvalidInput, Conflict) as exc:
        flash(said_here(standby.said(exc)), "error")
        return redirect(url_for("portal.home"))
    data = store.load(g.event_id)
    push_offers(data, [out.offer], "offer_update")
    status = out.offer["status"]
    if status == "confirmed":
        notify(store, data, out.before, out.after, Message(N_("Meet now: a standby meeting was agreed")))
        flash(gettext("It's a meeting: it is in your agenda now, with its video link."))
    elif status == "open":
        flash(gettext("Thanks: we are waiting for the other side to accept."))
    elif status == "declined":
        flash(gettext("Declined. We will not offer this meeting again in this slot."))
    else:
        note = said_here(out.offer.get("note") or "")
        flash(gettext("This offer is %(status)s: %(note)s.", status=status, note=note) if note
              else gettext("This offer is %(status)s.", status=status), "error")  # fmt: skip
    return redirect(url_for("portal.home"))


@bp.get("/<token>/meetings/<meeting_id>.ics")
def meeting_ics(meeting_id, **_):
    store = get_store()
    m = next((x for x in store.meetings(g.event_id) if x.id == meeting_id), None)
    if m is None or g.pid not in (m.a, m.b):
        abort(404)
    data = store.load(g.event_id)
    people = data.by_id()
    other = people[m.b if m.a == g.pid else m.a]
    method = "CANCEL" if m.status in ("cancelled", "no_show") else "REQUEST"  # as the feed shows it
    cal = meeting_invite(_ctx(data), m, people[g.pid], other, m.version, _stamp(), method)
    return Response(to_bytes(cal), mimetype="text/calendar",
                    headers={"Content-Disposition": f"attachment; filename={meeting_id}.ics"})


@bp.get("/<token>/feed.ics")
def my_feed(**_):
    store = get_store()
    data = store.load(g.event_id)
    meetings = store.meetings(g.event_id)
    mine = [m for m in meetings if g.pid in (m.a, m.b)]
    # the ETag follows what the feed shows, so an unchanged agenda costs a 304
    tag = hashlib.sha256(repr([(m.id, m.start, m.room, m.status, m.version) for m in mine]).encode()).hexdigest()[:32]
    if request.if_none_match.contains(tag):
        return Response(status=304, headers={"ETag": f'"{tag}"'})
    cal = feed(_ctx(data), f"{data.event.name}: my meetings", mine, data.by_id(), _stamp(), viewer=g.pid)
    return Response(to_bytes(cal), mimetype="text/calendar", headers={"ETag": f'"{tag}"'})


def _stamp() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
