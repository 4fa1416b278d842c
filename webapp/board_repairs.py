"""Host board, repairs: mark a meeting held, a no-show or cancelled, record an absence, close
and reopen rooms, add a late request; preview a repair of the rest of the day, then apply it.

The routes belong to the board's blueprint (:data:`.board.bp`), so their names stay
``board.*``; :func:`webapp.create_app` imports this module before registering it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from flask import flash, render_template, request
from flask_babel import gettext

from scheduler.changes.pipeline import restorable
from scheduler.domain.errors import Conflict, InvalidInput, StaleVersion
from scheduler.domain.messages import Message, joined, to_data
from scheduler.domain.model import EventData, Request, Schedule
from scheduler.domain.timegrid import end_of_local_day, local_instant, local_label, to_local
from scheduler.live.repair import Absence, rebalance, with_waitlist
from scheduler.matching.requests import check_new
from scheduler.solving.problem import pair_key

from .account_words import said
from .auth import current_user, staff_required
from .board import back, bp, checked_change, form_version, now
from .extensions import get_store
from .i18n import said_here
from .live import N_, REPAIRED, notify

#: a repair lock older than this was left by a process that died
REPAIR_LOCK_STALE = timedelta(minutes=3)
#: the reason participants are told when a host marks their meeting (in their language: live.push_changes)
MARKED = {"held": N_("A host marked a meeting held"), "no_show": N_("A host marked a meeting no-show"),
          "cancelled": N_("A host marked a meeting cancelled")}  # fmt: skip
#: the reason the board's history keeps for a meeting a host marked (in each reader's language)
MARKED_REASON = {"held": N_("marked held"), "no_show": N_("marked no-show"), "cancelled": N_("marked cancelled")}


@bp.post("/meetings/<meeting_id>/<action>")
@staff_required("organiser", "host")
def mark(event_id, meeting_id, action):
    status = {"held": "held", "no-show": "no_show", "cancel": "cancelled"}.get(action)
    if status is None:
        flash(gettext("action: unknown action %(action)s", action=repr(action)), "error")
        return back(event_id)
    store = get_store()
    absent = request.form.get("absent")
    m = next((x for x in store.meetings(event_id) if x.id == meeting_id), None)
    if m is None:
        flash(gettext("meeting: that meeting is not in this event any more; the board below is fresh"), "error")
        return back(event_id)
    if absent and absent not in (m.a, m.b):
        flash(gettext("absent: that person is not in this meeting; choose one of its two participants"), "error")
        return back(event_id)
    people = store.load(event_id).by_id()
    reason = (Message(N_("{name} did not come"), name=people[absent].name) if status == "no_show" and absent
              else Message(MARKED_REASON[status]))  # fmt: skip
    refused = checked_change(event_id, MARKED[status], lambda actor, version:
                             store.update_meeting(event_id, meeting_id, actor=actor, status=status,
                                                  expected_version=version, reason=reason))  # fmt: skip
    if refused:
        return refused
    flash({"held": gettext("Meeting marked held."), "no_show": gettext("Meeting marked no-show."),
           "cancelled": gettext("Meeting marked cancelled.")}[status])  # fmt: skip
    repair, hint = None, None
    if status == "no_show" and absent:
        # missing one meeting is not leaving for the day: the absent keep their later meetings
        # (a missed pair may meet again later) and the partner left waiting is refilled first;
        # the host says "gone for the day" with one more click (the form comes prefilled)
        repair, hint = Repair(absences=(Absence(absent, until=m.end),)), absent
        flash(gettext("If %(name)s has left for the day, the “Someone is away” form below is ready for them.",
                      name=people[absent].name))
    elif status == "cancelled" and m.start > now():  # both sides lost a meeting still to come
        repair = Repair(lost=(m.a, m.b))
    if repair is not None:
        auto = store.live_settings(event_id)["auto_repair"]
        return _plan(event_id, repair, apply=auto, expected=store.schedule_version(event_id), hint=hint)
    return back(event_id)


@dataclass(frozen=True)
class Repair:
    """What a host asks the repair to take into account; also carried by the preview form."""

    absences: tuple[Absence, ...] = ()
    close_room: int | None = None
    late: tuple[str, str, int] | None = None  # (from, to, priority)
    lost: tuple[str, ...] = ()  # people whose meeting was cancelled: refill their day first

    @classmethod
    def from_form(cls, form) -> Repair:
        absences = tuple(Absence(p, datetime.fromisoformat(u) if u else None)
                         for p, u in zip(form.getlist("participant"), form.getlist("until"), strict=False))  # fmt: skip
        room = form.get("close_room")
        late = (form["late_from"], form["late_to"], int(form.get("late_priority", "1"))) if form.get("late_from") else None
        return cls(absences, int(room) if room else None, late, tuple(form.getlist("lost")))

    def hidden(self) -> list[tuple[str, str]]:
        out = []
        for a in self.absences:
            out += [("participant", a.participant), ("until", a.until.isoformat() if a.until else "")]
        if self.close_room is not None:
            out.append(("close_room", str(self.close_room)))
        if self.late:
            out += [("late_from", self.late[0]), ("late_to", self.late[1]), ("late_priority", str(self.late[2]))]
        out += [("lost", p) for p in self.lost]
        return out

    def describe(self, people, tz: str) -> Message:
        """What the repair takes into account, in words (a Message: each reader's language by ``say``)."""
        def away(name: str, until) -> Message:
            if until is None:
                return Message(N_("{name} away for the rest of the event"), name=name)
            if to_local(until, tz).time() == time(0, 0):
                return Message(N_("{name} away for the rest of the day"), name=name)
            return Message(N_("{name} away until {time}"), name=name, time=local_label(until, tz))

        parts = [away(people[a.participant].name, a.until) for a in self.absences]
        if self.close_room is not None:
            parts.append(Message(N_("room {room} closes"), room=self.close_room))
        if self.late:
            parts.append(Message(N_("late request {a} → {b}"), a=people[self.late[0]].name, b=people[self.late[1]].name))
        if self.lost:
            parts.append(Message(N_("a meeting of {names} was cancelled"),
                                 names=joined([people[p].name for p in self.lost if p in people])))  # fmt: skip
        out = parts[0] if parts else Message("{nothing}", nothing="")
        for part in parts[1:]:  # "; " between them, in every language
            out = Message("{a}; {b}", a=out, b=part)
        return out


def _with_late(data: EventData, late: tuple[str, str, int] | None) -> EventData:
    """The event as the repair should see it once the late request is imposed."""
    if not late:
        return data
    a, b, prio = late
    same = [r for r in data.requests if pair_key(r.sender, r.receiver) == pair_key(a, b)]
    if not same:
        check_new(data, a, b, prio)  # unknown people, same kind, bad priority: named errors
        return replace(data, requests=(*data.requests, Request(a, b, prio, "imposed")))
    rest = tuple(r for r in data.requests if r not in same)
    return replace(data, requests=(*rest, replace(same[0], status="imposed"), *same[1:]))


def _store_late(store, event_id: str, late: tuple[str, str, int], actor: str) -> None:
    a, b, prio = late
    data = store.load(event_id)
    same = [r for r in data.requests if pair_key(r.sender, r.receiver) == pair_key(a, b)]
    if not same:
        store.add_requests(event_id, [(a, b, prio)], status="imposed", origin="organiser", actor=actor)
    elif not any(r.status in ("accepted", "imposed") for r in same):
        store.transition_request(event_id, same[0].sender, same[0].receiver, "impose", "organiser")


def _plan(event_id: str, repair: Repair, apply: bool, expected: int | None = None, hint: str | None = None):
    """Preview or apply a repair; ``expected`` is the schedule version the host's decision was based on;
    ``hint`` is a participant to prefill the "Someone is away" form with on the board.

    Applying holds the event's lock (one repair or solve at a time) and saves the new schedule,
    the closed room and the late request in one transaction: a crash leaves the old schedule.
    """
    store = get_store()
    data = store.load(event_id)
    people = data.by_id()
    settings = store.live_settings(event_id)
    for pid in [a.participant for a in repair.absences] + list(repair.lost):
        if pid not in people:
            flash(gettext("participant: that person is not in this event; choose someone from the list"), "error")
            return back(event_id)
    if repair.close_room is not None and not 1 <= repair.close_room <= data.event.rooms:
        flash(gettext("room: must be between 1 and %(num)s", num=data.event.rooms), "error")
        return back(event_id)
    try:
        # the event as the repair sees it: the host's late request imposed, and the waitlist
        # (each traditional SME's top recommendations) to refill the day of those who lost a meeting
        live_data = with_waitlist(_with_late(data, repair.late), settings["waitlist"])
    except (InvalidInput, Conflict) as exc:
        flash(gettext("late request: %(why)s", why=exc), "error")
        return back(event_id)
    closed = sorted(set(settings["closed_rooms"]) | ({repair.close_room} - {None}))
    wanted = [repair.late[:2]] if repair.late else []
    if not apply:
        plan = rebalance(live_data, store.meetings(event_id), now(), repair.absences, closed_rooms=closed,
                         wanted=wanted, lost=repair.lost)  # fmt: skip
        return render_template("preview.html", ev=data.event, plan=plan, people=people, what=said_here(repair.describe(
            people, data.event.timezone)), hidden=repair.hidden(), version=store.schedule_version(event_id),
            tz=data.event.timezone,
            told=sorted(people[p].name for p in plan.affected if p in people))  # fmt: skip
    if expected is not None and expected != store.schedule_version(event_id):  # stale: refuse before the lock
        flash(gettext("The schedule changed meanwhile (someone else made a change), so nothing was changed. The "
                      "board below is fresh: preview the repair again."), "error")
        return back(event_id)
    if not store.start_solve(event_id, stale_after=REPAIR_LOCK_STALE):
        flash(gettext("Another repair or a schedule solve is running for this event; try again in a moment."), "error")
        return back(event_id)
    try:
        meetings = store.meetings(event_id)
        version = store.schedule_version(event_id) if expected is None else expected
        plan = rebalance(live_data, meetings, now(), repair.absences, closed_rooms=closed, wanted=wanted,
                         lost=repair.lost)  # fmt: skip
        actor = current_user()["username"]
        with store.write():
            if repair.late:
                _store_late(store, event_id, repair.late, actor)
            if repair.close_room is not None:
                store.set_live_settings(event_id, actor=actor, closed_rooms=closed)
            store.save_schedule(Schedule(event_id, plan.meetings), actor=actor, expected_version=version,
                                detail={"action": "rebalance", "absent": [a.participant for a in repair.absences],
                                        "closed_rooms": closed, "late": list(repair.late or ()),
                                        "lost": list(repair.lost), "close_room": repair.close_room,
                                        "displaced": _displaced(plan, meetings) if repair.close_room is not None else [],
                                "why": to_data(repair.describe(people, data.event.timezone))})  # fmt: skip
    except (Conflict, InvalidInput) as exc:
        flash(gettext("The schedule changed meanwhile (someone else made a change), so nothing was changed. The "
                      "board below is fresh: preview the repair again.") if isinstance(exc, StaleVersion)
              else f"{said(exc)} " + gettext("Nothing was changed; the board below is fresh."), "error")  # fmt: skip
        return back(event_id)
    finally:
        store.end_solve(event_id)
    notify(store, data, meetings, store.meetings(event_id), Message(REPAIRED, what=repair.describe(
        people, data.event.timezone)))  # fmt: skip
    rooms_only = sum(1 for b, a in plan.moved if b.start == a.start)
    flash(gettext("Applied: %(added)s meetings added, %(rooms)s changed room only (same time), %(moved)s moved to "
                  "another time, %(cancelled)s cancelled; %(told)s participants told.", added=len(plan.added),
                  rooms=rooms_only, moved=len(plan.moved) - rooms_only, cancelled=len(plan.cancelled),
                  told=len(plan.affected)))  # fmt: skip
    return back(event_id, away=hint)


def _displaced(plan, meetings) -> list[dict]:
    """Where the meetings a room closing moved in time or cancelled were before: what reopening may restore."""
    before = {m.id: m for m in meetings}
    gone = [before[b.id] for b, a in plan.moved if b.start != a.start]
    gone += [before[m.id] for m in plan.cancelled if m.id in before]
    return [{"id": m.id, "start": m.start.isoformat(), "end": m.end.isoformat(), "room": m.room,
             "status": m.status} for m in gone]  # fmt: skip


@bp.post("/absence")
@staff_required("organiser", "host")
def absence(event_id):
    pid = request.form.get("participant", "")
    data = get_store().load(event_id)
    until = end_of_local_day(now(), data.event.timezone)  # gone for the rest of the day: back tomorrow
    if request.form.get("mode") == "late":
        try:
            hh = datetime.strptime(request.form.get("until", ""), "%H:%M").time()
        except ValueError:
            flash(gettext("until: write the time as HH:MM (event zone)"), "error")
            return back(event_id)
        until = local_instant(to_local(now(), data.event.timezone).date(), hh, data.event.timezone)
        if until <= now():
            flash(gettext("until: %(time)s has already passed (now %(now)s, %(zone)s)", time=hh.strftime("%H:%M"),
                          now=local_label(now(), data.event.timezone), zone=data.event.timezone), "error")  # fmt: skip
            return back(event_id)
    return _plan(event_id, Repair(absences=(Absence(pid, until),)), apply=request.form.get("apply") == "1")


@bp.post("/rooms/close")
@staff_required("organiser", "host")
def close_room(event_id):
    try:
        room = int(request.form.get("room", ""))
    except ValueError:
        flash(gettext("room: choose the room to close"), "error")
        return back(event_id)
    rooms = get_store().load(event_id).event.rooms
    if not 1 <= room <= rooms:
        flash(gettext("room: %(room)s is not between 1 and %(num)s", room=room, num=rooms), "error")
        return back(event_id)
    return _plan(event_id, Repair(close_room=room), apply=False)


@bp.post("/rooms/<int:room>/open")
@staff_required("organiser", "host")
def open_room(event_id, room):
    """Reopen a closed room: preview the meetings its closing moved away or cancelled that can go
    back to their slot and room; apply with or without them, or discard (the room stays closed)."""
    store = get_store()
    data = store.load(event_id)
    closed = store.live_settings(event_id)["closed_rooms"]
    if room not in closed:
        flash(gettext("Room %(room)s is already open.", room=room))
        return back(event_id)
    still = [r for r in closed if r != room]
    meetings = store.meetings(event_id)
    found = restorable(data, meetings, _closing(store, event_id, room, meetings), now(), still)
    actor = current_user()["username"]
    if not found.back:  # nothing can go back: open it at once
        store.set_live_settings(event_id, actor=actor, closed_rooms=still)
        flash(gettext("Room %(room)s is open again; new meetings may use it.", room=room)
              + (" " + gettext("The %(num)s meetings its closing moved or cancelled stay as they are (their old "
                               "time has passed or is taken).", num=len(found.stay)) if found.stay else ""))  # fmt: skip
        return back(event_id)
    if request.form.get("apply") != "1":
        people = data.by_id()
        return render_template("reopen.html", ev=data.event, room=room, found=found, people=people,
                               tz=data.event.timezone, version=store.schedule_version(event_id),
                               told=sorted({people[p].name for _, m in found.back for p in (m.a, m.b)}))  # fmt: skip
    restore = request.form.get("restore") == "1"
    restored = {m.id: m for _, m in found.back} if restore else {}
    try:
        version = form_version()
        with store.write():
            if store.schedule_version(event_id) != version:
                raise Conflict("stale")
            store.set_live_settings(event_id, actor=actor, closed_rooms=still)
            if restored:
                store.save_schedule(Schedule(event_id, tuple(restored.get(m.id, m) for m in meetings)), actor=actor,
                                    expected_version=version,
                                    detail={"action": "reopen", "room": room, "restored": sorted(restored),
                                            "why": to_data(Message(N_("room {room} reopened"), room=room))})  # fmt: skip
    except Conflict:
        flash(gettext("The schedule changed meanwhile (someone else made a change), so the room stays closed and "
                      "nothing was restored. Press “Reopen” again to see what can go back now."), "error")  # fmt: skip
        return back(event_id)
    if restored:
        notify(store, data, meetings, store.meetings(event_id),
               Message(N_("Room {room} is open again: your meeting is back at its original time and room"), room=room))  # fmt: skip
        flash(gettext("Room %(room)s is open again; %(num)s meetings are back at their original time and room, "
                      "and both participants of each were told.", room=room, num=len(restored)))  # fmt: skip
    else:
        flash(gettext("Room %(room)s is open again; the meetings its closing moved or cancelled stay as they are.",
                      room=room))
    return back(event_id)


def _closing(store, event_id: str, room: int, meetings) -> list:
    """The meetings the newest closing of ``room`` moved in time or cancelled, as they were before."""
    by_id = {m.id: m for m in meetings}
    for r in reversed(store.audit_log(event_id)):
        d = r["detail"]
        if r["action"] == "schedule" and d.get("close_room") == room:
            return [replace(by_id[x["id"]], start=datetime.fromisoformat(x["start"]),
                            end=datetime.fromisoformat(x["end"]), room=x["room"], status=x["status"])
                    for x in d.get("displaced", []) if x["id"] in by_id]  # fmt: skip
    return []


@bp.post("/late-request")
@staff_required("organiser", "host")
def late_request(event_id):
    form = request.form
    try:
        priority = int(form.get("priority", "1"))
    except ValueError:
        flash(gettext("priority: must be 1, 2 or 3"), "error")
        return back(event_id)
    return _plan(event_id, Repair(late=(form.get("from", ""), form.get("to", ""), priority)), apply=False)


@bp.post("/apply")
@staff_required("organiser", "host")
def apply(event_id):
    """Apply a previewed repair: the same inputs give the same plan (the solver is deterministic)."""
    try:
        repair = Repair.from_form(request.form)
    except (ValueError, KeyError):
        flash(gettext("The preview form was incomplete; preview the repair again."), "error")
        return back(event_id)
    return _plan(event_id, repair, apply=True, expected=form_version())


